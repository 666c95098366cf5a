-- Posts the inquiry form, each request with a form of its own fetched beforehand (a CSRF cookie,
-- its token and the fill-time token: one line of the forms file each), and counts the 303 answers that
-- mean "stored". Threads take turns through the lines, so no form is sent twice.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

-- wrk ... -s intake.lua URL -- FORMS_FILE THREADS
function init(args)
  forms = {}
  local index = 0
  local total = tonumber(args[2])
  for line in io.lines(args[1]) do
    if index % total == id then table.insert(forms, line) end
    index = index + 1
  end
  next_form = 1
  accepted = 0
  refused = 0
end

function request()
  local form = forms[next_form]
  if form == nil then
    return wrk.format("GET", "/healthz")  -- out of forms: counted, never stored
  end
  next_form = next_form + 1
  local cookie, body = form:match("^(%S+) (.*)$")
  return wrk.format("POST", "/inquire/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
  }, body)
end

function response(status, headers, body)
  if status == 303 then accepted = accepted + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local accepted, refused = 0, 0
  for _, thread in ipairs(threads) do
    accepted = accepted + thread:get("accepted")
    refused = refused + thread:get("refused")
  end
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "errors": %d, "accepted": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, refused, accepted))
end
