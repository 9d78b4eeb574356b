-- 0012: no working link survives in the outbox.
--
-- Verification and sign-in emails carry one-time tokens, of which only
-- hashes are stored anywhere else. Their bodies used to stay in the outbox
-- in clear, sent or not, so a backup or a replica held working links. Now:
--   * the application seals the bodies it enqueues (crypto_secretbox under
--     a key derived from the server secret, base64url in body_text and
--     body_html, `sealed` true); only the mailer opens them;
--   * a row that is sent, or that fails for good, is scrubbed: its bodies
--     and template data are emptied, its subject and recipient stay for the
--     record;
--   * outbox_purge() deletes sent and failed rows past outbox_retention_days.

ALTER TABLE outbox ADD COLUMN sealed boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN outbox.sealed IS
  'body_text and body_html are sealed (crypto_secretbox, base64url) under a key derived from the server secret';

INSERT INTO system_settings (key, value, description) VALUES
  ('outbox_retention_days', '30', 'Days a sent or failed outbox row (scrubbed of its body) is kept before outbox_purge deletes it');

DROP FUNCTION outbox_enqueue(citext, text, text, text, text, jsonb, uuid, uuid, text, text);
CREATE FUNCTION outbox_enqueue(p_to citext, p_subject text, p_text text, p_html text DEFAULT NULL,
                               p_template text DEFAULT NULL, p_data jsonb DEFAULT '{}',
                               p_ticket uuid DEFAULT NULL, p_user uuid DEFAULT NULL,
                               p_dedupe_key text DEFAULT NULL, p_to_name text DEFAULT NULL,
                               p_sealed boolean DEFAULT false) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid;
BEGIN
  INSERT INTO outbox (to_email, to_name, subject, body_text, body_html, template, template_data,
                      ticket_id, user_id, dedupe_key, sealed)
  VALUES (btrim(p_to), p_to_name, p_subject, p_text, p_html, p_template, coalesce(p_data, '{}'),
          p_ticket, p_user, p_dedupe_key, coalesce(p_sealed, false))
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    SELECT id INTO v_id FROM outbox WHERE dedupe_key = p_dedupe_key;
  END IF;
  RETURN v_id;
END;
$$;

-- A delivered or abandoned row keeps who, what subject, when and why; its
-- bodies become '' and NULL (body_text stays NOT NULL for the row's CHECK).
CREATE OR REPLACE FUNCTION outbox_mark_sent(p_id uuid) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE outbox SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL,
                    body_text = '', body_html = NULL, template_data = '{}', sealed = false
  WHERE id = p_id AND status = 'sending'
  RETURNING true
$$;

-- The two-argument form never scrubbed and has had no caller since 0009.
DROP FUNCTION outbox_mark_failed(uuid, text);
CREATE OR REPLACE FUNCTION outbox_mark_failed(p_id uuid, p_error text, p_permanent boolean) RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH next AS (
    SELECT id, CASE WHEN p_permanent OR attempts >= (setting('outbox_max_attempts'))::int
                    THEN 'failed' ELSE 'pending' END AS status
    FROM outbox WHERE id = p_id AND status = 'sending')
  UPDATE outbox o SET
    status = next.status,
    next_attempt_at = now() + least(interval '6 hours', interval '1 minute' * power(2, greatest(o.attempts - 1, 0))),
    locked_until = NULL,
    last_error = left(p_error, 2000),
    body_text = CASE WHEN next.status = 'failed' THEN '' ELSE o.body_text END,
    body_html = CASE WHEN next.status = 'failed' THEN NULL ELSE o.body_html END,
    template_data = CASE WHEN next.status = 'failed' THEN '{}' ELSE o.template_data END,
    sealed = CASE WHEN next.status = 'failed' THEN false ELSE o.sealed END
  FROM next WHERE o.id = next.id
  RETURNING o.status
$$;

-- Deletes sent and failed rows older than outbox_retention_days (or
-- p_older); returns how many. The mailer calls it now and then.
CREATE FUNCTION outbox_purge(p_older interval DEFAULT NULL) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM outbox
    WHERE status IN ('sent', 'failed')
      AND updated_at < now() - coalesce(p_older, make_interval(days => (setting('outbox_retention_days'))::int))
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- Rows delivered before this migration held their bodies in clear.
UPDATE outbox SET body_text = '', body_html = NULL, template_data = '{}'
WHERE status IN ('sent', 'failed');

REVOKE EXECUTE ON FUNCTION
  outbox_enqueue(citext, text, text, text, text, jsonb, uuid, uuid, text, text, boolean),
  outbox_purge(interval)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  outbox_enqueue(citext, text, text, text, text, jsonb, uuid, uuid, text, text, boolean),
  outbox_purge(interval)
TO supportdesk_app;
