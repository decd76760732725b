-- wrk script for bench/memory.sh MODE=distinct: every request asks for a blob digest not asked before
-- (each thread its own prefix), so each one is a blob-cache miss, a HEAD to the mirror and a new cache entry.
local threads = 0
function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end
local counter = 0
function request()
    counter = counter + 1
    return wrk.format("GET", string.format("/v2/pause/blobs/sha256:%032x%032x", id + 1, counter))
end
