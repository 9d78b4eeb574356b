-- 0008_attachment_chunks.sql: attachment bytes stored in chunks, so that no
-- worker ever holds a whole 25 MiB file in one libpq parameter or result.
--
-- Writing (SECURITY DEFINER, the app has no write privilege on blobs):
--   attachment_blob_begin(sha256, size)      'write' | 'exists' | 'too_large' | 'invalid' | 'size_mismatch'
--   attachment_blob_chunk(sha256, seq, data) 'ok' | 'not_writable' | 'duplicate' | 'too_large' | 'invalid'
--   attachment_blob_finish(sha256, size)     'ok' | 'size_mismatch' | 'hash_mismatch' | 'too_large' | 'not_found'
-- A blob row with data NULL and chunk_count NULL is being written (or was
-- abandoned); finish verifies the total size and the sha256 over the ordered
-- chunks, then sets chunk_count. On a mismatch it deletes the blob.
--
-- Reading (SECURITY INVOKER, on purpose): attachment_read_meta(attachment) and
-- attachment_read_chunk(attachment, seq) select from attachments, blobs and
-- chunks as the caller, so the tickets' row-level security decides: a chunk
-- is visible only when an attachment the caller may see references its blob
-- (the same rule as attachment_blobs_select). Nothing here bypasses RLS to
-- read bytes.
--
-- Rows written before this migration keep their bytes in attachment_blobs.data
-- (chunk_count NULL); attachment_read_chunk serves them in 256 KiB slices.

-- ---------------------------------------------------------------------------
-- Schema
-- ---------------------------------------------------------------------------

ALTER TABLE attachment_blobs ALTER COLUMN data DROP NOT NULL;
ALTER TABLE attachment_blobs DROP CONSTRAINT attachment_blobs_check;  -- size_bytes = length(data)
ALTER TABLE attachment_blobs
  ADD COLUMN chunk_count  integer CHECK (chunk_count >= 0),  -- set by attachment_blob_finish
  ADD COLUMN last_used_at timestamptz,                       -- a deduplicated upload reused it
  ADD CONSTRAINT attachment_blobs_data_size CHECK (data IS NULL OR size_bytes = length(data)),
  ADD CONSTRAINT attachment_blobs_one_storage CHECK (data IS NULL OR chunk_count IS NULL);
COMMENT ON COLUMN attachment_blobs.data IS
  'Bytes of blobs stored before 0008; NULL for chunked blobs (attachment_blob_chunks)';
COMMENT ON COLUMN attachment_blobs.chunk_count IS
  'Number of chunks once attachment_blob_finish verified them; NULL while being written';

CREATE TABLE attachment_blob_chunks (
  sha256 bytea NOT NULL REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
  seq    integer NOT NULL CHECK (seq >= 0),
  data   bytea NOT NULL CHECK (length(data) BETWEEN 1 AND 1048576),
  PRIMARY KEY (sha256, seq)   -- also the FK index
);
-- Mostly compressed formats already: skip TOAST compression, which also lets
-- length() and substring() work without detoasting the whole value.
ALTER TABLE attachment_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE attachment_blob_chunks ENABLE ROW LEVEL SECURITY;

-- Same rule as attachment_blobs_select: a visible attachment references it.
-- The subquery applies the attachments policy (ticket and message visibility).
CREATE POLICY attachment_blob_chunks_select ON attachment_blob_chunks FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM attachments a WHERE a.sha256 = attachment_blob_chunks.sha256));
GRANT SELECT ON attachment_blob_chunks TO supportdesk_app;

-- The issue asks that HTML and SVG uploads be accepted and then always served
-- as an attachment (never rendered).
UPDATE system_settings
SET value = value || coalesce((SELECT jsonb_agg(t ORDER BY t)
                               FROM unnest(ARRAY['text/html', 'image/svg+xml']) t
                               WHERE NOT system_settings.value ? t), '[]')
WHERE key = 'attachment_allowed_types';

-- ---------------------------------------------------------------------------
-- Writing
-- ---------------------------------------------------------------------------

-- Whether a complete blob with this hash is stored (dedupe probe).
CREATE FUNCTION attachment_blob_exists(p_sha256 bytea) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT FROM attachment_blobs
                 WHERE sha256 = p_sha256 AND (data IS NOT NULL OR chunk_count IS NOT NULL))
$$;

-- Starts writing a blob of p_size bytes, or reports that it is stored already.
--   'write'         the caller sends the chunks, then calls attachment_blob_finish
--   'exists'        complete already: nothing to send (last_used_at is touched,
--                   and the row lock keeps attachment_blobs_gc off it until commit)
--   'too_large'     over system_settings.attachment_max_bytes
--   'size_mismatch' a complete blob with this hash has another size
--   'invalid'       malformed arguments
-- A concurrent writer of the same hash makes the INSERT wait for it: if it
-- commits, this one gets 'exists'; if it rolls back, this one writes.
CREATE FUNCTION attachment_blob_begin(p_sha256 bytea, p_size bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  b attachment_blobs;
BEGIN
  IF p_sha256 IS NULL OR length(p_sha256) <> 32 OR p_size IS NULL OR p_size <= 0 THEN
    RETURN 'invalid';
  END IF;
  IF p_size > (setting('attachment_max_bytes'))::bigint THEN
    RETURN 'too_large';
  END IF;
  INSERT INTO attachment_blobs (sha256, size_bytes) VALUES (p_sha256, p_size)
  ON CONFLICT (sha256) DO NOTHING;
  IF FOUND THEN
    RETURN 'write';
  END IF;
  SELECT * INTO b FROM attachment_blobs WHERE sha256 = p_sha256 FOR UPDATE;
  IF NOT FOUND THEN
    -- Deleted meanwhile (garbage collection): start it afresh.
    INSERT INTO attachment_blobs (sha256, size_bytes) VALUES (p_sha256, p_size);
    RETURN 'write';
  END IF;
  IF b.data IS NOT NULL OR b.chunk_count IS NOT NULL THEN
    IF b.size_bytes <> p_size THEN
      RETURN 'size_mismatch';
    END IF;
    UPDATE attachment_blobs SET last_used_at = now() WHERE sha256 = p_sha256;
    RETURN 'exists';
  END IF;
  -- Left incomplete by an earlier transaction: start over.
  DELETE FROM attachment_blob_chunks WHERE sha256 = p_sha256;
  UPDATE attachment_blobs SET size_bytes = p_size, created_at = now(), last_used_at = NULL
  WHERE sha256 = p_sha256;
  RETURN 'write';
END;
$$;

-- Appends chunk p_seq (0-based) of a blob being written.
--   'ok' | 'not_writable' (unknown or already complete: complete blobs are
--   immutable) | 'duplicate' (seq written already) | 'too_large' (more bytes
--   than the size announced to begin) | 'invalid'
CREATE FUNCTION attachment_blob_chunk(p_sha256 bytea, p_seq integer, p_data bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_size bigint;
  v_have bigint;
BEGIN
  IF p_sha256 IS NULL OR p_seq IS NULL OR p_seq < 0 OR p_data IS NULL
     OR length(p_data) NOT BETWEEN 1 AND 1048576 THEN
    RETURN 'invalid';
  END IF;
  -- The row lock serializes writers of one blob.
  SELECT size_bytes INTO v_size FROM attachment_blobs
  WHERE sha256 = p_sha256 AND data IS NULL AND chunk_count IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_writable';
  END IF;
  IF EXISTS (SELECT FROM attachment_blob_chunks WHERE sha256 = p_sha256 AND seq = p_seq) THEN
    RETURN 'duplicate';
  END IF;
  -- length() of an uncompressed (EXTERNAL) value reads only its TOAST header.
  SELECT coalesce(sum(length(data)), 0) INTO v_have FROM attachment_blob_chunks WHERE sha256 = p_sha256;
  IF v_have + length(p_data) > v_size THEN
    RETURN 'too_large';
  END IF;
  INSERT INTO attachment_blob_chunks (sha256, seq, data) VALUES (p_sha256, p_seq, p_data);
  RETURN 'ok';
END;
$$;

-- Completes a blob: the chunks must be 0..n-1, add up to p_size (= the size
-- announced to begin, within attachment_max_bytes) and hash to p_sha256.
-- Any mismatch deletes the blob and its chunks. Finishing a complete blob of
-- that size again answers 'ok'.
CREATE FUNCTION attachment_blob_finish(p_sha256 bytea, p_size bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  b       attachment_blobs;
  v_n     bigint;
  v_max   integer;
  v_total bigint;
  v_hash  bytea;
  v_res   text;
BEGIN
  SELECT * INTO b FROM attachment_blobs WHERE sha256 = p_sha256 FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF b.data IS NOT NULL OR b.chunk_count IS NOT NULL THEN
    RETURN CASE WHEN b.size_bytes = p_size THEN 'ok' ELSE 'size_mismatch' END;
  END IF;
  SELECT count(*), max(seq), coalesce(sum(length(data)), 0) INTO v_n, v_max, v_total
  FROM attachment_blob_chunks WHERE sha256 = p_sha256;
  IF v_total > (setting('attachment_max_bytes'))::bigint THEN
    v_res := 'too_large';
  ELSIF p_size IS NULL OR v_n = 0 OR v_total <> p_size OR b.size_bytes <> p_size OR v_max <> v_n - 1 THEN
    v_res := 'size_mismatch';
  ELSE
    -- One pass over the chunks in order; the backend holds at most
    -- attachment_max_bytes for it, the worker nothing.
    SELECT sha256(string_agg(data, ''::bytea ORDER BY seq)) INTO v_hash
    FROM attachment_blob_chunks WHERE sha256 = p_sha256;
    IF v_hash IS DISTINCT FROM p_sha256 THEN
      v_res := 'hash_mismatch';
    END IF;
  END IF;
  IF v_res IS NOT NULL THEN
    DELETE FROM attachment_blobs WHERE sha256 = p_sha256;   -- chunks cascade
    RETURN v_res;
  END IF;
  UPDATE attachment_blobs SET chunk_count = v_n WHERE sha256 = p_sha256;
  RETURN 'ok';
END;
$$;

-- ---------------------------------------------------------------------------
-- Reading: SECURITY INVOKER, so row-level security of the caller applies.
-- ---------------------------------------------------------------------------

-- The attachment's metadata when the caller may see it (else no row). chunks
-- is how many attachment_read_chunk calls return its bytes, in order.
CREATE FUNCTION attachment_read_meta(p_attachment uuid)
RETURNS TABLE (file_name text, content_type text, size_bytes bigint, sha256 text, chunks integer)
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
  SELECT a.file_name, a.content_type, a.size_bytes, encode(a.sha256, 'hex'),
         CASE WHEN b.data IS NOT NULL THEN ((b.size_bytes + 262143) / 262144)::integer
              ELSE b.chunk_count END
  FROM attachments a
  JOIN attachment_blobs b ON b.sha256 = a.sha256
  WHERE a.id = p_attachment AND (b.data IS NOT NULL OR b.chunk_count IS NOT NULL)
$$;

-- Chunk p_seq of a visible attachment's bytes (no row when not visible or
-- past the end). Pre-0008 blobs are served in 256 KiB slices of their data.
CREATE FUNCTION attachment_read_chunk(p_attachment uuid, p_seq integer) RETURNS SETOF bytea
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
  SELECT c.data
  FROM attachments a
  JOIN attachment_blob_chunks c ON c.sha256 = a.sha256 AND c.seq = p_seq
  WHERE a.id = p_attachment
  UNION ALL
  SELECT substring(b.data FROM p_seq * 262144 + 1 FOR 262144)
  FROM attachments a
  JOIN attachment_blobs b ON b.sha256 = a.sha256
  WHERE a.id = p_attachment AND b.data IS NOT NULL AND p_seq >= 0
    AND p_seq::bigint * 262144 < b.size_bytes
$$;

-- ---------------------------------------------------------------------------
-- Existing functions that must know about chunked and incomplete blobs.
-- ---------------------------------------------------------------------------

-- 0003's trigger, plus: the blob must be complete (a row being written, or
-- abandoned half-way, can never back an attachment).
CREATE OR REPLACE FUNCTION attachments_enforce_limits() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_blob_size bigint;
  v_complete  boolean;
BEGIN
  SELECT size_bytes, (data IS NOT NULL OR chunk_count IS NOT NULL) INTO v_blob_size, v_complete
  FROM attachment_blobs WHERE sha256 = NEW.sha256;
  IF v_blob_size IS DISTINCT FROM NEW.size_bytes THEN
    RAISE EXCEPTION 'attachment size % does not match its blob', NEW.size_bytes USING ERRCODE = 'check_violation';
  END IF;
  IF NOT v_complete THEN
    RAISE EXCEPTION 'attachment blob is incomplete' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.size_bytes > (setting('attachment_max_bytes'))::bigint THEN
    RAISE EXCEPTION 'attachment too large (% bytes)', NEW.size_bytes USING ERRCODE = 'check_violation';
  END IF;
  IF NOT (setting('attachment_allowed_types') ? NEW.content_type) THEN
    RAISE EXCEPTION 'content type % not allowed', NEW.content_type USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.message_id IS NOT NULL THEN
    -- Serialize concurrent uploads to one message so the count cannot be raced.
    PERFORM 1 FROM ticket_messages WHERE id = NEW.message_id AND ticket_id = NEW.ticket_id FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'message % is not on ticket %', NEW.message_id, NEW.ticket_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF (SELECT count(*) FROM attachments WHERE message_id = NEW.message_id)
       >= (setting('attachment_max_per_message'))::int THEN
      RAISE EXCEPTION 'too many attachments on message' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

-- 0006's job, plus: a blob reused by a deduplicated upload counts as young.
-- Incomplete blobs are unreferenced, so they go too once old.
CREATE OR REPLACE FUNCTION attachment_blobs_gc(p_older_than interval DEFAULT '1 day') RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM attachment_blobs b
    WHERE greatest(b.created_at, b.last_used_at) < now() - p_older_than
      AND NOT EXISTS (SELECT FROM attachments a WHERE a.sha256 = b.sha256)
      AND NOT EXISTS (SELECT FROM submissions s, jsonb_array_elements(s.attachment_refs) r
                      WHERE s.used_at IS NULL AND s.expires_at > now()
                        AND r->>'sha256' = encode(b.sha256, 'hex'))
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

GRANT EXECUTE ON FUNCTION
  attachment_blob_exists(bytea),
  attachment_blob_begin(bytea, bigint),
  attachment_blob_chunk(bytea, integer, bytea),
  attachment_blob_finish(bytea, bigint),
  attachment_read_meta(uuid),
  attachment_read_chunk(uuid, integer)
TO supportdesk_app;
