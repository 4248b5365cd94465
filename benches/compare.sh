#!/usr/bin/env bash
# Compares promptwav with ffmpeg and SoX on the same files, interleaved, several rounds.
#
#   benches/compare.sh [ROUNDS]        (default 5; needs ffmpeg, sox, python3; GNU time)
#   CASES="music.mp3 prompts200" benches/compare.sh 9     (only these cases)
#
# Makes its corpus deterministically in target/compare/ (a 3-minute music-like signal in MP3,
# AAC/M4A, FLAC, WAV, Vorbis, Opus; 8 kHz and 22.05 kHz voice prompts; 200 five-second MP3
# prompts), then for each case runs promptwav, ffmpeg (-ac 1 -ar 48000 -c:a pcm_s16le) and
# SoX (rate -v, 16-bit) in turn, ROUNDS times, and prints median wall and CPU (user+sys)
# seconds, the ratio promptwav/peer, and peak RSS. A peer that is not installed, or cannot
# read a format, is skipped and the table says so. Also times the decoder alone
# (examples/decode_only): no conversion can be faster than that, so `decode-only / ffmpeg`
# is the best ratio reachable without decoding one file on several cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
WORK=target/compare
mkdir -p "$WORK"

have() { command -v "$1" >/dev/null 2>&1; }
for tool in python3; do have "$tool" || { echo "needs $tool" >&2; exit 2; }; done
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
HAVE_FFMPEG=0; have ffmpeg && HAVE_FFMPEG=1
HAVE_SOX=0; have sox && HAVE_SOX=1
[ $HAVE_FFMPEG = 1 ] || echo "ffmpeg not installed: its column is skipped, and the corpus cannot be made" >&2
[ $HAVE_FFMPEG = 1 ] || exit 2
[ $HAVE_SOX = 1 ] || echo "sox not installed: its column is skipped" >&2

echo "building promptwav (release)..." >&2
cargo build --release --quiet --bin promptwav --example decode_only
PW=target/release/promptwav
DECODE=target/release/examples/decode_only

# --- corpus ---------------------------------------------------------------------------------
C=$WORK/corpus
if [ ! -f "$C/.done" ]; then
    rm -rf "$C"; mkdir -p "$C/prompts"
    ff() { ffmpeg -nostdin -v error -y "$@"; }
    # Music-like: plucked chords, a melody and a little noise, stereo 44.1 kHz, 3 minutes.
    ff -f lavfi -i "aevalsrc=0.2*sin(2*PI*(220+20*sin(0.5*t))*t)*(0.6+0.4*sin(3*t))|0.2*sin(2*PI*330*t+sin(7*t))*(0.6+0.4*cos(2*t)):s=44100:d=180" \
       -f lavfi -i "anoisesrc=c=pink:a=0.03:s=44100:d=180:seed=7" \
       -filter_complex "[0][1]amix=inputs=2:normalize=0" -ac 2 -c:a pcm_s16le "$C/music.wav"
    ff -i "$C/music.wav" -c:a libmp3lame -b:a 192k "$C/music.mp3"
    ff -i "$C/music.wav" -c:a aac -b:a 160k "$C/music.m4a"
    ff -i "$C/music.wav" -c:a flac "$C/music.flac"
    ff -i "$C/music.wav" -c:a libvorbis -q:a 5 "$C/music.ogg"
    ff -i "$C/music.wav" -c:a libopus -b:a 128k "$C/music.opus"
    # Voice-like prompts: a formant-ish buzz, 20 s, at telephone and half-CD rates.
    voice="aevalsrc=0.3*sin(2*PI*(120+30*sin(1.3*t))*t)*sin(2*PI*3*t)^2+0.05*sin(2*PI*900*t)*sin(2*PI*5*t)^2"
    ff -f lavfi -i "$voice:s=8000:d=20" -c:a pcm_s16le "$C/voice_8k.wav"
    ff -f lavfi -i "$voice:s=22050:d=20" -c:a pcm_s16le "$C/voice_22k.wav"
    # 200 five-second MP3 prompts.
    ff -f lavfi -i "$voice:s=44100:d=5" -ac 2 -c:a libmp3lame -b:a 128k "$C/prompt.mp3"
    for i in $(seq -w 1 200); do cp "$C/prompt.mp3" "$C/prompts/p$i.mp3"; done
    rm "$C/prompt.mp3"
    touch "$C/.done"
fi

# --- runner ---------------------------------------------------------------------------------
OUT=$WORK/out
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# run CASE TOOL CMD...: one timed run, appended as CASE TOOL wall cpu rss_kb
run() {
    local case=$1 tool=$2; shift 2
    rm -rf "$OUT"; mkdir -p "$OUT"
    if /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err"; then
        read -r wall user sys rss < "$WORK/time"
        echo -e "$case\t$tool\t$wall\t$(python3 -c "print($user+$sys)")\t$rss" >> "$RESULTS"
    else
        echo -e "$case\t$tool\tFAIL\tFAIL\tFAIL" >> "$RESULTS"
    fi
}

sox_reads() { sox --info "$1" >/dev/null 2>&1; }

single() {
    local case=$1 f=$2
    for _ in $(seq "$ROUNDS"); do
        run "$case" promptwav "$PW" convert "$f" -o "$OUT" --force
        [ $HAVE_FFMPEG = 1 ] && run "$case" ffmpeg ffmpeg -nostdin -v error -y -i "$f" -ac 1 -ar 48000 -c:a pcm_s16le "$OUT/o.wav"
        if [ $HAVE_SOX = 1 ] && sox_reads "$f"; then
            run "$case" sox sox "$f" -b 16 -c 1 "$OUT/o.wav" rate -v 48000
        fi
        case "$case" in music.*) run "$case" decode-only "$DECODE" "$f" ;; esac
    done
    return 0
}

CASES=${CASES:-music.mp3 music.m4a music.flac music.wav music.ogg music.opus voice_8k.wav voice_22k.wav prompts200}
wanted() { [[ " $CASES " == *" $1 "* ]]; }

for f in music.mp3 music.m4a music.flac music.wav music.ogg music.opus voice_8k.wav voice_22k.wav; do
    wanted "$f" || continue
    echo "timing $f..." >&2
    single "$f" "$C/$f"
done

wanted prompts200 && echo "timing 200 prompts..." >&2
wanted prompts200 && for _ in $(seq "$ROUNDS"); do
    run prompts200 promptwav "$PW" convert "$C/prompts" -o "$OUT" --jobs 2
    [ $HAVE_FFMPEG = 1 ] && run prompts200 ffmpeg sh -c "ls '$C/prompts' | xargs -P2 -I{} ffmpeg -nostdin -v error -y -i '$C/prompts/{}' -ac 1 -ar 48000 -c:a pcm_s16le '$OUT/{}.wav'"
    [ $HAVE_SOX = 1 ] && sox_reads "$C/prompts/p001.mp3" && run prompts200 sox sh -c "ls '$C/prompts' | xargs -P2 -I{} sox '$C/prompts/{}' -b 16 -c 1 '$OUT/{}.wav' rate -v 48000"
done

# --- table ----------------------------------------------------------------------------------
python3 - "$RESULTS" "$ROUNDS" <<'EOF'
import sys, statistics, collections, platform, datetime, os
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    case, tool, wall, cpu, rss = line.rstrip("\n").split("\t")
    rows[(case, tool)].append((wall, cpu, rss))
cases = list(dict.fromkeys(c for c, _ in rows))
def med(case, tool, i):
    v = [float(r[i]) for r in rows.get((case, tool), []) if r[i] != "FAIL"]
    return statistics.median(v) if v else None
cpu = "unknown"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
print(f"# {datetime.date.today()} on {os.cpu_count()} cores, {cpu}; median of {sys.argv[2]} rounds")
print("| case | promptwav wall s | CPU s | RSS MB | ffmpeg wall s | ratio | sox wall s | ratio | decode-only s | decode-only / ffmpeg |")
print("|---|---|---|---|---|---|---|---|---|---|")
fmt = lambda v, p=3: "-" if v is None else f"{v:.{p}f}"
for case in cases:
    pw, pwc, pwr = (med(case, "promptwav", i) for i in (0, 1, 2))
    ffw, sxw, dec = med(case, "ffmpeg", 0), med(case, "sox", 0), med(case, "decode-only", 0)
    ratio = lambda peer: "-" if (peer is None or pw is None) else f"{pw / peer:.2f}x"
    print(f"| {case} | {fmt(pw)} | {fmt(pwc)} | {fmt(pwr / 1024 if pwr else None, 1)} | {fmt(ffw)} | {ratio(ffw)} | "
          f"{fmt(sxw) if sxw is not None else 'n/a'} | {ratio(sxw)} | {fmt(dec)} | "
          f"{'-' if dec is None or ffw is None else f'{dec / ffw:.2f}x'} |")
EOF
