-- 0011: blobs are written only in chunks (0008). The one-piece writer of 0006
-- would need a whole file in one parameter, in a worker's memory, and it is
-- a second way in that nothing uses.
DROP FUNCTION attachment_blob_put(bytea, bytea);
