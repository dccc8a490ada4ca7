-- wrk script: rotate over the URL paths in the file named by $URLS, sending
-- the Accept header in $ACCEPT (if set). Each thread starts at its own
-- offset so the threads do not walk the list in lockstep.
local urls = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end

function init(args)
  local f = assert(io.open(os.getenv("URLS"), "r"))
  for line in f:lines() do
    local path = line:gsub("^https?://[^/]+", "")
    if #path > 0 then urls[#urls + 1] = path end
  end
  f:close()
  i = offset or 0
  local accept = os.getenv("ACCEPT")
  if accept and #accept > 0 then wrk.headers["Accept"] = accept end
end

function request()
  i = i + 1
  return wrk.format("GET", urls[(i % #urls) + 1])
end
