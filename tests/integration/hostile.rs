//! Kills, interrupts and hostile inputs: promptwav never leaves a partial WAV, never panics,
//! and always accounts for every input.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::*;

/// The expected output length of `frames` at `rate`.
fn expected_len(frames: u64, rate: u32) -> u64 {
    (frames * 48000).div_ceil(u64::from(rate))
}

/// Every visible file in `out` is a complete, valid output of one of `inputs`; hidden files
/// are only our temporary files. Returns (complete outputs, temporary files).
fn audit_output(out: &Path, frames: u64, rate: u32) -> (usize, usize) {
    let (mut complete, mut temporary) = (0, 0);
    for name in files_under(out) {
        if name.starts_with('.') {
            assert!(promptwav::output::is_temporary_name(&name), "stray hidden file {name}");
            temporary += 1;
            continue;
        }
        let bytes = fs::read(out.join(&name)).unwrap();
        assert_plain_header(&bytes, 48000);
        assert_eq!(
            ((bytes.len() - 44) / 2) as u64,
            expected_len(frames, rate),
            "{name} is incomplete"
        );
        complete += 1;
    }
    (complete, temporary)
}

#[cfg(unix)]
#[test]
fn sigkill_at_any_moment_leaves_only_complete_wavs() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let rate = 44100;
    let signal = tone(rate, 4.0, 440.0);
    for i in 0..16 {
        write_wav(&inp.join(format!("p{i:02}.wav")), rate, 1, &signal);
    }
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let mut seed = 0x9E37_79B9u32;
    let mut kills = 0;
    for round in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let delay = Duration::from_millis(u64::from(seed % 250));
        let mut child = Command::new(&bin)
            .args(["convert", "--jobs", "2"])
            .arg(&inp)
            .arg("-o")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        child.kill().unwrap_or(()); // SIGKILL
        child.wait().unwrap();
        let (complete, _) = audit_output(&out.join("in"), signal.len() as u64, rate);
        assert!(complete <= 16, "round {round}");
        if round % 5 == 4 {
            // Start over now and then, so kills keep landing in the middle of the work.
            fs::remove_dir_all(&out).unwrap();
        }
    }
    assert!(kills >= 10, "only {kills} of 20 runs were killed while working; make the work longer");
    // A full run afterwards finishes the job and removes the temporary files left behind.
    let res = promptwav().args(["convert"]).arg(&inp).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success());
    let (complete, temporary) = audit_output(&out.join("in"), signal.len() as u64, rate);
    assert_eq!((complete, temporary), (16, 0));
    assert!(
        files_under(&out).iter().all(|f| !f.contains(".promptwav-")),
        "{:?}",
        files_under(&out)
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_with_exit_130() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let rate = 22050;
    let signal = tone(rate, 3.0, 440.0);
    for i in 0..24 {
        write_wav(&inp.join(format!("p{i:02}.wav")), rate, 1, &signal);
    }
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let child = Command::new(&bin)
        .args(["convert", "--json", "--jobs", "2"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let res = child.wait_with_output().unwrap();
    assert_eq!(res.status.code(), Some(130), "{}", String::from_utf8_lossy(&res.stderr));
    // Every input has a record; converted ones are complete; nothing temporary is left.
    let records = json_lines(&res.stdout);
    assert_eq!(records.len(), 24);
    assert!(records.iter().any(|r| r["error"] == "interrupted"), "nothing was interrupted");
    let converted = records.iter().filter(|r| r["status"] == "converted").count();
    let (complete, temporary) = audit_output(&out.join("in"), signal.len() as u64, rate);
    assert_eq!((complete, temporary), (converted, 0));
}

/// A small deterministic generator for mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Eight kinds of damage to one file: bit flips, truncation, a lying chunk size, a header
/// swapped for another format's, a zeroed run, a duplicated run, inserted junk, and a tiny head.
fn mutations(data: &[u8], other: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
    let n = data.len().max(1);
    let mut out = Vec::new();
    let mut flipped = data.to_vec();
    for _ in 0..1 + rng.below(12) {
        if !flipped.is_empty() {
            let i = rng.below(flipped.len());
            flipped[i] ^= 1 << rng.below(8);
        }
    }
    out.push(flipped);
    out.push(data[..rng.below(n)].to_vec());
    let mut lie = data.to_vec();
    if lie.len() >= 8 {
        // A size field somewhere in the first KB: RIFF/AIFF/MP4/Ogg/Matroska all have them.
        let i = 4 + 4 * rng.below(lie.len().min(1024) / 4 - 1);
        let v = [0u32, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, rng.next() as u32][rng.below(5)];
        lie[i..i + 4].copy_from_slice(&v.to_le_bytes());
    }
    out.push(lie);
    let mut swapped = data.to_vec();
    let k = 12.min(other.len()).min(swapped.len());
    swapped[..k].copy_from_slice(&other[..k]);
    out.push(swapped);
    let mut zeroed = data.to_vec();
    let start = rng.below(n);
    let end = (start + 1 + rng.below(512)).min(zeroed.len());
    zeroed[start.min(end)..end].iter_mut().for_each(|b| *b = 0);
    out.push(zeroed);
    let mut dup = data.to_vec();
    let s = rng.below(n);
    let e = (s + rng.below(2048)).min(data.len());
    dup.splice(s.min(e)..s.min(e), data[s.min(e)..e].iter().copied());
    out.push(dup);
    let mut junk = data.to_vec();
    let at = rng.below(n).min(junk.len());
    let bytes: Vec<u8> = (0..1 + rng.below(64)).map(|_| rng.next() as u8).collect();
    junk.splice(at..at, bytes);
    out.push(junk);
    out.push(data[..data.len().min(1 + rng.below(64))].to_vec());
    out
}

#[test]
fn mutated_fixtures_never_crash_convert_or_check() {
    let dir = tempdir();
    let inp = dir.path().join("mutants");
    fs::create_dir(&inp).unwrap();
    let mut sources: Vec<_> =
        fs::read_dir(fixture("formats")).unwrap().flatten().map(|e| e.path()).collect();
    sources.sort();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut count = 0;
    for (i, src) in sources.iter().enumerate() {
        let data = fs::read(src).unwrap();
        let other = fs::read(&sources[(i + 7) % sources.len()]).unwrap();
        let ext = src.extension().and_then(|e| e.to_str()).unwrap_or("bin");
        for (k, m) in mutations(&data, &other, &mut rng).into_iter().enumerate() {
            fs::write(inp.join(format!("m{i:02}_{k}.{ext}")), m).unwrap();
            count += 1;
        }
    }
    assert!(count >= 300, "{count} mutants");

    let out = dir.path().join("out");
    let res = promptwav()
        .args(["convert", "--json", "--jobs", "2"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(matches!(res.status.code(), Some(0 | 1)), "exit {:?}: {stderr}", res.status.code());
    assert!(!stderr.contains("internal error"), "a panic: {stderr}");
    let records = json_lines(&res.stdout);
    assert_eq!(records.len(), count, "one record per input");
    let converted: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["status"] == "converted").collect();
    for r in &records {
        assert!(r["status"] == "converted" || r["status"] == "failed", "{r}");
        if r["status"] == "failed" {
            let reason = r["error"].as_str().unwrap_or("");
            assert!(!reason.is_empty() && !reason.contains("internal error"), "{r}");
        }
    }
    // Every output is a complete WAV; nothing else (no temporary file) is left.
    let written = files_under(&out);
    assert_eq!(written.len(), converted.len(), "{written:?}");
    for r in converted {
        let bytes = fs::read(r["output"].as_str().unwrap()).unwrap();
        assert_plain_header(&bytes, 48000);
    }

    let res = promptwav().args(["check", "--json"]).arg(&inp).output().unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        matches!(res.status.code(), Some(0 | 1)),
        "check exit {:?}: {stderr}",
        res.status.code()
    );
    assert!(!stderr.contains("internal error"), "a panic in check: {stderr}");
    assert_eq!(json_lines(&res.stdout).len(), count, "one check record per input");
}

#[test]
fn fuzzer_findings_stay_fixed() {
    // Each file in fixtures/fuzz once crashed promptwav; now each converts or fails cleanly.
    let dir = tempdir();
    let res = promptwav()
        .args(["convert", "--json"])
        .arg(fixture("fuzz"))
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    for r in json_lines(&res.stdout) {
        assert!(!r["error"].as_str().unwrap_or("").contains("internal error"), "{r}");
    }
}
