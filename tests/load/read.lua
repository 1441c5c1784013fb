-- wrk script: reads as a dispatcher would: GET /api/v1/cases/{id} for ids from IDS (one per
-- line) and, every fourth request, a filtered list page. Prints one JSON line like intake.lua.
local ids = {}
local counter = 0

function setup(thread)
  setup_threads = setup_threads or {}
  table.insert(setup_threads, thread)
  thread:set("tid", #setup_threads)
end

function init(args)
  for line in io.lines(os.getenv("IDS")) do table.insert(ids, line) end
  bad = 0
end

function request()
  counter = counter + 1
  local headers = { ["X-Api-Key"] = os.getenv("API_KEY") }
  if counter % 4 == 0 then
    local districts = { "%E9%BC%93%E6%A5%BC%E5%8C%BA", "%E5%8F%B0%E6%B1%9F%E5%8C%BA", "%E4%BB%93%E5%B1%B1%E5%8C%BA" }
    return wrk.format("GET", "/api/v1/cases?status=received&district=" .. districts[(counter % 3) + 1] .. "&limit=20", headers)
  end
  return wrk.format("GET", "/api/v1/cases/" .. ids[((counter * 31 + tid) % #ids) + 1], headers)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if bad <= 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(setup_threads) do non200 = non200 + (t:get("bad") or 0) end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rate": %.1f, "non_200": %d, "socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), non200,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
