//! Adversarial tests of the promises of "What you can rely on" (issue 11 follow-up): each test
//! here is a way found to break one of them. They fail until the bug they show is fixed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::util::*;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("promptwav")
}

fn record_of<'a>(records: &'a [serde_json::Value], input_end: &str) -> &'a serde_json::Value {
    records
        .iter()
        .find(|r| r["input"].as_str().is_some_and(|i| i.ends_with(input_end)))
        .unwrap_or_else(|| panic!("no record for {input_end}: {records:?}"))
}

fn spawn_convert(args: &[&Path], extra: &[&str]) -> Child {
    Command::new(bin())
        .args(["convert", "--json"])
        .args(args)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Data loss / write outside the output folder: the manifest is appended to through a link.
/// `TempFile::commit` refuses links, but `Manifest::record` opens `.promptwav-manifest.jsonl`
/// with `OpenOptions::append` and follows a link there to any file on the machine.
#[cfg(unix)]
#[test]
fn the_manifest_is_never_written_through_a_link() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, out.join(MANIFEST)).unwrap();
    // A link to a file that does not exist yet must not create it either.
    let out2 = dir.path().join("out2");
    fs::create_dir(&out2).unwrap();
    let created = dir.path().join("created-outside.txt");
    std::os::unix::fs::symlink(&created, out2.join(MANIFEST)).unwrap();

    let _ = convert_json(&[&input, Path::new("-o"), &out], &[]);
    let _ = convert_json(&[&input, Path::new("-o"), &out2], &[]);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n", "a file outside was written");
    assert!(!created.exists(), "a file was created outside the output folder");
}

/// Hang: a manifest that is a pipe (or any non-regular file) is read to its end before anything
/// is planned, so `convert` (even `--dry-run`) waits forever.
#[cfg(unix)]
#[test]
fn a_manifest_that_is_a_pipe_does_not_hang_the_run() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let made = Command::new("mkfifo").arg(out.join(MANIFEST)).status().unwrap();
    assert!(made.success());
    let mut child = spawn_convert(&[&input, Path::new("-o"), &out], &["--dry-run"]);
    let finished = wait_until(Duration::from_secs(20), || child.try_wait().unwrap().is_some());
    if !finished {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(finished, "convert --dry-run hangs on a manifest that is a pipe");
}

/// Wrong success / data loss: `--names-map` naming the output a file of the run will get. The
/// preflight sees no file yet; the map is then written over the converted WAV with the
/// overwrite flag, and the run reports `converted` with exit 0 for a WAV that is now CSV text.
#[test]
fn the_names_map_never_replaces_an_output_of_the_run() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let map = out.join("a.wav");
    let (code, records, stderr) =
        convert_json(&[&input, Path::new("-o"), &out], &["--names-map", map.to_str().unwrap()]);
    let said_converted = code == Some(0) && record_of(&records, "a.wav")["status"] == "converted";
    if said_converted {
        let bytes = fs::read(out.join("a.wav")).unwrap();
        assert_plain_header(&bytes, 48000);
    } else {
        // Refusing the map (exit 2) or failing it (exit 1) is fine; the output must be a WAV.
        assert!(matches!(code, Some(1 | 2)), "{stderr}");
        if out.join("a.wav").exists() {
            assert_plain_header(&fs::read(out.join("a.wav")).unwrap(), 48000);
        }
    }
}

/// Wrong result: `--names-map` naming the manifest. The map replaces the manifest, so the next
/// run says of promptwav's own output "promptwav did not make it" and will never update it
/// without `--force` (and the map it writes loses the row).
#[test]
fn the_names_map_never_replaces_the_manifest() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let map = out.join(MANIFEST);
    let args = ["--names-map", map.to_str().unwrap()];
    let _ = convert_json(&[&input, Path::new("-o"), &out], &args);
    let (code, records, stderr) = convert_json(&[&input, Path::new("-o"), &out], &args);
    if code == Some(0) {
        let r = record_of(&records, "a.wav");
        assert_eq!(r["status"], "skipped", "{r}");
        let why = r["error"].as_str().unwrap_or("");
        assert!(why.starts_with("up to date"), "promptwav's own output is not known: {why}");
    } else {
        // Refusing such a map is fine too.
        assert_eq!(code, Some(2), "{stderr}");
    }
}

/// Crash / partial file / batch stopped: a file size limit (`ulimit -f`, common in CI runners
/// and shared hosts) kills the process with SIGXFSZ at the first write past it. The run dies
/// with exit 153 (not documented), no record for any file, a partial hidden temporary file in
/// the output folder, and the small file after it never converted.
#[cfg(unix)]
#[test]
fn a_file_size_limit_fails_one_file_not_the_run() {
    let dir = tempdir();
    let big = dir.path().join("big.wav");
    write_wav(&big, 48000, 1, &tone(48000, 10.0, 300.0));
    let small = dir.path().join("small.wav");
    write_wav(&small, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    let res = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -f 400 && exec "$0" convert --json --jobs 1 "$1" "$2" -o "$3""#)
        .arg(bin())
        .arg(&big)
        .arg(&small)
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(!has_temporary(&out), "a partial temporary file was left: {:?}", files_under(&out));
    assert_eq!(res.status.code(), Some(1), "{stderr}");
    let records = json_lines(&res.stdout);
    assert_eq!(record_of(&records, "big.wav")["status"], "failed");
    assert_eq!(record_of(&records, "small.wav")["status"], "converted");
}

/// Wrong success: an input replaced while it is being converted (an editor's save: a new file
/// renamed over the old name). The output is made from the old file, but the manifest records
/// the new file's size and time (it is stamped after the conversion), so every later run says
/// "up to date" and the output never gets the new audio.
#[test]
fn an_input_replaced_during_its_conversion_is_not_up_to_date() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let prompt = inp.join("prompt.wav");
    write_wav(&prompt, 22050, 1, &tone(22050, long_seconds(), 440.0));
    let new = dir.path().join("new.wav");
    write_wav(&new, 22050, 1, &tone(22050, 1.0, 1000.0));
    let out = dir.path().join("out");
    let child = spawn_convert(&[&prompt, Path::new("-o"), &out], &["--jobs", "1"]);
    let started = wait_until_converting(&out);
    fs::rename(&new, &prompt).unwrap();
    let first = child.wait_with_output().unwrap();
    assert!(started, "the conversion ended before the input could be replaced");
    assert_eq!(first.status.code(), Some(0));
    let (_, records, _) = convert_json(&[&prompt, Path::new("-o"), &out], &[]);
    let r = record_of(&records, "prompt.wav");
    let (_, samples) = read_wav(&out.join("prompt.wav"));
    let seconds = samples.len() as f64 / 48000.0;
    assert!(
        (seconds - 1.0).abs() < 0.01,
        "the output is {seconds:.1} s long (the old input) but the input is 1 s; the rerun said \
         {} ({})",
        r["status"],
        r["error"]
    );
}

/// Wrong result, reruns never settle: two inputs whose names are not UTF-8 and differ only in
/// the invalid bytes (a ZIP of CP949 names unpacked on Linux) have the same lossy canonical
/// path, which the manifest uses as the input's identity. Every rerun converts again, swaps
/// which input goes to which name, and adds a new `audio-N.wav`.
#[cfg(unix)]
#[test]
fn inputs_with_non_utf8_names_are_up_to_date_on_a_rerun() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    for (byte, freq) in [(0xfe_u8, 300.0), (0xff_u8, 900.0)] {
        let bytes = [byte, b'.', b'w', b'a', b'v'];
        write_wav(&inp.join(std::ffi::OsStr::from_bytes(&bytes)), 8000, 1, &tone(8000, 0.2, freq));
    }
    let out = dir.path().join("out");
    let (code, _, stderr) = convert_json(&[&inp, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let first = files_under(&out);
    let digests: Vec<u64> = first.iter().map(|f| digest(&out.join(f))).collect();
    for _ in 0..3 {
        let (_, records, _) = convert_json(&[&inp, Path::new("-o"), &out], &[]);
        for r in &records {
            assert_eq!(r["status"], "skipped", "converted again: {r}");
        }
    }
    assert_eq!(files_under(&out), first, "new outputs appeared");
    let now: Vec<u64> = first.iter().map(|f| digest(&out.join(f))).collect();
    assert_eq!(now, digests, "an output now holds another input's audio");
}

/// Wrong result, not deterministic: an input converted once as a file (`out/a.wav`) and once
/// inside its folder (`out/in/a.wav`) has two manifest lines. Which one the plan keeps depends
/// on a HashMap's iteration order, so converting the file again is "up to date" on some runs
/// and writes a duplicate `out/a-2.wav` on others.
#[test]
fn an_input_known_under_two_outputs_is_planned_the_same_way_every_time() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let a = inp.join("a.wav");
    write_wav(&a, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    assert_eq!(convert_json(&[&a, Path::new("-o"), &out], &[]).0, Some(0));
    assert_eq!(convert_json(&[&inp, Path::new("-o"), &out], &[]).0, Some(0));
    for _ in 0..10 {
        let (_, records, _) = convert_json(&[&a, Path::new("-o"), &out], &["--dry-run"]);
        let r = record_of(&records, "a.wav");
        assert_eq!(r["status"], "skipped", "planned again (run to run this changes): {r}");
    }
}

/// Wrong result: two runs into the same output folder at once. The first to finish compacts the
/// manifest (a new file renamed over it) while the other still appends to the old, unlinked
/// one, so the other's later outputs are never recorded; the next run says of them "promptwav
/// did not make it" and never updates them without `--force`.
#[test]
fn concurrent_runs_into_one_folder_keep_every_output_known() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fs::create_dir(&a).unwrap();
    fs::create_dir(&b).unwrap();
    write_wav(&b.join("b1.wav"), 8000, 1, &tone(8000, 0.2, 300.0));
    write_wav(&b.join("b2.wav"), 22050, 1, &tone(22050, long_seconds(), 440.0));
    write_wav(&a.join("a1.wav"), 8000, 1, &tone(8000, 0.2, 500.0));
    let out = dir.path().join("out");
    let (b1, b2, a1) = (b.join("b1.wav"), b.join("b2.wav"), a.join("a1.wav"));
    let mut long = spawn_convert(&[&b1, &b2, Path::new("-o"), &out], &["--jobs", "1"]);
    // Once b1 is recorded, b2 (long) is being converted: run another batch into the folder.
    let recorded = wait_until(Duration::from_secs(30), || {
        fs::read_to_string(out.join(MANIFEST)).is_ok_and(|t| t.contains("b1.wav"))
    });
    let (code, _, stderr) = convert_json(&[&a1, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let overlapped = has_temporary(&out);
    assert_eq!(long.wait().unwrap().code(), Some(0));
    assert!(recorded && overlapped, "the runs did not overlap; the test proves nothing");
    let (_, records, _) = convert_json(&[&b1, &b2, &a1, Path::new("-o"), &out], &[]);
    for r in &records {
        let why = r["error"].as_str().unwrap_or("");
        assert!(why.starts_with("up to date"), "{}: {why}", r["input"]);
    }
}

/// Crash: a failed write to stderr panics (`eprintln!`), and the panic hook's own `eprintln!`
/// panics again, so the process aborts (134) instead of exiting with its documented code: a
/// usage error (2), or SIGTERM (143) when the log reader has gone away.
#[cfg(unix)]
#[test]
fn a_failing_stderr_never_changes_the_exit_code() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.2, 300.0));
    let full = || fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let usage = Command::new(bin())
        .args(["convert", "--profile", "no-such-profile"])
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("out"))
        .stderr(full())
        .status()
        .unwrap();
    assert_eq!(usage.code(), Some(2), "usage error with stderr on a full disk");

    let long = dir.path().join("long.wav");
    write_wav(&long, 22050, 1, &tone(22050, long_seconds(), 440.0));
    let out = dir.path().join("out2");
    let mut child = Command::new(bin())
        .args(["convert", "--jobs", "1"])
        .arg(&long)
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(full())
        .spawn()
        .unwrap();
    assert!(wait_until_converting(&out));
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "SIGTERM with stderr on a full disk: {status:?}");
}

/// Partial file left: after `kill -9`, a run started within 10 s neither removes the dead run's
/// partial temporary file (it is "young") nor looks again when it ends, so a successful run
/// leaves a hidden partial file in the output folder, which README says the next run removes.
#[cfg(unix)]
#[test]
fn a_rerun_after_kill_9_leaves_no_temporary_file() {
    let dir = tempdir();
    let long = dir.path().join("long.wav");
    write_wav(&long, 22050, 1, &tone(22050, long_seconds(), 440.0));
    let small = dir.path().join("small.wav");
    write_wav(&small, 8000, 1, &tone(8000, 0.2, 300.0));
    let out = dir.path().join("out");
    let mut child = spawn_convert(&[&long, Path::new("-o"), &out], &["--jobs", "1"]);
    assert!(wait_until_converting(&out));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(has_temporary(&out), "setup: the killed run left its temporary file");
    let (code, _, stderr) = convert_json(&[&small, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!has_temporary(&out), "a partial file is left after a successful run");
}

/// Wrong result: an input that is a link (`current.wav -> rec/v1.wav`), retargeted to a new
/// recording. The manifest knows inputs by canonical path, so the output `current.wav` stays
/// reserved for the old target (not an input of this run) and the new audio goes to a new
/// `current-2.wav`: the prompt an admin uploads as `current.wav` is the old one, exit 0.
#[cfg(unix)]
#[test]
fn a_retargeted_input_link_updates_its_output() {
    let dir = tempdir();
    let rec = dir.path().join("rec");
    fs::create_dir(&rec).unwrap();
    write_wav(&rec.join("v1.wav"), 8000, 1, &tone(8000, 0.2, 300.0));
    write_wav(&rec.join("v2.wav"), 8000, 1, &tone(8000, 0.5, 900.0));
    let link = dir.path().join("current.wav");
    let out = dir.path().join("out");
    std::os::unix::fs::symlink(rec.join("v1.wav"), &link).unwrap();
    assert_eq!(convert_json(&[&link, Path::new("-o"), &out], &[]).0, Some(0));
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(rec.join("v2.wav"), &link).unwrap();
    let (code, records, stderr) = convert_json(&[&link, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let output = record_of(&records, "current.wav")["output"].as_str().unwrap_or("").to_string();
    assert!(output.ends_with("/current.wav"), "the new audio went to {output}");
    assert_eq!(files_under(&out), vec!["current.wav"]);
}
