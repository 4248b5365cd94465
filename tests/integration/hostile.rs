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
    // One command for the timed run and the killed ones, so that they do the same work.
    let run = || {
        let mut command = Command::new(&bin);
        command.args(["convert", "--jobs", "2"]).arg(&inp).arg("-o").arg(&out);
        command
    };
    // Kills land in the first half of a run as long as an uninterrupted one, timed first (later
    // rounds find outputs done and end sooner): a fixed range would miss the work of a fast
    // build or machine.
    let started = std::time::Instant::now();
    let full = run().output().unwrap();
    assert!(full.status.success());
    let span_ms = (started.elapsed().as_millis() / 2).max(1) as u32;
    fs::remove_dir_all(&out).unwrap();
    let mut seed = 0x9E37_79B9u32;
    let mut kills = 0;
    for round in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let delay = Duration::from_millis(u64::from(seed % span_ms));
        let mut child = run().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
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
    assert!(wait_until_converting(&out), "the run never started converting");
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
pub(crate) struct Rng(pub(crate) u64);

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
pub(crate) fn mutations(data: &[u8], other: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
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
    let records = json_lines(&res.stdout);
    for r in &records {
        assert!(!r["error"].as_str().unwrap_or("").contains("internal error"), "{r}");
    }
    // A WAV header claiming 268 MHz once made the resampler ask for 9 GB; now it is refused.
    let oom = records
        .iter()
        .find(|r| r["input"].as_str().unwrap().ends_with("wav_rate_268mhz_oom.wav"))
        .unwrap();
    assert_eq!(oom["status"], "failed");
    assert!(oom["error"].as_str().unwrap().starts_with("unsupported sample rate"), "{oom}");
}

/// Runs promptwav through `sh -c`, for limits and signal dispositions that only a shell sets.
#[cfg(unix)]
fn via_shell(script: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    Command::new("sh").arg("-c").arg(script).arg(bin).args(args).output().unwrap()
}

#[cfg(unix)]
#[test]
fn a_write_failure_mid_file_leaves_nothing_and_the_batch_goes_on() {
    // A file size limit (ulimit -f, in 1 KB blocks) makes writes past 200 KB fail with EFBIG,
    // as a full disk would fail them with ENOSPC; SIGXFSZ is ignored so the write just fails.
    let dir = tempdir();
    let big = dir.path().join("big.wav");
    let small = dir.path().join("small.wav");
    write_wav(&big, 8000, 1, &tone(8000, 4.0, 300.0)); // 4 s -> 384 KB at 48 kHz
    write_wav(&small, 8000, 1, &tone(8000, 0.5, 300.0)); // 48 KB
    let out = dir.path().join("out");
    let res = via_shell(
        r#"trap "" XFSZ; ulimit -f 200; exec "$0" convert --json --jobs 1 "$@""#,
        &[big.as_os_str(), small.as_os_str(), std::ffi::OsStr::new("-o"), out.as_os_str()],
    );
    assert_eq!(res.status.code(), Some(1), "{}", String::from_utf8_lossy(&res.stderr));
    let records = json_lines(&res.stdout);
    assert_eq!(records[0]["status"], "failed");
    assert_eq!(records[0]["stage"], "write");
    assert!(records[0]["error"].as_str().unwrap().contains("file too large"), "{}", records[0]);
    assert_eq!(records[1]["status"], "converted");
    assert_eq!(files_under(&out), vec!["small.wav"], "a partial or temporary file was left");
}

#[cfg(unix)]
#[test]
fn an_unwritable_output_folder_is_refused_before_any_work() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.1, 300.0));
    // As root a mode-555 folder stays writable; a folder under /proc never is.
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let writable = fs::write(locked.join("probe"), b"x").is_ok();
    let target =
        if writable { Path::new("/proc/1/promptwav-out").to_path_buf() } else { locked.clone() };
    let res = promptwav().arg("convert").arg(&input).arg("-o").arg(&target).output().unwrap();
    assert_eq!(res.status.code(), Some(2));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("output folder"), "{err}");
    assert!(
        res.stdout.is_empty(),
        "something was reported as done: {}",
        String::from_utf8_lossy(&res.stdout)
    );
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_missing_output_folder_is_created() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.1, 300.0));
    let out = dir.path().join("new/deep/folder");
    let res = promptwav().arg("convert").arg(&input).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success());
    assert_eq!(files_under(&out), vec!["a.wav"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_input_fails_with_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let secret = dir.path().join("secret.wav");
    let fine = dir.path().join("fine.wav");
    write_wav(&secret, 8000, 1, &tone(8000, 0.1, 300.0));
    write_wav(&fine, 8000, 1, &tone(8000, 0.1, 300.0));
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(&fine, fs::Permissions::from_mode(0o644)).unwrap();
    let out = dir.path().join("out");
    // Root reads anything: run as `nobody` then (setpriv, from util-linux).
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let mut cmd = if fs::read(&secret).is_ok() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let res = cmd
        .args(["convert", "--json"])
        .arg(&secret)
        .arg(&fine)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1), "{}", String::from_utf8_lossy(&res.stderr));
    let records = json_lines(&res.stdout);
    assert_eq!(records[0]["error"], "permission denied");
    assert_eq!(records[0]["stage"], "open");
    assert_eq!(records[1]["status"], "converted");
}

#[cfg(unix)]
#[test]
fn links_loops_and_pipes_in_a_folder_are_skipped_not_followed() {
    let dir = tempdir();
    let root = dir.path().join("in");
    fs::create_dir_all(root.join("sub")).unwrap();
    write_wav(&root.join("sub/a.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    std::os::unix::fs::symlink("..", root.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("sub/a.wav", root.join("link.wav")).unwrap();
    std::os::unix::fs::symlink("nowhere.wav", root.join("broken.wav")).unwrap();
    assert!(Command::new("mkfifo").arg(root.join("pipe.wav")).status().unwrap().success());
    let out = dir.path().join("out");
    let res =
        promptwav().args(["convert", "--json"]).arg(&root).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stdout));
    let records = json_lines(&res.stdout);
    let status = |suffix: &str| {
        let r = records
            .iter()
            .find(|r| r["input"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}"));
        (r["status"].as_str().unwrap().to_string(), r["error"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(status("sub/loop").0, "skipped");
    assert!(status("sub/loop").1.contains("link to a folder"));
    assert_eq!(status("pipe.wav").0, "skipped");
    assert!(status("pipe.wav").1.contains("not a regular file"));
    assert_eq!(status("broken.wav").0, "skipped");
    // A link to a file is followed once; the file it points to is converted once.
    assert_eq!(status("link.wav").0, "converted");
    assert_eq!(status("sub/a.wav").0, "skipped");
    assert!(status("sub/a.wav").1.contains("same file"));
}

#[cfg(unix)]
#[test]
fn hostile_names_stay_inside_and_print_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let nasty = std::ffi::OsStr::from_bytes(b"x..\n\x1b[31mred\x07 $(id).wav");
    write_wav(&inp.join(nasty), 8000, 1, &tone(8000, 0.1, 300.0));
    fs::write(inp.join(std::ffi::OsStr::from_bytes(b"bad\x1b]0;title\x07.mp3")), b"not audio")
        .unwrap();
    let out = dir.path().join("out");
    // Given as a relative path that climbs out and back in.
    let relative = Path::new("../..").join(dir.path().file_name().unwrap()).join("in");
    let res = promptwav()
        .current_dir(dir.path().join("in"))
        .arg("convert")
        .arg(&relative)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    let text = String::from_utf8_lossy(&res.stdout);
    assert!(
        !text.contains('\x1b') && !text.contains('\x07'),
        "raw control characters printed: {text:?}"
    );
    assert!(text.contains("\\u{1b}"), "{text}");
    // One line per input plus the summary: the newline in the name did not split a line.
    assert_eq!(text.lines().count(), 3, "{text}");
    let written = files_under(&out);
    assert_eq!(written, vec!["in/x.._31mred_id.wav"], "{written:?}");
}
