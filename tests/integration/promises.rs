//! The promises of "What you can rely on" on every path (issue 11): no input is ever
//! overwritten, nothing is written through a link, a rerun redoes exactly what changed, the
//! names map follows the outputs' rules, and pipes and signals end a run cleanly.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::*;

fn status_of<'a>(records: &'a [serde_json::Value], input_end: &str) -> &'a serde_json::Value {
    records
        .iter()
        .find(|r| r["input"].as_str().is_some_and(|i| i.ends_with(input_end)))
        .unwrap_or_else(|| panic!("no record for {input_end}: {records:?}"))
}

#[test]
fn an_output_that_is_an_input_is_never_written_even_with_force() {
    let dir = tempdir();
    let g = dir.path().join("g.wav");
    write_wav(&g, 8000, 1, &tone(8000, 0.1, 300.0));
    let before = fs::read(&g).unwrap();
    for force in [&[][..], &["--force"][..]] {
        let (code, records, stderr) = convert_json(&[&g, Path::new("-o"), dir.path()], force);
        assert_eq!(code, Some(1), "{stderr}");
        assert_eq!(records[0]["status"], "failed");
        let why = records[0]["error"].as_str().unwrap();
        assert!(why.contains("input") && why.contains("-o"), "{why}");
        assert_eq!(fs::read(&g).unwrap(), before, "the input was rewritten");
    }
    // The same file under another name (a hard link) is the same input.
    let linked = dir.path().join("sub");
    fs::create_dir(&linked).unwrap();
    fs::hard_link(&g, linked.join("g.wav")).unwrap();
    let (code, records, _) = convert_json(&[&g, Path::new("-o"), &linked], &["--force"]);
    assert_eq!((code, &records[0]["status"]), (Some(1), &serde_json::json!("failed")));
    assert_eq!(fs::read(&g).unwrap(), before);
}

#[test]
fn an_input_folder_inside_the_output_folder_is_refused() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir_all(inp.join("sub")).unwrap();
    write_wav(&inp.join("sub/a.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    for (input, out) in [(&inp, &inp), (&inp.join("sub"), &inp)] {
        let res = promptwav().arg("convert").arg(input).arg("-o").arg(out).output().unwrap();
        assert_eq!(res.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&res.stderr);
        assert!(stderr.contains("output folder") && stderr.contains("-o"), "{stderr}");
    }
    assert_eq!(files_under(&inp), vec!["sub/a.wav"]);
}

#[test]
fn a_rerun_keeps_outputs_with_their_inputs_and_converts_what_changed() {
    let dir = tempdir();
    let n = dir.path().join("n");
    fs::create_dir(&n).unwrap();
    write_wav(&n.join("점심시간 안내.wav"), 8000, 1, &tone(8000, 0.5, 300.0));
    let out = dir.path().join("out");
    let (code, records, _) = convert_json(&[&n, Path::new("-o"), &out], &[]);
    assert_eq!((code, &records[0]["status"]), (Some(0), &serde_json::json!("converted")));
    let first = out.join("n/jeomsimsigan_annae.wav");
    let wav_output = fs::read(&first).unwrap();

    // A new input wanting the same name: the WAV's output keeps the WAV.
    fs::copy(fixture("formats/mp3_cbr128_44100_stereo.mp3"), n.join("점심시간 안내.mp3")).unwrap();
    let (code, records, _) = convert_json(&[&n, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0));
    let wav = status_of(&records, "안내.wav");
    assert_eq!(wav["status"], "skipped");
    assert!(wav["error"].as_str().unwrap().contains("up to date"), "{wav}");
    assert!(wav["output"].as_str().unwrap().ends_with("jeomsimsigan_annae.wav"));
    let mp3 = status_of(&records, "안내.mp3");
    assert_eq!(mp3["status"], "converted");
    assert!(mp3["output"].as_str().unwrap().ends_with("jeomsimsigan_annae-2.wav"), "{mp3}");
    assert_eq!(fs::read(&first).unwrap(), wav_output, "the WAV's output was replaced");
    assert_eq!(files_under(&out).len(), 2);

    // Other settings: everything is converted again, under the same names.
    for settings in [&["--profile", "asterisk"][..], &["--loudness", "-16"][..]] {
        let (code, records, _) = convert_json(&[&n, Path::new("-o"), &out], settings);
        assert_eq!(code, Some(0));
        assert!(records.iter().all(|r| r["status"] == "converted"), "{settings:?}: {records:?}");
        assert_eq!(files_under(&out).len(), 2);
    }
    assert_ne!(fs::read(&first).unwrap(), wav_output);
    // The same settings again: nothing to do.
    let (_, records, _) = convert_json(&[&n, Path::new("-o"), &out], &["--loudness", "-16"]);
    assert!(records.iter().all(|r| r["status"] == "skipped"), "{records:?}");

    // A changed input is converted again (into its own output).
    write_wav(&n.join("점심시간 안내.wav"), 8000, 1, &tone(8000, 0.7, 500.0));
    let (_, records, _) = convert_json(&[&n, Path::new("-o"), &out], &["--loudness", "-16"]);
    assert_eq!(status_of(&records, "안내.wav")["status"], "converted");
    assert_eq!(status_of(&records, "안내.mp3")["status"], "skipped");

    // An output edited by someone else is never replaced without --force.
    fs::write(&first, b"edited by hand").unwrap();
    write_wav(&n.join("점심시간 안내.wav"), 8000, 1, &tone(8000, 0.3, 500.0));
    let (_, records, _) = convert_json(&[&n, Path::new("-o"), &out], &["--loudness", "-16"]);
    let wav = status_of(&records, "안내.wav");
    assert_eq!(wav["status"], "skipped");
    assert!(wav["error"].as_str().unwrap().contains("--force"), "{wav}");
    assert_eq!(fs::read(&first).unwrap(), b"edited by hand");
}

#[cfg(unix)]
#[test]
fn nothing_is_written_through_a_link_inside_the_output_folder() {
    let dir = tempdir();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    write_wav(&sub.join("a.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    let out = dir.path().join("out");
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir_all(&out).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("a.wav"), b"precious").unwrap();
    std::os::unix::fs::symlink("../elsewhere", out.join("sub")).unwrap();
    for force in [&[][..], &["--force"][..]] {
        let (code, records, _) = convert_json(&[&sub, Path::new("-o"), &out], force);
        assert_eq!(code, Some(1), "{records:?}");
        assert_eq!(records[0]["status"], "failed", "{force:?}");
        assert!(records[0]["error"].as_str().unwrap().contains("link"), "{records:?}");
    }
    assert_eq!(files_under(&elsewhere), vec!["a.wav"]);
    assert_eq!(fs::read(elsewhere.join("a.wav")).unwrap(), b"precious");
}

#[cfg(unix)]
#[test]
fn a_live_temporary_file_of_another_run_is_left_alone() {
    // Another run in another PID namespace (a container) or on another host: its process id
    // means nothing here, but it holds the lock on its temporary file.
    let dir = tempdir();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let theirs = out.join(".promptwav-4194305-0.tmp");
    fs::write(&theirs, b"half a conversion").unwrap();
    let held = fs::File::open(&theirs).unwrap();
    held.lock().unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(120);
    fs::File::options().write(true).open(&theirs).unwrap().set_modified(old).unwrap();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.1, 300.0));
    let (code, _, _) = convert_json(&[&input, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0));
    assert!(theirs.exists(), "another run's live temporary file was deleted");
    // Once its owner is gone (the lock released), the next run clears it.
    drop(held);
    let (code, _, _) = convert_json(&[&input, Path::new("-o"), &out], &[]);
    assert_eq!(code, Some(0));
    assert!(!theirs.exists());
}

#[cfg(unix)]
#[test]
fn a_pipe_or_device_named_as_input_fails_with_a_reason() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let res = promptwav()
        .args(["convert", "--json", "/dev/stdin", "/dev/null", "-o"])
        .arg(&out)
        .write_stdin(fs::read(fixture("formats/pcm_s16le_8000_mono.wav")).unwrap())
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    let records = json_lines(&res.stdout);
    assert_eq!(records.len(), 2);
    for r in &records {
        assert_eq!(r["status"], "failed", "{r}");
        assert!(r["error"].as_str().unwrap().contains("not a file"), "{r}");
    }
}

#[test]
fn the_names_map_never_replaces_what_it_should_not() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    write_wav(&inp.join("a.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    write_wav(&inp.join("b.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    let out = dir.path().join("out");
    let map = |name: &str| dir.path().join(name);

    // An existing file that is not a names map: refused before anything is converted.
    fs::write(map("notes.csv"), "my notes").unwrap();
    let res = promptwav()
        .arg("convert")
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .arg("--names-map")
        .arg(map("notes.csv"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert_eq!(fs::read_to_string(map("notes.csv")).unwrap(), "my notes");
    assert!(files_under(&out).is_empty());

    // An input of the run: refused even with --force.
    let res = promptwav()
        .args(["convert", "--force"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .arg("--names-map")
        .arg(inp.join("a.wav"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert_eq!(fs::read(inp.join("a.wav")).unwrap().len(), 44 + 1600);

    // --dry-run writes nothing, the map included.
    let res = promptwav()
        .args(["convert", "--dry-run"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .arg("--names-map")
        .arg(map("map.csv"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(0));
    assert!(!map("map.csv").exists() && !out.exists());

    // A rerun where every file is up to date keeps every row.
    for _ in 0..2 {
        let res = promptwav()
            .arg("convert")
            .arg(&inp)
            .arg("-o")
            .arg(&out)
            .arg("--names-map")
            .arg(map("map.csv"))
            .output()
            .unwrap();
        assert_eq!(res.status.code(), Some(0));
        let text = fs::read_to_string(map("map.csv")).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("in/a.wav") && text.contains("in/b.wav"), "{text}");
    }
}

#[cfg(unix)]
#[test]
fn a_names_map_that_cannot_be_written_is_exit_1_with_a_record() {
    // Outputs under 1 KB fit the file size limit; the map of 40 long names does not.
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    for i in 0..40 {
        let name = format!("a_long_name_for_the_names_map_to_outgrow_its_limit_{i:02}.wav");
        write_wav(&inp.join(name), 8000, 1, &tone(8000, 0.005, 300.0));
    }
    let out = dir.path().join("out");
    let map = dir.path().join("map.csv");
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let res = Command::new("sh")
        .arg("-c")
        .arg(r#"trap "" XFSZ; ulimit -f 2; exec "$0" convert --json "$@""#)
        .arg(bin)
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .arg("--names-map")
        .arg(&map)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1), "{}", String::from_utf8_lossy(&res.stderr));
    let records = json_lines(&res.stdout);
    assert_eq!(records.iter().filter(|r| r["status"] == "converted").count(), 40);
    let last = records.last().unwrap();
    assert_eq!(last["status"], "failed");
    assert!(last["error"].as_str().unwrap().contains("names map"), "{last}");
    assert!(!map.exists(), "a partial map was left");
}

/// A folder of `n` 3-second prompts, for runs that are stopped midway.
fn many_prompts(dir: &Path, n: usize) -> std::path::PathBuf {
    let inp = dir.join("in");
    fs::create_dir(&inp).unwrap();
    let signal = tone(22050, 3.0, 440.0);
    for i in 0..n {
        write_wav(&inp.join(format!("p{i:02}.wav")), 22050, 1, &signal);
    }
    inp
}

/// Every file in `out` is a complete WAV (or the manifest); none is temporary.
fn assert_only_complete_outputs(out: &Path) {
    for name in files_under(out) {
        assert!(!name.contains(".promptwav-"), "temporary file left: {name}");
        let bytes = fs::read(out.join(&name)).unwrap();
        assert_plain_header(&bytes, 48000);
    }
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let dir = tempdir();
    let inp = many_prompts(dir.path(), 30);
    // check | head -1
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let res = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" check "$1" | head -1"#)
        .arg(&bin)
        .arg(&inp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&res.stdout).lines().count(), 1);

    // convert: the reader goes away after the first line; the run stops, cleans up, writes the
    // names map, and exits 141.
    let out = dir.path().join("out");
    let map = dir.path().join("map.csv");
    let mut child = Command::new(&bin)
        .args(["convert", "--json", "--jobs", "1"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .arg("--names-map")
        .arg(&map)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let res = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert_only_complete_outputs(&out);
    let rows = fs::read_to_string(&map).unwrap().lines().count() - 1;
    assert_eq!(rows, files_under(&out).len(), "the map lists every output");
    assert!(rows < 30, "the run did not stop");

    // name | head -1
    let res = Command::new("sh")
        .arg("-c")
        .arg(r#"yes 안내.mp3 | head -5000 | "$0" name | head -1"#)
        .arg(&bin)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&res.stderr).contains("internal error"));
}

/// Runs a conversion of 24 prompts in its own process group, sends `signals` to the group
/// (as `timeout` does) `gap` apart, and returns the exit code and the JSON records.
#[cfg(unix)]
fn stop_with(signals: &[&str], gap: Duration) -> (Option<i32>, Vec<serde_json::Value>, usize) {
    use std::os::unix::process::CommandExt;
    let dir = tempdir();
    let inp = many_prompts(dir.path(), 24);
    let out = dir.path().join("out");
    let child = Command::new(assert_cmd::cargo::cargo_bin("promptwav"))
        .args(["convert", "--json", "--jobs", "2"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_until_converting(&out), "the run never started converting");
    let group = format!("-{}", child.id());
    for sig in signals {
        Command::new("kill").args([&format!("-{sig}"), "--", &group]).status().unwrap();
        std::thread::sleep(gap);
    }
    let res = child.wait_with_output().unwrap();
    let records = json_lines(&res.stdout);
    assert_only_complete_outputs(&out);
    let converted = records.iter().filter(|r| r["status"] == "converted").count();
    assert_eq!(files_under(&out).len(), converted, "every output has its record");
    (res.status.code(), records, converted)
}

#[cfg(unix)]
#[test]
fn term_and_hup_stop_like_ctrl_c_with_their_own_codes() {
    for (sig, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let (status, records, _) = stop_with(&[sig], Duration::ZERO);
        assert_eq!(status, Some(code), "{sig}");
        assert_eq!(records.len(), 24, "{sig}: every input has a record");
        assert!(records.iter().any(|r| r["error"] == "interrupted"), "{sig}: nothing interrupted");
    }
}

#[cfg(unix)]
#[test]
fn a_second_signal_right_after_the_first_is_the_same_interrupt() {
    // Back to back, as `timeout` sends them to the process and its group.
    let (status, records, _) = stop_with(&["INT", "INT"], Duration::ZERO);
    assert_eq!(status, Some(130));
    assert_eq!(records.len(), 24, "records were lost: {records:?}");
}
