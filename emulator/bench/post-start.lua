-- wrk script: POST .../start with the demo read-write token, and a parseable summary line.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer demo-token-readwrite"
wrk.headers["Content-Length"] = "0"

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
