//! Small helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The output folder's record of what each output was made from (not an output itself).
pub const MANIFEST: &str = ".promptwav-manifest.jsonl";

/// The committed fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A fixture by its path relative to `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// The binary, ready to run.
pub fn promptwav() -> Command {
    let mut cmd = Command::cargo_bin("promptwav").unwrap_or_else(|e| panic!("binary: {e}"));
    cmd.env_remove("RUST_LOG");
    // English messages whatever the machine's locale (the Korean tests set it themselves).
    cmd.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    cmd
}

/// A fresh temporary folder.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// `convert --json` on `args` then `extra`: (exit code, records, stderr).
pub fn convert_json(
    args: &[&Path],
    extra: &[&str],
) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let res = promptwav().args(["convert", "--json"]).args(args).args(extra).output().unwrap();
    (res.status.code(), json_lines(&res.stdout), String::from_utf8_lossy(&res.stderr).into_owned())
}

/// Parses JSON lines.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Writes a 16-bit PCM WAV (interleaved samples in [-1, 1)).
pub fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample((s * 32767.0).round().clamp(-32768.0, 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// A mono tone of `seconds` at `rate`, amplitude 0.5.
pub fn tone(rate: u32, seconds: f64, freq: f64) -> Vec<f32> {
    let n = (f64::from(rate) * seconds).round() as usize;
    (0..n)
        .map(|i| {
            (0.5 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32
        })
        .collect()
}

/// Reads a WAV as (spec, samples as f32), checking it with hound's parser.
pub fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let samples = r.samples::<i16>().map(|s| f32::from(s.unwrap()) / 32768.0).collect();
    (spec, samples)
}

/// All files under `dir`, relative, sorted, as strings.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == MANIFEST) {
                continue;
            }
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

/// A strict check of the 44-byte header: the bytes promptwav promises.
pub fn assert_plain_header(bytes: &[u8], rate: u32) {
    assert!(bytes.len() >= 44, "too short: {}", bytes.len());
    let data = (bytes.len() - 44) as u32;
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let u16_at = |i: usize| u16::from_le_bytes(bytes[i..i + 2].try_into().unwrap());
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(u32_at(4), 36 + data, "RIFF size");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(u32_at(16), 16, "fmt size");
    assert_eq!(u16_at(20), 1, "format tag");
    assert_eq!(u16_at(22), 1, "channels");
    assert_eq!(u32_at(24), rate, "rate");
    assert_eq!(u32_at(28), rate * 2, "byte rate");
    assert_eq!(u16_at(32), 2, "block align");
    assert_eq!(u16_at(34), 16, "bits");
    assert_eq!(&bytes[36..40], b"data");
    assert_eq!(u32_at(40), data, "data size");
}

/// A digest of a file's bytes, to prove it was not modified.
pub fn digest(path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::fs::read(path).unwrap().hash(&mut h);
    h.finish()
}

/// Waits (at most `limit`) until `cond` holds; returns whether it did.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

/// The sizes of promptwav's temporary files in `dir` (by the library's own name rule; a file
/// gone meanwhile counts as empty).
fn temporary_sizes(dir: &Path) -> Vec<u64> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| promptwav::output::is_temporary_name(&e.file_name().to_string_lossy()))
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .collect()
}

/// Whether `dir` holds one of promptwav's temporary files.
pub fn has_temporary(dir: &Path) -> bool {
    !temporary_sizes(dir).is_empty()
}

/// Waits until a run writing into `out` is converting: one of its temporary files there holds
/// data (the empty one it makes first only tests the folder). A signal sent then lands in the
/// middle of the work however fast the build and the machine are, where a fixed sleep can land
/// after a release build has finished.
pub fn wait_until_converting(out: &Path) -> bool {
    wait_until(Duration::from_secs(60), || temporary_sizes(out).iter().any(|&n| n > 0))
}

/// Seconds of audio that take a conversion long enough for a test to act while it runs (signal
/// it, start another run): a release build converts 60 s in about 10 ms, a debug build in
/// about 0.9 s.
pub fn long_seconds() -> f64 {
    if cfg!(debug_assertions) { 60.0 } else { 900.0 }
}
