-- wrk script for the login storm: every request POSTs a wrong password.
-- One CSRF token and its anonymous cookie (twofa_csrf) are fetched beforehand with curl
-- and reused: the token is a masked form of the secret in the cookie, so it validates
-- every time. The body and cookie come from the environment (LOGIN_BODY, LOGIN_COOKIE).
wrk.method = "POST"
wrk.body = os.getenv("LOGIN_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("LOGIN_COOKIE")

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  rejected = 0   -- 422: the password was checked (one bcrypt) and refused
  busy = 0       -- 503: the bcrypt pool was full, answered at once
  other = 0      -- anything else (403 = CSRF failed, 429 = throttled, ...)
  other_status = 0
end

function response(status, headers, body)
  if status == 422 then rejected = rejected + 1
  elseif status == 503 then busy = busy + 1
  else other = other + 1; other_status = status end
end

done = function(summary, latency, requests)
  local r, b, o, os_ = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("rejected"); b = b + t:get("busy"); o = o + t:get("other")
    if t:get("other_status") ~= 0 then os_ = t:get("other_status") end
  end
  local e = summary.errors
  io.write(string.format(
    "WRKSTATS requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f connect=%d read=%d write=%d status=%d timeout=%d checked=%d busy=%d other=%d other_status=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, r, b, o, os_))
end
