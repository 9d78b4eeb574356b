-- 0009: the mailer can mark a delivery failure as permanent (an SMTP 5xx to
-- RCPT or DATA: retrying cannot help), so the row stops at 'failed' at once
-- instead of being retried until outbox_max_attempts.
CREATE FUNCTION outbox_mark_failed(p_id uuid, p_error text, p_permanent boolean) RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE outbox SET
    status = CASE WHEN p_permanent OR attempts >= (setting('outbox_max_attempts'))::int
                  THEN 'failed' ELSE 'pending' END,
    next_attempt_at = now() + least(interval '6 hours', interval '1 minute' * power(2, greatest(attempts - 1, 0))),
    locked_until = NULL,
    last_error = left(p_error, 2000)
  WHERE id = p_id AND status = 'sending'
  RETURNING status
$$;
REVOKE EXECUTE ON FUNCTION outbox_mark_failed(uuid, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_mark_failed(uuid, text, boolean) TO supportdesk_app;
