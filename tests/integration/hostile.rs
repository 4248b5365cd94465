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
