-- wrk script: Verify API starts (POST /verify/json), each for a number of its own so that
-- neither the per-number send throttle nor the one-live-request-per-number rule answers
-- instead of the engine. Numbers: NUMBER_PREFIX (6 digits, from the environment: unique per
-- run and server), the wrk thread (1 digit), a 5-digit counter → 12 digits (UK mobile).
-- API_KEY / API_SECRET from the environment. Counts answers with status "0" (started) apart
-- from the rest; prints one WRKSTATS line (read by wrkstats.py). WORKFLOW_ID (optional, e.g. 6 =
-- SMS only) is sent as workflow_id; unset, the request takes the API's default workflow.
-- STARTED_FILE (optional, scenario 7's pre-starts): each thread also writes "REQUEST_ID NUMBER"
-- for every started request to STARTED_FILE.<thread>, for checking with the codes from the SMS
-- outbox. Run it then with one connection per wrk thread (-tN -cN, N ≤ 10): a response then
-- always answers the request made just before it, whose number it is written with.
local workflow = os.getenv("WORKFLOW_ID")
local extra = (workflow and workflow ~= "") and ("&workflow_id=" .. workflow) or ""
local prefix = os.getenv("NUMBER_PREFIX")
local key, secret = os.getenv("API_KEY"), os.getenv("API_SECRET")
local started_path = os.getenv("STARTED_FILE")
local threads, next_id = {}, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  started = 0
  other = 0
  out = started_path and io.open(started_path .. "." .. id, "w")
  last = ""
end

function request()
  n = n + 1
  last = string.format("%s%d%05d", prefix, id, n)
  local body = string.format(
    "api_key=%s&api_secret=%s&number=%s&brand=bench&next_event_wait=900&pin_expiry=900%s",
    key, secret, last, extra)
  return wrk.format("POST", "/verify/json", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"status":"0"', 1, true) then
    started = started + 1
    if out then
      out:write(string.match(body, '"request_id":"([0-9a-f]+)"'), " ", last, "\n")
      out:flush()
    end
  else other = other + 1 end
end

done = function(summary, latency, requests)
  local s, o = 0, 0
  for _, t in ipairs(threads) do s = s + t:get("started"); o = o + t:get("other") end
  local e = summary.errors
  io.write(string.format(
    "WRKSTATS requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f connect=%d read=%d write=%d status=%d timeout=%d checked=%d other=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, s, o))
end
