-- wrk script for bench/load.sh, bench/soak.sh and the load test in CI (Security/LoadTests): a mix of blob, manifest
-- (by tag and by digest), tags-list and referrers requests, GET and HEAD, from clients across clouds (X-Forwarded-For
-- as a Google load balancer writes it: "<client>, <balancer>"). Every answer must be a 307 whose Location starts
-- with one of the prefixes in the environment variable ALLOWED (comma-separated); anything else is counted.
-- done() prints one line: "mixed: responses=N unexpected_status=N bad_location=N" (and the first offender).
local clients = {
    "35.180.1.1",    -- AWS eu-west-3
    "3.80.0.1",      -- AWS us-east-1
    "35.220.26.1",   -- GCP
    "20.38.98.1",    -- Azure
    "193.0.6.139",   -- in no cloud (RIPE NCC)
    "2a05:d012::1",  -- AWS eu-west-3, IPv6
    "2001:db8::1",   -- in no cloud, IPv6
    "::ffff:35.180.1.2", -- IPv4-mapped
}
local digests = {}
for i = 1, 64 do
    digests[i] = "sha256:" .. string.rep("0", 60) .. string.format("%04x", i)
end
local paths = {}
for i, digest in ipairs(digests) do
    paths[#paths + 1] = { "GET", "/v2/pause/blobs/" .. digest }
    if i % 4 == 0 then paths[#paths + 1] = { "HEAD", "/v2/k8s/kube-apiserver/blobs/" .. digest } end
    if i % 8 == 0 then paths[#paths + 1] = { "GET", "/v2/pause/manifests/" .. digest } end
end
paths[#paths + 1] = { "GET", "/v2/pause/manifests/3.10" }
paths[#paths + 1] = { "HEAD", "/v2/pause/manifests/latest" }
paths[#paths + 1] = { "GET", "/v2/pause/tags/list" }
paths[#paths + 1] = { "GET", "/v2/pause/tags/list?n=10&last=3.9" }
paths[#paths + 1] = { "GET", "/v2/pause/referrers/" .. digests[1] }

local allowed = {}
for prefix in string.gmatch(os.getenv("ALLOWED") or "", "[^,]+") do allowed[#allowed + 1] = prefix end

local threads = {}
function setup(thread)
    thread:set("id", #threads)
    threads[#threads + 1] = thread
end

local n = 0
local responses, unexpected, bad, first = 0, 0, 0, ""
function init(args)
    n = id * 7919 -- threads start at different places in the mix
end

function request()
    n = n + 1
    local p = paths[(n % #paths) + 1]
    local client = clients[(math.floor(n / #paths) + n) % #clients + 1]
    return wrk.format(p[1], p[2], { ["X-Forwarded-For"] = client .. ", 10.0.0.1" })
end

local function ok_location(location)
    if location == nil then return false end
    for _, prefix in ipairs(allowed) do
        if string.sub(location, 1, #prefix) == prefix then return true end
    end
    return false
end

function response(status, headers, body)
    responses = responses + 1
    if status ~= 307 then
        unexpected = unexpected + 1
        if first == "" then first = "status " .. status end
    elseif not ok_location(headers["Location"] or headers["location"]) then
        bad = bad + 1
        if first == "" then first = "location " .. tostring(headers["Location"] or headers["location"]) end
    end
    wrk.thread:set("responses", responses)
    wrk.thread:set("unexpected", unexpected)
    wrk.thread:set("bad", bad)
    if first ~= "" then wrk.thread:set("first", first) end
end

function done(summary, latency, requests)
    local r, u, b, f = 0, 0, 0, ""
    for _, thread in ipairs(threads) do
        r = r + (thread:get("responses") or 0)
        u = u + (thread:get("unexpected") or 0)
        b = b + (thread:get("bad") or 0)
        if f == "" and thread:get("first") then f = thread:get("first") end
    end
    io.write(string.format("mixed: responses=%d unexpected_status=%d bad_location=%d first=%s\n", r, u, b, f))
end
