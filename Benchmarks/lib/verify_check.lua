-- wrk script: Verify API checks (POST /verify/check/json) on requests started beforehand
-- (scenario 7). CHECKS_FILE holds one "REQUEST_ID CODE" line per started request (its code
-- read from the SMS outbox). Thread i of N (WRK_THREADS) takes lines i, i+N, …; each request
-- gets a wrong code (answer status 16), then the right one (status 0): two checks per request.
-- The right code goes only once the wrong one's answer is back (the answer names its request),
-- so any number of connections may share a thread: a thread sends the right codes it may send
-- first, else the wrong code of its next request. A thread that runs out of requests starts over
-- on finished ones, which answer 6 (counted as "other": the scenario's caller then knows it
-- needs more pre-started requests).
local key, secret = os.getenv("API_KEY"), os.getenv("API_SECRET")
local path = os.getenv("CHECKS_FILE")
local threads, next_id, nthreads = {}, 0, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  items = {}
  codes = {}
  local i = 0
  local total = tonumber(os.getenv("WRK_THREADS") or "1")
  for line in io.lines(path) do
    if i % total == id then
      local rid, code = string.match(line, "^(%S+) (%S+)$")
      table.insert(items, rid)
      codes[rid] = code
    end
    i = i + 1
  end
  k = 0
  -- request ids whose wrong code has been answered: their right code may go (a FIFO)
  ready, ready_first, ready_last = {}, 1, 0
  wrongs = 0
  rights = 0
  other = 0
end

local function check(rid, code)
  local body = string.format("api_key=%s&api_secret=%s&request_id=%s&code=%s", key, secret, rid, code)
  return wrk.format("POST", "/verify/check/json", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function request()
  if ready_first <= ready_last then
    local rid = ready[ready_first]
    ready[ready_first] = nil
    ready_first = ready_first + 1
    return check(rid, codes[rid])
  end
  k = k + 1
  local rid = items[((k - 1) % #items) + 1]
  -- a wrong code: the right one with its last digit moved on by one
  local code = codes[rid]
  local last = tonumber(string.sub(code, -1))
  return check(rid, string.sub(code, 1, -2) .. tostring((last + 1) % 10))
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"status":"16"', 1, true) then
    wrongs = wrongs + 1
    local rid = string.match(body, '"request_id":"([0-9a-f]+)"')
    if rid and codes[rid] then
      ready_last = ready_last + 1
      ready[ready_last] = rid
    end
  elseif status == 200 and string.find(body, '"status":"0"', 1, true) then rights = rights + 1
  else other = other + 1 end
end

done = function(summary, latency, requests)
  local w, r, o = 0, 0, 0
  for _, t in ipairs(threads) do w = w + t:get("wrongs"); r = r + t:get("rights"); o = o + t:get("other") end
  local e = summary.errors
  io.write(string.format(
    "WRKSTATS requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f connect=%d read=%d write=%d status=%d timeout=%d checked=%d busy=%d other=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, r, w, o))
end
