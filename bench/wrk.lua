-- Rotates through prepared requests (one per line of BENCH_REQUESTS: method \t path \t token \t body),
-- each wrk thread taking its own slice, and prints the latency percentiles as JSON at the end.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local lines = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do table.insert(lines, line) end
  local n, k = #lines, tonumber(os.getenv("BENCH_THREADS") or "1")
  if n < k then k = 1; id = 0 end  -- too few lines to share: every thread takes them all
  reqs, pos = {}, 0
  for i = 1, n do
    if (i - 1) % k == id then
      local method, path, token, body = line_split(lines[i])
      local headers = { ["Authorization"] = token ~= "" and ("Bearer " .. token) or nil,
                        ["Content-Type"] = "application/json" }
      table.insert(reqs, wrk.format(method, path, headers, body ~= "" and body or nil))
    end
  end
end

function line_split(s)
  local out = {}
  for field in (s .. "\t"):gmatch("([^\t]*)\t") do table.insert(out, field) end
  return out[1], out[2], out[3] or "", out[4] or ""
end

function request()
  pos = pos % #reqs + 1
  return reqs[pos]
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "mean": %f, ' ..
    '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
