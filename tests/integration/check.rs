//! `promptwav check`: every problem code on its fixture (fixtures/check, made by make.py, the
//! expected codes in expected.txt), exit codes, the three report formats, folders, read-only,
//! and that everything `convert` writes passes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use promptwav::check::{self, CheckOptions, Code, Severity, report};
use promptwav::profile::{CHANNELTALK, Profile};
use serde_json::Value;

use crate::util::*;

/// fixture (relative to fixtures/check) -> the codes it must report.
fn expected() -> BTreeMap<String, BTreeSet<String>> {
    let text = fs::read_to_string(fixture("check/expected.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, codes) = l.split_once('\t').unwrap_or((l, ""));
            (file.to_string(), codes.split_whitespace().map(str::to_string).collect())
        })
        .collect()
}

fn run_check(args: &[&str], paths: &[&Path]) -> (i32, Vec<u8>, String) {
    let out = promptwav().arg("check").args(args).args(paths).output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn codes_of(v: &Value) -> BTreeSet<String> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

fn severities_of(v: &Value) -> BTreeSet<String> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["severity"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_fixture_reports_its_codes_with_the_right_exit_code() {
    let expected = expected();
    assert!(expected.len() >= 30, "{} fixtures", expected.len());
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for (file, want) in &expected {
        let path = fixture(&format!("check/{file}"));
        // Files under profiles/NAME/ are checked against that profile.
        let profile = file.strip_prefix("profiles/").and_then(|rest| rest.split('/').next());
        let mut args = vec!["--json"];
        if let Some(name) = profile {
            args.extend(["--profile", name]);
        }
        let (code, stdout, stderr) = run_check(&args, &[&path]);
        let lines = json_lines(&stdout);
        assert_eq!(lines.len(), 1, "{file}: {stderr}");
        let got = codes_of(&lines[0]);
        assert_eq!(&got, want, "{file}: {}", lines[0]);
        covered.extend(got);

        let sev = severities_of(&lines[0]);
        let want_exit = if sev.contains("error") { 1 } else { 0 };
        assert_eq!(code, want_exit, "{file}: {}", lines[0]);
        assert_eq!(lines[0]["ok"], Value::Bool(want_exit == 0), "{file}");
        args.push("--strict");
        let (strict, _, _) = run_check(&args, &[&path]);
        let want_strict = if sev.contains("error") || sev.contains("warning") { 1 } else { 0 };
        assert_eq!(strict, want_strict, "{file} --strict");

        // Every problem carries a message and a one-line fix.
        for p in lines[0]["problems"].as_array().unwrap() {
            for key in ["message", "fix"] {
                let s = p[key].as_str().unwrap();
                assert!(!s.is_empty() && !s.contains('\n'), "{file}: {p}");
            }
        }
    }
    // Every code has a fixture, except those that need a profile with limits or a name longer
    // than this file system allows (covered by `profile_limits_and_severities` below), and the
    // manifest's (`check --manifest`: habits::a_manifest_reports_...).
    let untestable_here = ["unreadable", "duration", "file-size", "name-too-long"];
    for c in Code::ALL {
        if !untestable_here.contains(&c.as_str()) && !c.as_str().starts_with("manifest-") {
            assert!(covered.contains(c.as_str()), "no fixture shows {c}");
        }
    }
}

/// A fix that sends the user to `promptwav convert` names a file convert reads: on every
/// fixture, each file whose report has such a fix converts (with the same profile), and a file
/// the decoder refuses (12-bit samples under a plain PCM header) gets no such fix.
#[test]
fn every_convert_fix_names_a_file_convert_reads() {
    let dir = tempdir();
    let mut sent = 0;
    for (i, file) in expected().keys().enumerate() {
        let path = fixture(&format!("check/{file}"));
        let profile = file.strip_prefix("profiles/").and_then(|rest| rest.split('/').next());
        let mut args = vec!["--json"];
        args.extend(profile.iter().flat_map(|name| ["--profile", name]));
        let (_, stdout, _) = run_check(&args, &[&path]);
        let report = json_lines(&stdout).remove(0);
        let problems = report["problems"].as_array().unwrap();
        let says_convert =
            problems.iter().any(|p| p["fix"].as_str().unwrap().contains("`promptwav convert"));
        if file.starts_with("undecodable") {
            assert!(!says_convert, "{file}: {report}");
        }
        if !says_convert {
            continue;
        }
        sent += 1;
        let out = dir.path().join(i.to_string());
        let mut convert = promptwav();
        convert.arg("convert");
        if let Some(name) = profile {
            convert.args(["--profile", name]);
        }
        let res = convert.arg(&path).arg("-o").arg(&out).output().unwrap();
        assert_eq!(
            res.status.code(),
            Some(0),
            "{file}: check says {report}, convert says {}",
            String::from_utf8_lossy(&res.stderr)
        );
    }
    assert!(sent >= 15, "only {sent} fixtures get a convert fix");
}

#[test]
fn messages_say_what_the_file_is_and_how_to_fix_it() {
    let (code, stdout, _) = run_check(
        &[],
        &[
            &fixture("check/not-wav-mp3.wav"),
            &fixture("check/sample-rate.wav"),
            &fixture("check/names/안내 멘트.wav"),
            &fixture("check/ok.wav"),
        ],
    );
    assert_eq!(code, 1);
    let text = String::from_utf8(stdout).unwrap();
    assert!(text.contains("this is an MP3"), "{text}");
    assert!(text.contains("named .wav"), "{text}");
    let sample_rate = format!(
        "sample rate 44100 Hz, needs 48000 Hz: run `promptwav convert {} -o DIR`",
        fixture("check/sample-rate.wav").display()
    );
    assert!(text.contains(&sample_rate), "{text}");
    assert!(text.contains("rename it to annae_menteu.wav"), "{text}");
    let ok_line = text.lines().find(|l| l.contains("ok.wav")).unwrap();
    assert!(ok_line.starts_with("OK "), "{ok_line}");
    assert!(ok_line.contains("LUFS") && ok_line.contains("dBTP"), "{ok_line}");
    assert!(
        text.trim_end().ends_with("4 checked: 1 ok, 3 failed (4 errors, 0 warnings)"),
        "{text}"
    );
}

#[test]
fn json_reports_the_measured_facts() {
    let (code, stdout, _) = run_check(&["--format", "json"], &[&fixture("check/ok.wav")]);
    assert_eq!(code, 0);
    let v = &json_lines(&stdout)[0];
    assert_eq!(v["ok"], true);
    assert_eq!(v["input"], fixture("check/ok.wav").to_string_lossy().as_ref());
    assert_eq!(v["format"], "wav");
    assert_eq!(v["sample_rate_hz"], 48000);
    assert_eq!(v["channels"], 1);
    assert_eq!(v["bits_per_sample"], 16);
    assert_eq!(v["duration_s"], 0.5);
    // A 1 kHz sine at -20 dBFS peak: -23 LUFS (mono), -20 dBTP.
    let lufs = v["loudness_lufs"].as_f64().unwrap();
    assert!((lufs + 23.0).abs() < 0.3, "{lufs}");
    let peak = v["true_peak_dbtp"].as_f64().unwrap();
    assert!((peak + 20.0).abs() < 0.3, "{peak}");

    // Short audio: loudness is null (EBU R128 needs 0.4 s), the peak is still there.
    let (_, stdout, _) = run_check(&["--json"], &[&fixture("check/channels.wav")]);
    let v = &json_lines(&stdout)[0];
    assert!(v["loudness_lufs"].is_null() && v["true_peak_dbtp"].is_number(), "{v}");
}

/// Copies ok.wav under hostile names into a folder, for escaping tests.
fn hostile_names(dir: &Path) -> Vec<PathBuf> {
    let ok = fs::read(fixture("check/ok.wav")).unwrap();
    let mut paths = Vec::new();
    for name in ["a&b<c>\"quote'.wav", "ctrl\u{1}\u{1b}[2J.wav", "]]>cdata.wav"] {
        let p = dir.join(name);
        fs::write(&p, &ok).unwrap();
        paths.push(p);
    }
    paths
}

fn junit_counts(xml: &str) -> (usize, usize, usize, usize, usize) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root.children().find(|n| n.has_tag_name("testsuite")).unwrap();
    let attr = |n: roxmltree::Node, a: &str| -> usize { n.attribute(a).unwrap().parse().unwrap() };
    assert_eq!(attr(root, "failures"), attr(suite, "failures"));
    assert_eq!(attr(root, "tests"), attr(suite, "tests"));
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let failed = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).count();
    let skipped = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("skipped"))).count();
    (attr(suite, "tests"), cases.len(), attr(suite, "failures"), failed, skipped)
}

#[test]
fn junit_is_valid_xml_and_counts_failures() {
    let tmp = tempdir();
    let hostile = hostile_names(tmp.path());
    let dir = fixture("check");
    let mut inputs: Vec<&Path> = vec![&dir];
    inputs.extend(hostile.iter().map(PathBuf::as_path));

    let (_, json, _) = run_check(&["--json"], &inputs);
    let lines = json_lines(&json);
    let not_ok = lines.iter().filter(|v| v["ok"] == false).count();
    let warn_only =
        lines.iter().filter(|v| v["ok"] == true && severities_of(v).contains("warning")).count();
    let skipped = lines.iter().filter(|v| v.get("skipped").is_some()).count();
    assert!(not_ok > 20 && warn_only > 3 && skipped == 2, "{not_ok} {warn_only} {skipped}");

    for (args, want_failures) in [
        (vec!["--format", "junit"], not_ok),
        (vec!["--format", "junit", "--strict"], not_ok + warn_only),
    ] {
        let (code, xml, stderr) = run_check(&args, &inputs);
        assert_eq!(code, 1, "{stderr}");
        let xml = String::from_utf8(xml).unwrap();
        let (tests, cases, failures, failed_cases, skipped_cases) = junit_counts(&xml);
        assert_eq!(tests, lines.len());
        assert_eq!(cases, lines.len());
        assert_eq!(failures, want_failures, "{args:?}");
        assert_eq!(failed_cases, want_failures, "{args:?}");
        assert_eq!(skipped_cases, skipped);
        // The hostile names survive as text.
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert!(names.iter().any(|n| n.ends_with("a&b<c>\"quote'.wav")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with("ctrl\\u{1}\\u{1b}[2J.wav")), "{names:?}");
    }

    // All passing: no failure at all.
    let (code, xml, _) = run_check(&["--format", "junit"], &[&fixture("check/ok.wav")]);
    assert_eq!(code, 0);
    let (tests, _, failures, _, _) = junit_counts(&String::from_utf8(xml).unwrap());
    assert_eq!((tests, failures), (1, 0));
}

#[test]
fn text_output_escapes_control_characters() {
    let tmp = tempdir();
    hostile_names(tmp.path());
    let (code, stdout, _) = run_check(&[], &[tmp.path()]);
    assert_eq!(code, 1);
    let text = String::from_utf8(stdout).unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains('\u{1}'), "{text:?}");
    assert!(text.contains("ctrl\\u{1}\\u{1b}[2J.wav"), "{text}");
}

/// Every file's bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let m = fs::metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), (fs::read(&p).unwrap(), m.modified().unwrap()));
            }
        }
    }
    out
}

#[test]
fn check_never_modifies_a_file() {
    let tmp = tempdir();
    let copy = tmp.path().join("check");
    fs::create_dir_all(copy.join("names")).unwrap();
    for e in fs::read_dir(fixture("check")).unwrap().flatten() {
        if e.path().is_file() {
            fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
    }
    for e in fs::read_dir(fixture("check/names")).unwrap().flatten() {
        fs::copy(e.path(), copy.join("names").join(e.file_name())).unwrap();
    }
    let before = snapshot(&copy);
    let listing = |d: &Path| {
        let mut v: Vec<_> = fs::read_dir(d).unwrap().flatten().map(|e| e.file_name()).collect();
        v.sort();
        v
    };
    let names_before = listing(&copy);
    for args in [vec![], vec!["--json"], vec!["--format", "junit", "--strict"]] {
        run_check(&args, &[&copy]);
    }
    assert_eq!(snapshot(&copy), before);
    assert_eq!(listing(&copy), names_before, "no file appeared or vanished");
}

#[test]
fn folders_are_walked_like_convert() {
    let tmp = tempdir();
    let root = tmp.path().join("prompts");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(root.join(".git")).unwrap();
    let ok = fs::read(fixture("check/ok.wav")).unwrap();
    fs::write(root.join("sub/welcome.wav"), &ok).unwrap();
    fs::write(root.join("b.wav"), &ok).unwrap();
    fs::write(root.join(".hidden.wav"), &ok).unwrap();
    fs::write(root.join(".git/config.wav"), b"not even audio").unwrap();
    fs::write(root.join("notes.txt"), b"hello").unwrap();

    let (code, stdout, _) = run_check(&["--json"], &[&root]);
    assert_eq!(code, 0);
    let lines = json_lines(&stdout);
    let paths: Vec<String> = lines
        .iter()
        .map(|v| {
            Path::new(v["input"].as_str().unwrap())
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // Sorted, recursive; hidden files and documents are skipped, hidden folders not entered.
    assert_eq!(paths, [".hidden.wav", "b.wav", "notes.txt", "sub/welcome.wav"]);
    assert!(lines[0]["skipped"].is_string() && lines[2]["skipped"].is_string());
    assert!(lines[1].get("skipped").is_none());
}

#[test]
fn usage_errors_exit_2_and_missing_files_fail() {
    let ok = fixture("check/ok.wav");
    for args in
        [vec!["--profile", "nosuch"], vec!["--json", "--format", "junit"], vec!["--format", "yaml"]]
    {
        let (code, _, stderr) = run_check(&args, &[&ok]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    let (code, _, _) = run_check(&[], &[]);
    assert_eq!(code, 2, "no input");

    let (code, stdout, _) = run_check(&["--json"], &[Path::new("/no/such/prompt.wav")]);
    assert_eq!(code, 1);
    assert_eq!(codes_of(&json_lines(&stdout)[0]), BTreeSet::from(["unreadable".to_string()]));
}

#[test]
fn profile_limits_and_severities() {
    let ok = fixture("check/ok.wav");
    let codes = |profile: Profile, path: &Path| -> Vec<(Code, Severity)> {
        let opts = CheckOptions { profile, ..CheckOptions::default() };
        check::check_file(path, &opts).problems.iter().map(|p| (p.code, p.severity)).collect()
    };
    assert_eq!(codes(CHANNELTALK, &ok), vec![]);
    let limited = Profile {
        max_duration_s: Some(0.25),
        max_file_bytes: Some(1000),
        max_name_bytes: 5,
        ..CHANNELTALK
    };
    assert_eq!(
        codes(limited, &ok),
        vec![
            (Code::NameTooLong, Severity::Error),
            (Code::Duration, Severity::Error),
            (Code::FileSize, Severity::Error)
        ]
    );
    let min = Profile { min_duration_s: Some(1.0), ..CHANNELTALK };
    assert_eq!(codes(min, &ok), vec![(Code::Duration, Severity::Error)]);
    let strict_silence = Profile {
        severities: &[(Code::Silent, Severity::Error), (Code::ExtraChunk, Severity::Info)],
        ..CHANNELTALK
    };
    assert_eq!(
        codes(strict_silence.clone(), &fixture("check/silent.wav")),
        vec![(Code::Silent, Severity::Error)]
    );
    let r = check::check_file(
        &fixture("check/extra-chunk.wav"),
        &CheckOptions { profile: strict_silence, strict: true, jobs: 1, quick: false },
    );
    assert!(r.ok, "an info never fails, even with strict: {r:?}");
}

#[test]
fn no_input_makes_it_panic() {
    // Pseudo-random corruptions of every fixture, checked through the library: each gives a
    // report (run() turns a panic into an "internal error" report, so look for that too).
    let tmp = tempdir();
    let mut seeds: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seeds ^= seeds << 13;
        seeds ^= seeds >> 7;
        seeds ^= seeds << 17;
        seeds
    };
    let sources: Vec<Vec<u8>> = expected()
        .keys()
        .map(|f| fs::read(fixture(&format!("check/{f}"))).unwrap())
        .filter(|b| !b.is_empty())
        .collect();
    let mut n = 0;
    for (i, src) in sources.iter().enumerate() {
        for k in 0..12 {
            let mut b = src.clone();
            // Corrupt the header mostly, sometimes anywhere; sometimes cut.
            for _ in 0..(1 + next() % 6) {
                let span = if next() % 3 == 0 { b.len() } else { b.len().min(64) };
                let at = (next() as usize) % span;
                b[at] = next() as u8;
            }
            if k % 4 == 0 {
                let keep = (next() as usize) % b.len();
                b.truncate(keep);
            }
            fs::write(tmp.path().join(format!("f{i:02}-{k:02}.wav")), &b).unwrap();
            n += 1;
        }
    }
    let reports = check::run(&[tmp.path().to_path_buf()], &CheckOptions::default(), &mut |_| {});
    assert_eq!(reports.len(), n);
    for r in &reports {
        assert!(
            !r.problems.iter().any(|p| p.message.contains("internal error")),
            "{}: {:?}",
            r.input,
            r.problems
        );
        let _ = report::junit(std::slice::from_ref(r), "channeltalk", false);
    }
}

/// A WAV written by hound, as a source for `convert`.
fn write_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    bits: u16,
    float: bool,
    seconds: f64,
    amp: f64,
) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float { hound::SampleFormat::Float } else { hound::SampleFormat::Int },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let n = (seconds * f64::from(rate)) as usize;
    for i in 0..n {
        let v = amp * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / f64::from(rate)).sin();
        for _ in 0..channels {
            if float {
                w.write_sample(v as f32).unwrap();
            } else {
                let full = f64::from(1i32 << (bits - 1));
                let s = (v * full).round().clamp(-full, full - 1.0) as i32;
                w.write_sample(s).unwrap();
            }
        }
    }
    w.finalize().unwrap();
}

#[test]
fn everything_convert_writes_passes_check() {
    let tmp = tempdir();
    let src = tmp.path().join("sources");
    fs::create_dir_all(&src).unwrap();
    write_wav(&src.join("cd quality stereo.wav"), 44100, 2, 16, false, 0.6, 0.5);
    write_wav(&src.join("phone 8k.wav"), 8000, 1, 16, false, 0.5, 0.3);
    write_wav(&src.join("studio 96k 24bit.wav"), 96000, 2, 24, false, 0.3, 0.5);
    write_wav(&src.join("float 22k.wav"), 22050, 1, 32, true, 0.4, 0.9);
    write_wav(&src.join("too loud float.wav"), 48000, 1, 32, true, 0.3, 1.5);
    write_wav(&src.join("8bit 11k.wav"), 11025, 1, 8, false, 0.3, 0.5);
    write_wav(&src.join("CON.wav"), 48000, 1, 16, false, 0.2, 0.5);
    write_wav(&src.join("인사말 (최종).wav"), 32000, 1, 16, false, 0.2, 0.5);

    let out = tmp.path().join("out");
    // The generated sources and every committed fixture (the broken ones fail to convert,
    // which is fine: only what convert writes must pass).
    let status = promptwav()
        .args(["convert", "--json", "-o"])
        .arg(&out)
        .arg(&src)
        .arg(fixtures())
        .output()
        .unwrap();
    let records = json_lines(&status.stdout);
    let converted = records.iter().filter(|r| r["status"] == "converted").count();
    assert!(converted >= 20, "{converted} converted: {records:?}");

    let (code, stdout, stderr) = run_check(&["--json"], &[&out]);
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), converted, "{stderr}");
    for v in &lines {
        let errors: Vec<&Value> =
            v["problems"].as_array().unwrap().iter().filter(|p| p["severity"] == "error").collect();
        assert!(errors.is_empty(), "{}: {errors:?}", v["input"]);
        assert_eq!(v["sample_rate_hz"], 48000);
        assert_eq!(v["channels"], 1);
        assert_eq!(v["bits_per_sample"], 16);
        assert_eq!(v["format"], "wav");
    }
    assert_eq!(code, 0);
}

#[test]
fn readme_documents_every_code() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&report::codes_markdown()),
        "README's code table differs from `promptwav check --codes`"
    );
    let (code, stdout, _) = run_check(&["--codes"], &[]);
    assert_eq!(code, 0);
    assert_eq!(String::from_utf8(stdout).unwrap(), report::codes_markdown());
}

#[test]
fn pre_commit_hook_runs_check() {
    let hooks =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
            .unwrap();
    assert!(hooks.contains("entry: promptwav check"), "{hooks}");
    assert!(hooks.contains("language: rust"), "{hooks}");
}
