-- Attachments (0008): chunked blob writes, dedupe, mismatch rejection, and
-- reads that only ever go through an attachment the caller may see.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(54);
:tap_grants

\set a_alice  '''50000000-0000-4000-8000-0000000000a1'''
\set a_bob    '''50000000-0000-4000-8000-0000000000a2'''
\set a_note   '''50000000-0000-4000-8000-0000000000a3'''
\set a_legacy '''50000000-0000-4000-8000-0000000000a4'''

-- ---------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------
:as_super
SELECT ok(has_function_privilege('supportdesk_app', 'attachment_blob_begin(bytea, bigint)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'attachment_blob_chunk(bytea, integer, bytea)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'attachment_blob_finish(bytea, bigint)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'attachment_read_meta(uuid)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'attachment_read_chunk(uuid, integer)', 'EXECUTE'),
          'app may execute the attachment API');
SELECT ok(NOT has_function_privilege('public', 'attachment_blob_begin(bytea, bigint)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'attachment_read_chunk(uuid, integer)', 'EXECUTE'),
          'PUBLIC may not');
SELECT is_empty($$SELECT proname FROM pg_proc WHERE proname IN ('attachment_read_meta', 'attachment_read_chunk') AND prosecdef$$,
                'read functions are SECURITY INVOKER: row-level security of the caller applies');
SELECT ok(NOT has_table_privilege('supportdesk_app', 'attachment_blob_chunks', 'INSERT')
          AND NOT has_table_privilege('supportdesk_app', 'attachment_blob_chunks', 'UPDATE')
          AND NOT has_table_privilege('supportdesk_app', 'attachment_blob_chunks', 'DELETE')
          AND NOT has_table_privilege('supportdesk_app', 'attachment_blobs', 'UPDATE'),
          'app writes blobs only through the functions');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'attachment_blob_chunks'::regclass), 'chunks have RLS enabled');
SELECT ok(setting('attachment_allowed_types') ? 'text/html' AND setting('attachment_allowed_types') ? 'image/svg+xml',
          'HTML and SVG are accepted (and served as attachments)');

-- ---------------------------------------------------------------------------
-- Writing, as the anonymous submitter
-- ---------------------------------------------------------------------------
:as_anon
SELECT is(attachment_blob_exists(sha256('hello, world'::bytea)), false, 'unknown blob does not exist');
SELECT is(attachment_blob_begin(sha256('hello, world'::bytea), 12), 'write', 'begin: a new blob is written');
SELECT is(attachment_blob_exists(sha256('hello, world'::bytea)), false, 'a blob being written does not count as existing');
SELECT is(attachment_blob_chunk(sha256('hello, world'::bytea), 0, 'hello'::bytea), 'ok', 'chunk 0');
SELECT is(attachment_blob_chunk(sha256('hello, world'::bytea), 1, ', world'::bytea), 'ok', 'chunk 1');
SELECT is(attachment_blob_chunk(sha256('hello, world'::bytea), 1, ', world'::bytea), 'duplicate', 'a chunk is written once');
SELECT is(attachment_blob_chunk(sha256('hello, world'::bytea), 2, '!'::bytea), 'too_large', 'no more bytes than announced');
SELECT is(attachment_blob_finish(sha256('hello, world'::bytea), 12), 'ok', 'finish verifies size and hash');
SELECT is(attachment_blob_exists(sha256('hello, world'::bytea)), true, 'finished blob exists');
SELECT is(attachment_blob_finish(sha256('hello, world'::bytea), 12), 'ok', 'finish is idempotent');
SELECT is(attachment_blob_chunk(sha256('hello, world'::bytea), 2, 'x'::bytea), 'not_writable', 'a complete blob is immutable');
SELECT is(attachment_blob_begin(sha256('hello, world'::bytea), 12), 'exists', 'dedupe: same bytes are not sent twice');
SELECT is(attachment_blob_begin(sha256('hello, world'::bytea), 13), 'size_mismatch', 'same hash, other size: refused');
SELECT is((SELECT count(*) FROM attachment_blob_chunks), 0::bigint, 'anonymous reads no chunks, not even its own');

-- Mismatches delete the blob.
SELECT is(attachment_blob_begin(sha256('expected'::bytea), 8), 'write', 'begin for a hash');
SELECT is(attachment_blob_chunk(sha256('expected'::bytea), 0, 'tampered'::bytea), 'ok', 'other bytes of the same size');
SELECT is(attachment_blob_finish(sha256('expected'::bytea), 8), 'hash_mismatch', 'hash mismatch detected');
SELECT is(attachment_blob_begin(sha256('short'::bytea), 10), 'write', 'begin with a wrong size');
SELECT is(attachment_blob_chunk(sha256('short'::bytea), 0, 'short'::bytea), 'ok', 'fewer bytes');
SELECT is(attachment_blob_finish(sha256('short'::bytea), 10), 'size_mismatch', 'size mismatch detected');
SELECT is(attachment_blob_begin(sha256('gap'::bytea), 3), 'write', 'begin');
SELECT is(attachment_blob_chunk(sha256('gap'::bytea), 1, 'gap'::bytea), 'ok', 'chunk 1 without chunk 0');
SELECT is(attachment_blob_finish(sha256('gap'::bytea), 3), 'size_mismatch', 'missing chunks detected');
SELECT is(attachment_blob_begin(sha256('huge'::bytea), 26214401), 'too_large', 'over attachment_max_bytes');
SELECT is(attachment_blob_begin('\x00'::bytea, 1), 'invalid', 'a hash is 32 bytes');
SELECT throws_ok($$INSERT INTO attachment_blob_chunks VALUES (sha256('x'::bytea), 0, 'x'::bytea)$$, '42501', NULL,
                 'app cannot insert chunks directly');
:as_super
SELECT is((SELECT count(*) FROM attachment_blobs WHERE sha256 IN (sha256('expected'::bytea), sha256('short'::bytea), sha256('gap'::bytea))),
          0::bigint, 'mismatched blobs are deleted');
SELECT is((SELECT count(*) FROM attachment_blob_chunks WHERE sha256 IN (sha256('expected'::bytea), sha256('short'::bytea), sha256('gap'::bytea))),
          0::bigint, 'with their chunks');
SELECT results_eq($$SELECT data IS NULL, chunk_count, size_bytes FROM attachment_blobs WHERE sha256 = sha256('hello, world'::bytea)$$,
                  $$VALUES (true, 2, 12::bigint)$$, 'chunked blob: no inline data, two chunks');

-- An incomplete blob never backs an attachment.
:as_anon
SELECT is(attachment_blob_begin(sha256('never finished'::bytea), 14), 'write', 'begin, never finished');
:as_super
SELECT throws_ok($$INSERT INTO attachments (ticket_id, file_name, content_type, size_bytes, sha256)
                   VALUES ('30000000-0000-4000-8000-000000000001', 'x.txt', 'text/plain', 14, sha256('never finished'::bytea))$$,
                 '23514', NULL, 'incomplete blob cannot be attached');

-- ---------------------------------------------------------------------------
-- Reading goes through a visible attachment
-- ---------------------------------------------------------------------------
:as_anon
SELECT is(attachment_blob_begin(sha256('bob secret'::bytea), 10), 'write', 'bob''s blob');
SELECT is(attachment_blob_chunk(sha256('bob secret'::bytea), 0, 'bob secret'::bytea), 'ok', 'bob''s chunk');
SELECT is(attachment_blob_finish(sha256('bob secret'::bytea), 10), 'ok', 'bob''s blob finished');
:as_super
-- A pre-0008 blob with inline data, 600000 bytes: served as three slices.
INSERT INTO attachment_blobs (sha256, data, size_bytes)
  SELECT sha256(d), d, length(d) FROM (SELECT convert_to(repeat('legacy!', 85715) || 'x', 'UTF8') AS d) s;
INSERT INTO attachments (id, ticket_id, message_id, file_name, content_type, size_bytes, sha256, uploaded_by) VALUES
  (:a_alice,  :tx1, NULL,    'hello.txt',  'text/plain', 12, sha256('hello, world'::bytea), :ca),
  (:a_bob,    :ty1, NULL,    'bob.txt',    'text/plain', 10, sha256('bob secret'::bytea), :cb),
  (:a_note,   :tx1, :mx_int, 'note.txt',   'text/plain', 12, sha256('hello, world'::bytea), :xg),
  (:a_legacy, :tx1, NULL,    'legacy.txt', 'text/plain', 600006,
   sha256(convert_to(repeat('legacy!', 85715) || 'x', 'UTF8')), :ca);

:as_ca
SELECT results_eq($$SELECT file_name, content_type, size_bytes, sha256, chunks FROM attachment_read_meta('50000000-0000-4000-8000-0000000000a1')$$,
                  $$VALUES ('hello.txt', 'text/plain', 12::bigint, encode(sha256('hello, world'::bytea), 'hex'), 2)$$,
                  'alice reads the metadata of her attachment');
SELECT is((SELECT string_agg(c, ''::bytea ORDER BY n) FROM generate_series(0, 1) n, attachment_read_chunk(:a_alice, n) c),
          'hello, world'::bytea, 'alice reads its bytes chunk by chunk');
SELECT is_empty($$SELECT * FROM attachment_read_chunk('50000000-0000-4000-8000-0000000000a1', 2)$$, 'past the last chunk: nothing');
SELECT is_empty($$SELECT * FROM attachment_read_meta('50000000-0000-4000-8000-0000000000a2')$$, 'alice cannot read bob''s metadata');
SELECT is_empty($$SELECT * FROM attachment_read_chunk('50000000-0000-4000-8000-0000000000a2', 0)$$, 'alice cannot read bob''s bytes');
SELECT is_empty($$SELECT 1 FROM attachment_blob_chunks WHERE sha256 = sha256('bob secret'::bytea)$$, 'nor his chunks directly');
SELECT is_empty($$SELECT * FROM attachment_read_meta('50000000-0000-4000-8000-0000000000a3')$$, 'alice cannot read a file on an internal note');
SELECT results_eq($$SELECT chunks FROM attachment_read_meta('50000000-0000-4000-8000-0000000000a4')$$, ARRAY[3],
                  'a pre-0008 blob is served in 256 KiB slices');
SELECT ok((SELECT string_agg(c, ''::bytea ORDER BY n) FROM generate_series(0, 2) n, attachment_read_chunk(:a_legacy, n) c)
          = convert_to(repeat('legacy!', 85715) || 'x', 'UTF8'), 'slices reassemble the inline data');

:as_cb
SELECT is_empty($$SELECT * FROM attachment_read_chunk('50000000-0000-4000-8000-0000000000a1', 0)$$, 'bob cannot read alice''s bytes');

:as_anon
SELECT is_empty($$SELECT * FROM attachment_read_meta('50000000-0000-4000-8000-0000000000a1')$$, 'anonymous sees no metadata');

:as_xg
SELECT set_eq($$SELECT file_name FROM attachment_read_meta('50000000-0000-4000-8000-0000000000a3')$$, ARRAY['note.txt'],
              'acme agent reads files on internal notes of acme tickets');

:as_yg
SELECT is_empty($$SELECT * FROM attachment_read_chunk('50000000-0000-4000-8000-0000000000a1', 0)$$, 'globex agent cannot read acme bytes');

-- ---------------------------------------------------------------------------
-- Garbage collection
-- ---------------------------------------------------------------------------
:as_super
UPDATE attachment_blobs SET created_at = now() - interval '3 days' WHERE sha256 = sha256('never finished'::bytea);
SELECT is(attachment_blobs_gc('1 day'), 1::bigint, 'gc removes an old abandoned blob');

SELECT * FROM finish();
ROLLBACK;
