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
# seconds, the ratio promptwav/peer, and peak RSS. Each run is timed by a small Python runner
# (a monotonic clock and the child's rusage, to the microsecond), where GNU time's 10 ms steps
# were a tenth of a 0.1 s conversion; GNU time still gives the peak RSS. A peer that is not
# installed, or cannot read a format, is skipped and the table says so. Also times the decoder
# alone (examples/decode_only): no conversion can be faster than that, so `decode-only /
# ffmpeg` is the best ratio reachable without decoding one file on several cores.
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
TD=${CARGO_TARGET_DIR:-target}
PW=$TD/release/promptwav
DECODE=$TD/release/examples/decode_only

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

# 5,000 half-second WAV prompts and a 1-hour MP3, made when their cases are asked for.
wanted_any() { for c in "$@"; do [[ " ${CASES:-tiny5000 hour.mp3} " == *" $c "* ]] && return 0; done; return 1; }
if wanted_any tiny5000 && [ ! -f "$C/tiny/.done" ]; then
    rm -rf "$C/tiny"; mkdir -p "$C/tiny"
    ffmpeg -nostdin -v error -y -f lavfi -i "aevalsrc=0.3*sin(2*PI*(120+30*sin(1.3*t))*t)*sin(2*PI*3*t)^2:s=22050:d=0.5" -c:a pcm_s16le "$C/tiny.wav"
    for i in $(seq -w 1 5000); do cp "$C/tiny.wav" "$C/tiny/t$i.wav"; done
    touch "$C/tiny/.done"
fi
if wanted_any hour.mp3 && [ ! -f "$C/hour.mp3" ]; then
    ffmpeg -nostdin -v error -y -stream_loop 19 -i "$C/music.wav" -c:a libmp3lame -b:a 192k "$C/hour.tmp.mp3"
    mv "$C/hour.tmp.mp3" "$C/hour.mp3"
fi
HAVE_EATMYDATA=0; have eatmydata && HAVE_EATMYDATA=1

# --- runner ---------------------------------------------------------------------------------
OUT=$WORK/out
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# The runner: runs a command (stdout to /dev/null, stderr to a file) and prints its wall time,
# its CPU time (user + system, itself and every descendant it waited for, from wait4) in
# seconds, and its peak RSS in KB (from GNU time); exits with the command's status. Python
# starts before the clock does.
cat > "$WORK/timed.py" <<'PY'
import os, subprocess, sys, time
err_path, rss_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(err_path, "wb") as err:
    start = time.perf_counter()
    # Through GNU time for the peak RSS alone: a child forked from Python would count Python's
    # own pages until its exec.
    child = subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", "-o", rss_path, *cmd], stdout=subprocess.DEVNULL, stderr=err
    )
    # wait4: this child's own usage (with what it waited for), not what this process inherited.
    _, status, r = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
rss = open(rss_path).read().split()[-1]
print(f"{wall:.6f} {r.ru_utime + r.ru_stime:.6f} {rss}")
sys.exit(os.waitstatus_to_exitcode(status))
PY

# run CASE TOOL CMD...: one timed run, appended as CASE TOOL wall cpu rss_kb
run() {
    local case=$1 tool=$2; shift 2
    rm -rf "$OUT"; mkdir -p "$OUT"
    if python3 "$WORK/timed.py" "$WORK/err" "$WORK/rss" "$@" > "$WORK/time"; then
        read -r wall cpu rss < "$WORK/time"
        echo -e "$case\t$tool\t$wall\t$cpu\t$rss" >> "$RESULTS"
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

CASES=${CASES:-music.mp3 music.m4a music.flac music.wav music.ogg music.opus voice_8k.wav voice_22k.wav prompts200 tiny5000 hour.mp3 quality}
wanted() { [[ " $CASES " == *" $1 "* ]]; }

for f in music.mp3 music.m4a music.flac music.wav music.ogg music.opus voice_8k.wav voice_22k.wav; do
    wanted "$f" || continue
    echo "timing $f..." >&2
    single "$f" "$C/$f"
done

wanted prompts200 && echo "timing 200 prompts..." >&2
wanted prompts200 && for _ in $(seq "$ROUNDS"); do
    run prompts200 promptwav "$PW" convert "$C/prompts" -o "$OUT" --jobs 2
    # The same run with fsync made a no-op: what waiting for the disk costs.
    [ $HAVE_EATMYDATA = 1 ] && run prompts200 eatmydata eatmydata "$PW" convert "$C/prompts" -o "$OUT" --jobs 2
    [ $HAVE_FFMPEG = 1 ] && run prompts200 ffmpeg sh -c "ls '$C/prompts' | xargs -P2 -I{} ffmpeg -nostdin -v error -y -i '$C/prompts/{}' -ac 1 -ar 48000 -c:a pcm_s16le '$OUT/{}.wav'"
    [ $HAVE_SOX = 1 ] && sox_reads "$C/prompts/p001.mp3" && run prompts200 sox sh -c "ls '$C/prompts' | xargs -P2 -I{} sox '$C/prompts/{}' -b 16 -c 1 '$OUT/{}.wav' rate -v 48000"
done

wanted tiny5000 && echo "timing 5,000 half-second prompts..." >&2
wanted tiny5000 && for _ in $(seq "$ROUNDS"); do
    run tiny5000 promptwav "$PW" convert "$C/tiny" -o "$OUT"
    [ $HAVE_EATMYDATA = 1 ] && run tiny5000 eatmydata eatmydata "$PW" convert "$C/tiny" -o "$OUT"
done
wanted hour.mp3 && echo "timing the 1-hour MP3..." >&2
wanted hour.mp3 && for _ in $(seq "$ROUNDS"); do
    run hour.mp3 promptwav "$PW" convert "$C/hour.mp3" -o "$OUT" --force
    run hour.mp3 ffmpeg ffmpeg -nostdin -v error -y -i "$C/hour.mp3" -ac 1 -ar 48000 -c:a pcm_s16le "$OUT/o.wav"
done

# --- quality --------------------------------------------------------------------------------
# Test tones (32-bit float WAV) through each converter to 48 kHz 16-bit mono, measured with the
# Python below: THD+N of a 1 kHz tone (least-squares fit of the tone, the rest is distortion
# and noise), the level kept of a 21 kHz tone at 44.1 kHz and its image at 23.1 kHz, and what
# is left of a 30 kHz tone at 96 kHz (it must go: its alias would land at 18 kHz).
Q=$WORK/quality
QUALITY=$WORK/quality.tsv
: > "$QUALITY"
if wanted quality; then
    echo "measuring quality..." >&2
    mkdir -p "$Q"
    tone() { ffmpeg -nostdin -v error -y -f lavfi -i "aevalsrc=0.891*sin(2*PI*$1*t):s=$2:d=3" -c:a pcm_f32le "$Q/$3"; }
    tone 1000 44100 t1k_44k.wav
    tone 21000 44100 t21k_44k.wav
    tone 30000 96000 t30k_96k.wav
    for t in t1k_44k t21k_44k t30k_96k; do
        rm -rf "$Q/pw"; "$PW" convert "$Q/$t.wav" -o "$Q/pw" >/dev/null 2>&1 && cp "$Q/pw/$t.wav" "$Q/$t.promptwav.wav"
        ffmpeg -nostdin -v error -y -i "$Q/$t.wav" -ac 1 -ar 48000 -c:a pcm_s16le "$Q/$t.ffmpeg.wav"
        [ $HAVE_SOX = 1 ] && sox "$Q/$t.wav" -b 16 -c 1 "$Q/$t.sox.wav" rate -v 48000
        # SoX in float too, to compare with promptwav's resampler before quantizing (its unit
        # test quality_in_float_before_any_quantizing prints the same figures).
        [ $HAVE_SOX = 1 ] && sox "$Q/$t.wav" -e floating-point -b 32 -c 1 "$Q/$t.soxfloat.wav" rate -v 48000
    done
    python3 - "$Q" > "$QUALITY" <<'PY'
import math, os, struct, sys
q = sys.argv[1]
def read(path):
    data = open(path, "rb").read()
    pos, fmt = 12, 1
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<H", body[:2])[0]
            if fmt == 0xFFFE:
                fmt = struct.unpack("<H", body[24:26])[0]
        if cid == b"data":
            if fmt == 3:
                return list(struct.unpack("<%df" % (len(body) // 4), body[:len(body) // 4 * 4]))
            return [v / 32768.0 for v in struct.unpack("<%dh" % (len(body) // 2), body[:len(body) // 2 * 2])]
        pos += 8 + size + (size & 1)
    return []
def middle(x):  # one second from the middle, away from the edges
    mid = len(x) // 2
    return x[mid - 24000: mid + 24000]
def thdn(x, f, rate=48000):
    x = middle(x)
    s = [math.sin(2 * math.pi * f * i / rate) for i in range(len(x))]
    c = [math.cos(2 * math.pi * f * i / rate) for i in range(len(x))]
    # least squares for a*s + b*c + d (s, c, 1 are nearly orthogonal over whole periods)
    n = len(x)
    a = 2 * sum(v * w for v, w in zip(x, s)) / n
    b = 2 * sum(v * w for v, w in zip(x, c)) / n
    d = sum(x) / n
    res = sum((v - a * si - b * ci - d) ** 2 for v, si, ci in zip(x, s, c)) / n
    return 10 * math.log10(res / ((a * a + b * b) / 2))
def window(n):  # Blackman-Harris, 4 terms (sidelobes -92 dB)
    return [0.35875 - 0.48829 * math.cos(2 * math.pi * i / (n - 1)) + 0.14128 * math.cos(4 * math.pi * i / (n - 1))
            - 0.01168 * math.cos(6 * math.pi * i / (n - 1)) for i in range(n)]
def level(x, f, rate=48000):  # dBFS of a tone at f (Goertzel on one windowed second)
    x = middle(x)
    w = window(len(x))
    k = 2 * math.cos(2 * math.pi * f / rate)
    s1 = s2 = 0.0
    for v, wi in zip(x, w):
        s1, s2 = v * wi + k * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    return 10 * math.log10(max(power, 1e-30) / (sum(w) / 2) ** 2)
def spur(x, f):
    """A tone that should not be there: its level, or the noise floor it is hidden in (the mean
    power of 24 bins 150-900 Hz around it) when it does not stand 6 dB above that floor."""
    tone = level(x, f)
    near = [level(x, f + d) for d in range(-900, 901, 75) if abs(d) >= 150]
    floor = 10 * math.log10(sum(10 ** (v / 10) for v in near) / len(near))
    return "%.1f" % tone if tone > floor + 6 else "< noise floor (%.0f)" % floor
for tool in ("promptwav", "sox", "ffmpeg", "soxfloat"):
    def f(t):
        p = os.path.join(q, "%s.%s.wav" % (t, tool))
        return read(p) if os.path.exists(p) else None
    x = f("t1k_44k"); print("1 kHz THD+N dB\t%s\t%s" % (tool, "-" if x is None else "%.1f" % thdn(x, 1000)))
    x = f("t21k_44k"); print("21 kHz level dBFS (input -1.0)\t%s\t%s" % (tool, "-" if x is None else "%.2f" % level(x, 21000)))
    print("23.1 kHz image of it, dBFS\t%s\t%s" % (tool, "-" if x is None else spur(x, 23100)))
    x = f("t30k_96k"); print("30 kHz at 96 kHz: 18 kHz alias, dBFS\t%s\t%s" % (tool, "-" if x is None else spur(x, 18000)))
PY
fi

# --- table ----------------------------------------------------------------------------------
python3 - "$RESULTS" "$ROUNDS" "$QUALITY" <<'EOF'
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
times = lambda a, b: f"{a / b:.3f}x"  # every ratio, to the same three decimals
for case in cases:
    pw, pwc, pwr = (med(case, "promptwav", i) for i in (0, 1, 2))
    ffw, sxw, dec = med(case, "ffmpeg", 0), med(case, "sox", 0), med(case, "decode-only", 0)
    ratio = lambda peer: "-" if (peer is None or pw is None) else times(pw, peer)
    print(f"| {case} | {fmt(pw)} | {fmt(pwc)} | {fmt(pwr / 1024 if pwr else None, 1)} | {fmt(ffw)} | {ratio(ffw)} | "
          f"{fmt(sxw) if sxw is not None else 'n/a'} | {ratio(sxw)} | {fmt(dec)} | "
          f"{'-' if dec is None or ffw is None else times(dec, ffw)} |")
eat = [c for c in cases if med(c, "eatmydata", 0) is not None]
if eat:
    print()
    print("| case | promptwav wall s | under eatmydata (no fsync) wall s | ratio | CPU s | eatmydata CPU s | files/s |")
    print("|---|---|---|---|---|---|---|")
    files = {"prompts200": 200, "tiny5000": 5000}
    for c in eat:
        pw, ew = med(c, "promptwav", 0), med(c, "eatmydata", 0)
        rate = f"{files[c] / pw:.0f}" if c in files and pw else "-"
        print(f"| {c} | {fmt(pw)} | {fmt(ew)} | {times(pw, ew)} | {fmt(med(c, 'promptwav', 1))} | {fmt(med(c, 'eatmydata', 1))} | {rate} |")
quality = collections.defaultdict(dict)
for line in open(sys.argv[3]):
    metric, tool, value = line.rstrip("\n").split("\t")
    quality[metric][tool] = value
if quality:
    print()
    print("| quality (48 kHz 16-bit output) | promptwav | sox rate -v | ffmpeg | sox rate -v, float output |")
    print("|---|---|---|---|---|")
    for metric, by in quality.items():
        print(f"| {metric} | {by.get('promptwav', '-')} | {by.get('sox', '-')} | {by.get('ffmpeg', '-')} | {by.get('soxfloat', '-')} |")
EOF
