-- wrk script: POST /api/v1/cases with an integrator key, a real citizen message per request
-- (bodies.py), a fresh caller phone and a unique Idempotency-Key. Prints one JSON line with
-- the counts and latency percentiles (microseconds) at the end.
-- Environment: API_KEY, BODIES (file), RUN (a prefix that makes keys unique across runs).
local bodies = {}
local counter = 0
local prefix = ""

function setup(thread)
  setup_threads = setup_threads or {}
  table.insert(setup_threads, thread)
  thread:set("tid", tostring(#setup_threads))
end

function init(args)
  for line in io.lines(os.getenv("BODIES")) do table.insert(bodies, line) end
  prefix = (os.getenv("RUN") or "run") .. "-" .. tid .. "-"
  non_created = 0
end

function request()
  counter = counter + 1
  local body = "{" .. bodies[(counter % #bodies) + 1] ..
    string.format(', "caller_phone": "139%08d"}', (counter * 7919 + tonumber(tid) * 104729) % 100000000)
  return wrk.format("POST", "/api/v1/cases", {
    ["Content-Type"] = "application/json",
    ["X-Api-Key"] = os.getenv("API_KEY"),
    ["Idempotency-Key"] = prefix .. counter,
  }, body)
end

function response(status, headers, body)
  if status ~= 201 then
    non_created = non_created + 1
    if non_created <= 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local non201 = 0
  for _, t in ipairs(setup_threads) do non201 = non201 + (t:get("non_created") or 0) end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rate": %.1f, "non_201": %d, "socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), non201,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
