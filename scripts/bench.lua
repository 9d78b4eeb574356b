-- scripts/bench.lua: wrk script for scripts/bench.sh.
--
-- The request: GET by default; BENCH_METHOD and BENCH_BODY (a form,
-- application/x-www-form-urlencoded) make it a POST of the same bytes each
-- time (POST /login). Headers such as the session cookie come from wrk -H.
--
-- The report: one line that the script parses, with exact figures instead
-- of wrk's rounded ones:
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N max_us=N
--         non2xx=N errors=N bytes=N
-- (non2xx: answers of status 400 or more, as wrk counts them; a 303 is a
-- success here.)
local method, body = os.getenv("BENCH_METHOD"), os.getenv("BENCH_BODY")
-- BENCH_CONTENT_TYPE: another body type (the REST API's application/json).
local ctype = os.getenv("BENCH_CONTENT_TYPE")
if method and method ~= "" then wrk.method = method end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = (ctype and ctype ~= "") and ctype or "application/x-www-form-urlencoded"
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d bytes=%d\n",
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
