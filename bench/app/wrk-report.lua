-- wrk script for bench/app: the identity headers on every request (a static request, so wrk builds
-- it once and Lua costs nothing per request) and one JSON line with the summary at the end.
wrk.method = "GET"
wrk.headers["Tailscale-User-Login"] = "ada@example.com"
wrk.headers["Tailscale-User-Name"] = "Ada Lovelace"
wrk.headers["Tailscale-User-Profile-Pic"] = "https://example.com/ada.png"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
