#!/usr/bin/env bash
# The load figure of README's "Load": N clients posting a 5-second MP3 prompt for 30 s, with
# wrk (Debian's `wrk`), against `promptwav serve` (release build) and against the naive service
# that runs ffmpeg per request (benches/naive_ffmpeg_server.py). Loopback only. Needs ffmpeg
# (to make the MP3 and for the anchor). Usage: benches/serve_load.sh [CLIENTS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-8}; seconds=${2:-30}
bin="${PROMPTWAV_BIN:-${CARGO_TARGET_DIR:-target}/release/promptwav}"
work=$(mktemp -d); trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null || true' EXIT
# A 5-second spoken prompt: the sample prompt looped, 44.1 kHz stereo MP3 at 128 kbps.
ffmpeg -nostdin -loglevel error -stream_loop 3 -i "fixtures/prompts/안내음성_영업시간외.mp3" \
    -t 5 -ac 2 -ar 44100 -b:a 128k "$work/p5.mp3"
cat > "$work/post.lua" <<LUA
local f = io.open("$work/p5.mp3", "rb"); local body = f:read("*all"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Content-Type"] = "audio/mpeg"; wrk.headers["X-File-Name"] = "prompt.mp3"
LUA
peak_rss() { # highest VmHWM of a process and its children, in MB
    local total=0
    for p in "$@"; do
        local kb; kb=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo $((total / 1024))
}
run() { # name url pid
    echo "== $1: $clients clients, ${seconds}s"
    wrk -t2 -c"$clients" -d"${seconds}s" --timeout 60s --latency -s "$work/post.lua" "$2" | tee "$work/$1.txt"
}
"$bin" serve --listen 127.0.0.1:4810 > "$work/serve.log" &
spid=$!; sleep 1
run promptwav "http://127.0.0.1:4810/api/convert"
echo "peak RSS promptwav serve: $(peak_rss $spid) MB"
kill -TERM $spid; wait $spid || true

python3 benches/naive_ffmpeg_server.py 4910 &
npid=$!; sleep 1
# ffmpeg children come and go: sample their summed RSS every 100 ms.
( peak=0; while kill -0 $npid 2>/dev/null; do
    rss=$(ps -o rss= --ppid $npid --pid $npid 2>/dev/null | awk '{s+=$1} END {print s+0}')
    [ "$rss" -gt "$peak" ] && peak=$rss && echo "$peak" > "$work/naive.peak"
    sleep 0.1; done ) &
run naive-ffmpeg "http://127.0.0.1:4910/api/convert"
echo "peak RSS naive service (python + ffmpeg children, sampled): $(( $(cat "$work/naive.peak" 2>/dev/null || echo 0) / 1024 )) MB"
kill $npid
