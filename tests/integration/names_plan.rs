//! Planning names (issue 12): names go to the files that convert, the same way in a dry run,
//! in shards and on reruns; a dry run predicts the run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::*;

/// `convert --json` with `args`: (exit code, records, stdout as text, stderr).
fn convert(args: &[&std::ffi::OsStr]) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let res = promptwav().args(["--no-config", "convert", "--json"]).args(args).output().unwrap();
    (res.status.code(), json_lines(&res.stdout), String::from_utf8_lossy(&res.stderr).into_owned())
}

/// `convert` with `args`, its text report: (exit code, stdout, stderr).
fn convert_text(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let res = promptwav().args(["--no-config", "convert"]).args(args).output().unwrap();
    (
        res.status.code(),
        String::from_utf8_lossy(&res.stdout).into_owned(),
        String::from_utf8_lossy(&res.stderr).into_owned(),
    )
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn record_of<'a>(records: &'a [serde_json::Value], input_end: &str) -> &'a serde_json::Value {
    records
        .iter()
        .find(|r| r["input"].as_str().is_some_and(|i| i.ends_with(input_end)))
        .unwrap_or_else(|| panic!("no record for {input_end}: {records:?}"))
}

/// Input file name -> output path relative to `out` (`None`: no output), for every record.
fn names_of(records: &[serde_json::Value], out: &Path) -> BTreeMap<String, Option<String>> {
    records
        .iter()
        .map(|r| {
            let input = r["input"].as_str().unwrap();
            let name = Path::new(input).file_name().unwrap().to_string_lossy().into_owned();
            let output = r["output"]
                .as_str()
                .map(|o| Path::new(o).strip_prefix(out).unwrap().to_string_lossy().into_owned());
            (name, output)
        })
        .collect()
}

/// The inputs of issue 12 in `dir/in`: a cut-off M4A, a truncated MP3 (bad only when decoded to
/// its end), a good Opus and a text file named `.aac`, all wanting `cut.wav`.
fn cut_inputs(dir: &Path) -> PathBuf {
    let inp = dir.join("in");
    fs::create_dir_all(&inp).unwrap();
    let m4a = fs::read(fixture("formats/aac_lc_44100_stereo.m4a")).unwrap();
    fs::write(inp.join("cut.m4a"), &m4a[..3000]).unwrap();
    fs::copy(fixture("broken/truncated.mp3"), inp.join("cut.mp3")).unwrap();
    fs::copy(fixture("formats/opus_48000_stereo.opus"), inp.join("cut.opus")).unwrap();
    fs::copy(fixture("broken/text.mp3"), inp.join("cut.aac")).unwrap();
    inp
}

const BAD: [&str; 3] = ["cut.aac", "cut.m4a", "cut.mp3"];

/// The failure each bad input gets converted alone: (error, stage).
fn alone(dir: &Path, inp: &Path, name: &str) -> (serde_json::Value, serde_json::Value) {
    let out = dir.join(format!("alone-{name}"));
    let (code, records, _) = convert(&[inp.join(name).as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!(code, Some(1));
    let r = record_of(&records, name);
    assert_eq!(r["status"], "failed", "{r}");
    (r["error"].clone(), r["stage"].clone())
}

#[test]
fn failed_inputs_leave_their_names_to_the_files_that_convert() {
    let dir = tempdir();
    let inp = cut_inputs(dir.path());
    let out = dir.path().join("out");
    let (code, records, stderr) = convert(&[inp.as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    let opus = record_of(&records, "cut.opus");
    assert_eq!(opus["status"], "converted", "{opus}");
    assert_eq!(names_of(&records, &out)["cut.opus"].as_deref(), Some("in/cut.wav"), "{records:?}");
    assert_eq!(files_under(&out), ["in/cut.wav"]);
    // The failures keep the reasons, stages and facts a conversion of each alone gives.
    for name in BAD {
        let r = record_of(&records, name);
        assert_eq!(r["status"], "failed", "{r}");
        assert!(r["output"].is_null(), "{r}");
        assert_eq!((r["error"].clone(), r["stage"].clone()), alone(dir.path(), &inp, name));
    }
    let mp3 = record_of(&records, "cut.mp3");
    assert!(mp3["error"].as_str().unwrap().contains("truncated MP3"), "{mp3}");
    assert_eq!(mp3["format"], "mp3", "what the file was is still said: {mp3}");
    assert!(record_of(&records, "cut.aac")["error"].as_str().unwrap().contains("text"));
}

#[test]
fn a_dry_run_plans_the_same_names_and_failures() {
    let dir = tempdir();
    let inp = cut_inputs(dir.path());
    let out = dir.path().join("out");
    let (dry_code, dry, _) =
        convert(&[inp.as_os_str(), os("-o"), out.as_os_str(), os("--dry-run")]);
    assert!(!out.exists(), "a dry run writes nothing");
    let (code, real, _) = convert(&[inp.as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!((dry_code, code), (Some(1), Some(1)), "a failure is exit 1 in both");
    assert_eq!(names_of(&dry, &out), names_of(&real, &out));
    assert_eq!(record_of(&dry, "cut.opus")["status"], "planned");
    for name in BAD {
        let (d, r) = (record_of(&dry, name), record_of(&real, name));
        assert_eq!(d["status"], "failed", "{d}");
        assert_eq!((&d["error"], &d["stage"]), (&r["error"], &r["stage"]), "{name}");
    }
    // The text report says it the same way.
    let out2 = dir.path().join("out2");
    let (code, text, _) =
        convert_text(&[inp.as_os_str(), os("-o"), out2.as_os_str(), os("--dry-run")]);
    assert_eq!(code, Some(1));
    let line = |end: &str| {
        text.lines()
            .find(|l| l.contains(end))
            .unwrap_or_else(|| panic!("no line for {end}: {text}"))
            .to_string()
    };
    let opus = line("cut.opus");
    assert!(opus.starts_with("would convert ") && opus.ends_with("in/cut.wav"), "{text}");
    assert!(line("cut.mp3").starts_with("would fail  "), "{text}");
    assert!(line("cut.mp3").contains(": truncated MP3"), "{text}");
    assert!(text.contains("1 to convert, 3 would fail, 0 would skip"), "{text}");
}

#[test]
fn two_shards_together_give_the_names_of_one_run() {
    let dir = tempdir();
    let inp = cut_inputs(dir.path());
    // More inputs, so that both shards hold some, colliding across the shards.
    for (name, fixture_path) in [
        ("cut.wav", "formats/pcm_s16le_8000_mono.wav"),
        ("cut.flac", "broken/truncated.flac"),
        ("cut.ogg", "formats/vorbis_44100_stereo.ogg"),
        ("other.mp3", "formats/mp3_vbr_22050_mono.mp3"),
        ("cut-2.mp2", "broken/truncated.mp3"),
    ] {
        fs::copy(fixture(fixture_path), inp.join(name)).unwrap();
    }
    let whole_out = dir.path().join("whole");
    let (_, whole, _) = convert(&[inp.as_os_str(), os("-o"), whole_out.as_os_str()]);
    let whole = names_of(&whole, &whole_out);
    let mut sharded = BTreeMap::new();
    let mut sizes = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = dir.path().join(format!("shard{}", &shard[..1]));
        let (_, records, _) =
            convert(&[inp.as_os_str(), os("-o"), out.as_os_str(), os("--shard"), os(shard)]);
        sizes.push(records.len());
        for (input, output) in names_of(&records, &out) {
            assert!(sharded.insert(input, output).is_none(), "an input in both shards");
        }
    }
    assert_eq!(sharded, whole);
    assert!(sizes.iter().all(|&n| n > 0), "both shards hold inputs: {sizes:?}");
    // The files that convert hold the first names, in input order; the failures none.
    let converting = [("cut.ogg", "in/cut.wav"), ("cut.opus", "in/cut-2.wav")];
    for (input, output) in converting.into_iter().chain([("cut.wav", "in/cut-3.wav")]) {
        assert_eq!(whole[input].as_deref(), Some(output), "{whole:?}");
    }
    for input in ["cut-2.mp2", "cut.aac", "cut.flac", "cut.m4a", "cut.mp3"] {
        assert_eq!(whole[input], None, "{whole:?}");
    }
}

#[test]
fn a_rerun_after_fixing_an_input_keeps_the_names_and_gives_the_fixed_one_a_free_name() {
    let dir = tempdir();
    let inp = cut_inputs(dir.path());
    let out = dir.path().join("out");
    let (_, first, _) = convert(&[inp.as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!(names_of(&first, &out)["cut.opus"].as_deref(), Some("in/cut.wav"), "{first:?}");
    fs::copy(fixture("formats/mp3_cbr128_44100_stereo.mp3"), inp.join("cut.mp3")).unwrap();
    let (code, again, _) = convert(&[inp.as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!(code, Some(1), "cut.aac and cut.m4a still fail");
    let names = names_of(&again, &out);
    assert_eq!(names["cut.opus"].as_deref(), Some("in/cut.wav"), "{again:?}");
    assert_eq!(record_of(&again, "cut.opus")["status"], "skipped", "up to date");
    assert_eq!(names["cut.mp3"].as_deref(), Some("in/cut-2.wav"), "{again:?}");
    assert_eq!(record_of(&again, "cut.mp3")["status"], "converted");
    assert_eq!(files_under(&out), ["in/cut-2.wav", "in/cut.wav"]);
}

#[test]
fn a_dry_run_says_what_the_run_would_do_with_each_output() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    write_wav(&inp.join("a.wav"), 8000, 1, &tone(8000, 0.5, 300.0));
    let out = dir.path().join("out");
    let (code, _, _) = convert(&[inp.as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!(code, Some(0));
    // b.wav's output is a file promptwav did not make; notes.mp3 is text.
    write_wav(&inp.join("b.wav"), 8000, 1, &tone(8000, 0.5, 300.0));
    fs::write(out.join("in/b.wav"), b"someone else's file").unwrap();
    fs::copy(fixture("broken/text.mp3"), inp.join("notes.mp3")).unwrap();
    let args = [inp.as_os_str(), os("-o"), out.as_os_str(), os("--dry-run")];

    let (code, text, _) = convert_text(&args);
    assert_eq!(code, Some(1), "notes.mp3 would fail: {text}");
    let line = |end: &str| {
        text.lines()
            .find(|l| l.contains(end))
            .unwrap_or_else(|| panic!("no line for {end}: {text}"))
            .to_string()
    };
    let a = line("a.wav");
    assert!(a.starts_with("would skip  ") && a.ends_with("a.wav (up to date)"), "{text}");
    let b = line("b.wav");
    assert!(
        b.starts_with("would skip  ") && b.ends_with("(exists; --force replaces it)"),
        "{text}"
    );
    assert!(b.contains(&out.join("in/b.wav").display().to_string()), "{text}");
    let notes = line("notes.mp3");
    assert!(notes.starts_with("would fail  ") && notes.ends_with("not an audio file (text)"));
    assert!(text.contains("0 to convert, 1 would fail, 2 would skip"), "{text}");

    let (_, records, _) = convert(&args);
    let a = record_of(&records, "a.wav");
    assert_eq!((&a["status"], &a["existing_output"]), (&"skipped".into(), &"up_to_date".into()));
    let b = record_of(&records, "b.wav");
    assert_eq!((&b["status"], &b["existing_output"]), (&"skipped".into(), &"not_ours".into()));
    assert!(b["output"].is_null(), "{b}");
    let notes = record_of(&records, "notes.mp3");
    assert_eq!((&notes["status"], &notes["stage"]), (&"failed".into(), &"probe".into()));

    // Other settings: ours, converted again; --force replaces the file promptwav did not make.
    let mut more = args.to_vec();
    more.extend([os("--loudness"), os("-16"), os("--force")]);
    let (_, text, _) = convert_text(&more);
    assert!(line_in(&text, "a.wav").starts_with("would convert again "), "{text}");
    assert!(line_in(&text, "b.wav").starts_with("would replace "), "{text}");
    let (_, records, _) = convert(&more);
    let a = record_of(&records, "a.wav");
    assert_eq!((&a["status"], &a["existing_output"]), (&"planned".into(), &"outdated".into()));
    let b = record_of(&records, "b.wav");
    assert_eq!((&b["status"], &b["existing_output"]), (&"planned".into(), &"not_ours".into()));
    // And nothing was written by any of these dry runs.
    assert_eq!(files_under(&out), ["in/a.wav", "in/b.wav"]);
    assert_eq!(fs::read(out.join("in/b.wav")).unwrap(), b"someone else's file");
}

fn line_in(text: &str, end: &str) -> String {
    text.lines()
        .find(|l| l.contains(end))
        .unwrap_or_else(|| panic!("no line for {end}: {text}"))
        .to_string()
}

#[test]
fn a_names_map_in_a_missing_folder_is_refused_before_anything_is_planned() {
    let dir = tempdir();
    let inp = cut_inputs(dir.path());
    let out = dir.path().join("out");
    let map = dir.path().join("missing/map.csv");
    for extra in [&[os("--dry-run")][..], &[]] {
        let mut args = vec![inp.as_os_str(), os("-o"), out.as_os_str(), os("--names-map")];
        args.push(map.as_os_str());
        args.extend(extra);
        let (code, stdout, stderr) = convert_text(&args);
        assert_eq!(code, Some(2), "a usage error: {stderr}");
        assert!(stdout.is_empty(), "nothing planned or reported: {stdout}");
        assert!(stderr.contains("does not exist"), "{stderr}");
        assert!(!out.exists());
    }
}
