-- One wrk script for every FitKart operation in the load harness (bench/load/harness.py).
-- wrk ... -s wrk.lua URL -- <operation> <inputs folder>
-- Inputs are plain files the harness writes: tokens.txt, cookies.txt, emails.txt,
-- days.txt (the seven dates to sync), product.txt. The summary is one JSON line.
-- The harness runs one connection per wrk thread (-t N -c N), so a thread's state is one
-- client's: the order it just placed is the one it cancels next, with the same member.

local operation, folder
local tokens, cookies, emails, days, product = {}, {}, {}, {}, "1"
local counter = 0
local pending_cancel = nil  -- the order this client placed and cancels next
-- The server-rendered pages the harness times, by operation.
local PAGES = { dashboard = "/dashboard", wallet_page = "/wallet", admin_fraud = "/admin/fraud",
                admin_overview = "/admin" }

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("client", #threads)
end

-- Answers other than 2xx count as errors (wrk itself counts only >= 400): a redirect to
-- the sign-in page must never pass for a fast page.
unexpected = 0

local function lines(name)
  local found = {}
  local file = io.open(folder .. "/" .. name, "r")
  if file == nil then return found end
  for line in file:lines() do
    if line ~= "" then found[#found + 1] = line end
  end
  file:close()
  return found
end

function init(args)
  operation, folder = args[1], args[2]
  tokens, cookies, emails, days = lines("tokens.txt"), lines("cookies.txt"),
      lines("emails.txt"), lines("days.txt")
  product = (lines("product.txt")[1]) or "1"
  counter = (client or 1) * 7919  -- clients start at different members
end

local function pick(list)
  counter = counter + 1
  return list[(counter % #list) + 1]
end

local function own_token()
  return tokens[((client or 1) - 1) % #tokens + 1]
end

local function bearer(token)
  return { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

local function sync_body()
  -- Steps change on every request, so the server does real work (not "unchanged").
  local records = {}
  for i, day in ipairs(days) do
    local steps = 4000 + ((counter * 37 + i * 11) % 9000)
    records[#records + 1] = string.format(
      '{"date":"%s","steps":%d,"source":"google_fit","distance_m":%d,"active_minutes":%d}',
      day, steps, math.floor(steps * 0.75), math.floor(steps / 100))
  end
  return '{"device_id":"bench-phone","records":[' .. table.concat(records, ",") .. ']}'
end

function request()
  if operation == "healthz" then
    return wrk.format("GET", "/healthz")
  elseif operation == "balance" then
    return wrk.format("GET", "/api/v1/wallet", bearer(pick(tokens)))
  elseif operation == "transactions" then
    return wrk.format("GET", "/api/v1/wallet/transactions?limit=20", bearer(pick(tokens)))
  elseif operation == "leaderboard" then
    return wrk.format("GET", "/api/v1/leaderboard?period=weekly&limit=100", bearer(pick(tokens)))
  elseif operation == "sync" then
    return wrk.format("POST", "/api/v1/steps/sync", bearer(pick(tokens)), sync_body())
  elseif operation == "login" then
    local body = string.format('{"email":"%s","password":"fitkart-demo"}', pick(emails))
    return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
  elseif operation == "order" then
    if pending_cancel ~= nil then
      local code = pending_cancel
      pending_cancel = nil
      return wrk.format("POST", "/api/v1/orders/" .. code .. "/cancel", bearer(own_token()))
    end
    local body = '{"items":[{"product_id":' .. product .. ',"quantity":1}],' ..
        '"shipping_address":{"recipient_name":"Bench","line1":"Main St 1",' ..
        '"city":"Berlin","country":"DE"}}'
    return wrk.format("POST", "/api/v1/orders", bearer(own_token()), body)
  elseif PAGES[operation] ~= nil then
    local path = PAGES[operation]
    return wrk.format("GET", path, { ["Cookie"] = pick(cookies) })
  end
  error("unknown operation " .. tostring(operation))
end

function response(status, headers, body)
  if status < 200 or status > 299 then unexpected = unexpected + 1 end
  if operation == "order" and status == 201 then
    pending_cancel = body:match('"order_code"%s*:%s*"([^"]+)"')
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local not_2xx = 0
  for _, thread in ipairs(threads) do not_2xx = not_2xx + (thread:get("unexpected") or 0) end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"socket_errors":%d,"non_2xx":%d,"timeouts":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors.connect + errors.read + errors.write, not_2xx, errors.timeout))
end
