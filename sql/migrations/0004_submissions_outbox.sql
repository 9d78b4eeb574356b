-- 0004_submissions_outbox.sql: public submissions awaiting email verification
-- (seed 000 support_email_verification_tokens) and the transactional email
-- outbox. Neither table is readable by supportdesk_app: every access goes
-- through the SECURITY DEFINER functions of 0006.

CREATE TABLE submissions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email            citext NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+$'),
  name             text CHECK (length(name) <= 200),
  request_type_id  uuid NOT NULL REFERENCES request_types (id),
  title            text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
  description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 65536),
  event_id         uuid REFERENCES events (id),
  -- Custom field values keyed by field_key, as validated by the form.
  form_data        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(form_data) = 'object'),
  -- [{"sha256": "<hex>", "file_name": "...", "content_type": "...", "size_bytes": n}]
  -- The bytes are already in attachment_blobs.
  attachment_refs  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attachment_refs) = 'array'),
  -- sha256 of the emailed token (computed in C). The raw token is never stored.
  token_hash       bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  expires_at       timestamptz NOT NULL DEFAULT now() + interval '1 hour',
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  used_at          timestamptz,
  ticket_id        uuid REFERENCES tickets (id),
  -- The form's one-time token: a retried POST finds the first submission.
  idempotency_key  text UNIQUE CHECK (length(idempotency_key) BETWEEN 16 AND 128),
  ip_address       inet,
  user_agent       text CHECK (length(user_agent) <= 1024),
  spam_score       numeric(3,2) CHECK (spam_score BETWEEN 0 AND 1),
  captcha_verified boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((used_at IS NULL) = (ticket_id IS NULL))
);
CREATE INDEX submissions_email_idx ON submissions (email, created_at DESC);
CREATE INDEX submissions_expires_idx ON submissions (expires_at) WHERE used_at IS NULL;
CREATE INDEX submissions_request_type_idx ON submissions (request_type_id);
CREATE INDEX submissions_event_idx ON submissions (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX submissions_ticket_idx ON submissions (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX submissions_ip_idx ON submissions (ip_address, created_at DESC);

ALTER TABLE tickets ADD CONSTRAINT tickets_submission_fk
  FOREIGN KEY (submission_id) REFERENCES submissions (id);
-- (tickets.submission_id is UNIQUE, which indexes it.)

-- Idempotency for the signed-in customer path, which skips submissions.
ALTER TABLE tickets ADD COLUMN idempotency_key text UNIQUE
  CHECK (length(idempotency_key) BETWEEN 16 AND 128);

-- ---------------------------------------------------------------------------
-- Outbox: email written in the same transaction as the change that causes it.
-- ---------------------------------------------------------------------------

CREATE TABLE outbox (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  to_email        citext NOT NULL CHECK (length(to_email) <= 254 AND to_email ~ '^[^@\s]+@[^@\s]+$'),
  to_name         text CHECK (length(to_name) <= 200),
  subject         text CHECK (length(subject) <= 998),
  body_text       text,
  body_html       text,
  -- Alternatively a template name + data rendered by the mailer.
  template        text CHECK (template ~ '^[a-z][a-z0-9_/]{0,99}$'),
  template_data   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(template_data) = 'object'),
  ticket_id       uuid REFERENCES tickets (id),
  user_id         uuid REFERENCES users (id),
  -- Suppresses duplicates of the same logical email (e.g. 'verify:<submission>').
  dedupe_key      text UNIQUE,
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,            -- lease of a 'sending' row; expired leases are retried
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  CHECK (template IS NOT NULL OR (subject IS NOT NULL AND body_text IS NOT NULL)),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK (status <> 'sending' OR locked_until IS NOT NULL)
);
-- The mailer's two work queues.
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_sending_idx ON outbox (locked_until) WHERE status = 'sending';
CREATE INDEX outbox_ticket_idx ON outbox (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX outbox_user_idx ON outbox (user_id) WHERE user_id IS NOT NULL;
CREATE TRIGGER outbox_updated_at BEFORE UPDATE ON outbox
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Wake the mailer (LISTEN outbox). Delivered at commit, so it never sees a
-- row that was rolled back. Statement-level: one wake-up per statement.
CREATE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
