-- wrk script: Verify API starts (as verify_start.lua, a fresh number per request) that also
-- write "REQUEST_ID NUMBER" for every started request to STARTED_FILE (with the wrk thread
-- number appended; NUMBER_PREFIX: 5 digits, then the thread (2) and a counter (5)), so that scenario 7 can check them with the codes from the SMS outbox.
-- Run it with one connection per wrk thread (-tN -cN): a response then always answers the
-- request made just before it, whose number it is written with.
local prefix = os.getenv("NUMBER_PREFIX")
local key, secret = os.getenv("API_KEY"), os.getenv("API_SECRET")
local path = os.getenv("STARTED_FILE")
local workflow = os.getenv("WORKFLOW_ID")
local extra = (workflow and workflow ~= "") and ("&workflow_id=" .. workflow) or ""
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
  out = io.open(path .. "." .. id, "w")
  last = ""
end

function request()
  n = n + 1
  local number = string.format("%s%02d%05d", prefix, id, n)
  last = number
  local body = string.format(
    "api_key=%s&api_secret=%s&number=%s&brand=bench&next_event_wait=900&pin_expiry=900%s", key, secret, number, extra)
  return wrk.format("POST", "/verify/json", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  local rid = string.match(body, '"request_id":"([0-9a-f]+)"')
  if status == 200 and rid and string.find(body, '"status":"0"', 1, true) then
    started = started + 1
    out:write(rid, " ", last, "\n")
    out:flush()
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
