-- 0016: email notices to the requester, derived from the change itself.
--
-- Whatever changes a ticket (the customer portal, the support desk, inbound
-- email, the API, the scheduler), the same triggers decide whether the
-- requester hears of it, in the same transaction, so that no handler has to
-- remember to. A notice is an outbox row with a template name and its data
-- (no body): the mailer renders templates/email/notice_<event>_* at send
-- time. Events and the preference each one honours
-- (users.preferences -> 'notify' -> '<event>', true when absent):
--   reply     a public reply by anyone but the requester
--   waiting   status becomes waiting_customer
--   resolved  status becomes resolved
--   closed    status becomes closed
-- Never for internal notes, nor for what the requester did themselves. One
-- transaction sends the requester at most one notice per ticket: a reply
-- and a status change together make one email (the status names the
-- template, the reply adds its text).

CREATE FUNCTION requester_notice(p_ticket uuid, p_event text, p_data jsonb, p_dedupe_key text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
  u users;
  v_id uuid;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND OR t.is_spam THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM users WHERE id = t.requester_id;
  IF NOT FOUND OR NOT u.is_active OR u.email IS NULL
     OR coalesce(u.preferences -> 'notify' ->> p_event, 'true') = 'false' THEN
    RETURN;
  END IF;
  -- Already one for this ticket in this transaction (now() is the
  -- transaction's start): merge into it.
  SELECT id INTO v_id FROM outbox
  WHERE ticket_id = t.id AND user_id = u.id AND status = 'pending' AND created_at = now()
    AND template LIKE 'notice\_%'
  LIMIT 1 FOR UPDATE;
  IF FOUND THEN
    UPDATE outbox SET
      template = CASE WHEN p_event = 'reply' THEN template ELSE 'notice_' || p_event END,
      template_data = template_data || p_data || jsonb_build_object('status', t.status, 'title', t.title)
    WHERE id = v_id;
    RETURN;
  END IF;
  INSERT INTO outbox (to_email, to_name, template, template_data, ticket_id, user_id, dedupe_key)
  VALUES (u.email, u.name, 'notice_' || p_event,
          jsonb_build_object('number', t.number, 'title', t.title, 'status', t.status,
                             'name', coalesce(u.name, '')) || p_data,
          t.id, u.id, p_dedupe_key)
  ON CONFLICT (dedupe_key) DO NOTHING;
END;
$$;
REVOKE EXECUTE ON FUNCTION requester_notice(uuid, text, jsonb, text) FROM PUBLIC;

-- A public reply by staff (or anyone but the requester, the system aside).
CREATE FUNCTION ticket_messages_notice() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_requester uuid;
  v_author text;
BEGIN
  SELECT requester_id INTO v_requester FROM tickets WHERE id = NEW.ticket_id;
  IF NEW.author_id IS NULL OR NEW.author_id = v_requester THEN
    RETURN NULL;
  END IF;
  -- Staff are named, never shown by address.
  SELECT coalesce(nullif(btrim(name), ''), 'The support team') INTO v_author FROM users WHERE id = NEW.author_id;
  PERFORM requester_notice(NEW.ticket_id, 'reply',
    jsonb_build_object('author', coalesce(v_author, 'The support team'),
                       'excerpt', left(NEW.body, 4000), 'truncated', length(NEW.body) > 4000),
    'notice:reply:' || NEW.id);
  RETURN NULL;
END;
$$;
CREATE TRIGGER ticket_messages_notice AFTER INSERT ON ticket_messages
  FOR EACH ROW WHEN (NOT NEW.is_internal AND NEW.message_type = 'reply')
  EXECUTE FUNCTION ticket_messages_notice();

-- Status changes the requester should hear of, unless they made them.
CREATE FUNCTION tickets_status_notice() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_event text := CASE NEW.status WHEN 'waiting_customer' THEN 'waiting' ELSE NEW.status END;
BEGIN
  IF app_user_id() IS NOT DISTINCT FROM NEW.requester_id THEN
    RETURN NULL;
  END IF;
  PERFORM requester_notice(NEW.id, v_event, '{}',
    'notice:' || v_event || ':' || NEW.id || ':' || to_char(NEW.updated_at, 'YYYYMMDDHH24MISSUS'));
  RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_status_notice AFTER UPDATE OF status ON tickets
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                     AND NEW.status IN ('waiting_customer', 'resolved', 'closed'))
  EXECUTE FUNCTION tickets_status_notice();
