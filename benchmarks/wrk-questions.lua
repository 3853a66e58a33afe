-- wrk script shared by scripts/bench-load.sh and scripts/bench-front-door.sh: POSTs a distinct question per
-- request to WRK_PATH (default /v1/chat), so that no cache answers it. A question is one of WRK_SEEDS (one
-- per line: the short FAQ questions of benchmarks/embed-texts.json) followed by a number made of WRK_RUN
-- (3 digits), the thread number (1 digit: at most 9 threads) and a counter, so that no two requests of a run,
-- nor of two runs with different WRK_RUN, ask the same; a few word pieces, so the question stays as short as
-- its seed.
--
-- With WRK_QUESTIONS_FILE (one question per line, e.g. real customer questions) each request posts the next
-- line as it is instead, starting at line WRK_OFFSET (default 0), the WRK_THREADS threads (wrk's -t) taking
-- turns, so that no two requests of a run ask the same while the file lasts.
local questions = nil
if os.getenv("WRK_QUESTIONS_FILE") then
    questions = {}
    for line in io.lines(os.getenv("WRK_QUESTIONS_FILE")) do table.insert(questions, line) end
end
local offset = tonumber(os.getenv("WRK_OFFSET") or "0")
local stride = tonumber(os.getenv("WRK_THREADS") or "1")
local seeds = {}
for line in string.gmatch(os.getenv("WRK_SEEDS") or "How can I buy a train ticket?", "[^\n]+") do
    table.insert(seeds, line)
end
local path = os.getenv("WRK_PATH") or "/v1/chat"
local run = os.getenv("WRK_RUN") or "0"

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end

local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
    counter = counter + 1
    local question
    if questions then
        -- Thread t of n takes lines t, t + n, t + 2n, ...
        question = questions[(offset + (counter - 1) * stride + thread_number - 1) % #questions + 1]
    else
        question = seeds[counter % #seeds + 1] .. " " .. run .. tostring(thread_number) .. counter
    end
    return wrk.format(nil, path, nil, '{"question": "' .. question .. '"}')
end

-- One machine-readable line after wrk's own report: requests/s, p50 and p99 in ms, and failed requests.
function done(summary, latency, requests)
    local failed = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT %.1f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end
