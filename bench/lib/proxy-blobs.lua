-- wrk script for bench/proxy.sh: every request GETs the next of the small blobs' paths, listed one per line in the
-- file named by the environment variable PATHS_FILE (each thread starts at its own place in the list). No response()
-- callback, which would make wrk parse every answer in Lua and slow the client down for both peers alike: wrk's own
-- "Non-2xx or 3xx responses" counts failures, and bench/proxy.sh checks every path answers 200 before measuring.
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do
    if line ~= "" then paths[#paths + 1] = line end
end

local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end

local n = 0
function init(args)
    n = id * 17
end

function request()
    n = n + 1
    return wrk.format("GET", paths[(n % #paths) + 1])
end
