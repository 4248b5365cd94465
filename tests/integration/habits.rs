//! The habits of a mature CLI (issue 15): completions, a man page, input lists, shards.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::*;

#[test]
fn completion_scripts_parse_in_their_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let res = promptwav().args(["completions", shell]).output().unwrap();
        assert!(res.status.success(), "{shell}");
        let script = String::from_utf8(res.stdout).unwrap();
        assert!(script.contains("promptwav") && script.contains("convert"), "{shell}");
        assert!(script.contains("names-map"), "{shell}: flags are completed");
    }
    // bash parses its script (bash is on every machine this runs on).
    let res = promptwav().args(["completions", "bash"]).output().unwrap();
    let dir = tempdir();
    let path = dir.path().join("promptwav.bash");
    fs::write(&path, &res.stdout).unwrap();
    let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(status.success(), "bash -n rejected the completion script");
}

#[test]
fn the_man_page_is_roff_that_man_renders() {
    let res = promptwav().arg("man").output().unwrap();
    assert!(res.status.success());
    let page = String::from_utf8(res.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH promptwav"), "{page}");
    assert!(page.contains(".SH NAME") && page.contains("convert"));
    let sub = promptwav().args(["man", "convert"]).output().unwrap();
    let sub = String::from_utf8(sub.stdout).unwrap();
    assert!(sub.contains("promptwav\\-convert") && sub.contains("names\\-map"), "{sub}");
    assert_eq!(promptwav().args(["man", "nope"]).output().unwrap().status.code(), Some(2));
    // man renders it, where man is installed.
    if Command::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let dir = tempdir();
        let path = dir.path().join("promptwav.1");
        fs::write(&path, page).unwrap();
        let out = Command::new("man").arg("-l").arg(&path).env("MANPAGER", "cat").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("phone-system voice prompts"));
    }
}

/// Converts `args` with --json and returns the records.
fn run_json(
    args: &[&std::ffi::OsStr],
    stdin: Option<Vec<u8>>,
) -> (Option<i32>, Vec<serde_json::Value>) {
    let mut cmd = promptwav();
    cmd.args(args).arg("--json");
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let res = cmd.output().unwrap();
    (res.status.code(), json_lines(&res.stdout))
}

#[test]
fn inputs_come_from_a_list_file_newline_or_nul_separated() {
    let dir = tempdir();
    let a = dir.path().join("점심시간 안내.wav");
    let b = dir.path().join("two\nlines.wav");
    write_wav(&a, 8000, 1, &tone(8000, 0.05, 300.0));
    write_wav(&b, 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    // NUL-separated from stdin: a name with a newline in it survives.
    let mut list = Vec::new();
    for p in [&a, &b] {
        list.extend_from_slice(p.as_os_str().as_encoded_bytes());
        list.push(0);
    }
    let os = std::ffi::OsStr::new;
    let (code, records) = run_json(
        &[os("convert"), os("--files-from"), os("-"), os("-0"), os("-o"), out.as_os_str()],
        Some(list),
    );
    assert_eq!(code, Some(0));
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["status"] == "converted"), "{records:?}");
    // Newline-separated from a file, in check too.
    let listfile = dir.path().join("list.txt");
    fs::write(&listfile, format!("{}\n", out.join("jeomsimsigan_annae.wav").display())).unwrap();
    let res = promptwav().arg("check").arg("--files-from").arg(&listfile).output().unwrap();
    assert_eq!(res.status.code(), Some(0), "{}", String::from_utf8_lossy(&res.stdout));
    assert!(String::from_utf8_lossy(&res.stdout).contains("1 checked"));
}

#[test]
fn shards_together_write_exactly_what_one_run_writes() {
    let dir = tempdir();
    // Colliding names across shards: numbering must not depend on the shard.
    let inp = dir.path().join("in");
    fs::create_dir_all(inp.join("sub")).unwrap();
    for (i, name) in
        ["안내.wav", "안내.mp3", "annae.wav", "Annae.WAV", "sub/x.wav", "y.wav", "z.wav"]
            .iter()
            .enumerate()
    {
        write_wav(&inp.join(name), 8000, 1, &tone(8000, 0.05 + 0.01 * i as f64, 300.0));
    }
    let all = [inp.as_path(), &fixture("formats"), &fixture("prompts")];
    let mut args: Vec<&std::ffi::OsStr> = vec!["convert".as_ref()];
    args.extend(all.iter().map(|p| p.as_os_str()));
    let whole = dir.path().join("whole");
    let mut one = args.clone();
    one.extend(["-o".as_ref(), whole.as_os_str()]);
    let (_, whole_records) = run_json(&one, None);
    let shards = dir.path().join("shards");
    let mut counted = 0;
    for k in 1..=3 {
        let spec = format!("{k}/3");
        let mut cmd = args.clone();
        cmd.extend(["-o".as_ref(), shards.as_os_str(), "--shard".as_ref(), spec.as_ref()]);
        let (_, records) = run_json(&cmd, None);
        counted += records.len();
    }
    assert_eq!(counted, whole_records.len(), "every input is in exactly one shard");
    let files = files_under(&whole);
    assert!(files.len() > 40, "{files:?}");
    assert_eq!(files, files_under(&shards), "the same names");
    for f in &files {
        assert_eq!(fs::read(whole.join(f)).unwrap(), fs::read(shards.join(f)).unwrap(), "{f}");
    }
    assert!(files.iter().any(|f| f.ends_with("annae-2.wav")));
    // Bad specs are usage errors.
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let res = promptwav()
            .args(["convert", "--shard", bad, "-o"])
            .arg(dir.path().join("o"))
            .arg(Path::new(&inp))
            .output()
            .unwrap();
        assert_eq!(res.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn stdin_to_stdout_writes_exactly_the_file_convert_writes() {
    let dir = tempdir();
    let mut fixtures: Vec<_> =
        fs::read_dir(fixture("formats")).unwrap().map(|e| e.unwrap().path()).collect();
    fixtures.sort();
    assert!(fixtures.len() > 30);
    for (i, input) in fixtures.iter().enumerate() {
        let out = dir.path().join(format!("o{i}"));
        let file_run = promptwav().arg("convert").arg(input).arg("-o").arg(&out).output().unwrap();
        let bytes = fs::read(input).unwrap();
        let piped = promptwav()
            .args(["convert", "-", "-o", "-"])
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        let shown = input.display();
        assert_eq!(piped.status.code(), file_run.status.code(), "{shown}");
        let written = files_under(&out);
        if file_run.status.success() {
            assert_eq!(written.len(), 1, "{shown}");
            let expected = fs::read(out.join(&written[0])).unwrap();
            assert!(piped.stdout == expected, "{shown}: stdout differs from the file");
        } else {
            assert!(piped.stdout.is_empty(), "{shown}");
        }
        // --stdout with a file input, too (one fixture is enough).
        if i == 0 {
            let res = promptwav().arg("convert").arg(input).arg("--stdout").output().unwrap();
            assert_eq!(res.status.code(), file_run.status.code());
            assert!(res.stdout == fs::read(out.join(&written[0])).unwrap());
        }
    }
    // --name names it; --json's record goes to stderr; the temporary folder does not stay.
    let tmp = dir.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    let res = promptwav()
        .args(["convert", "-", "--stdout", "--json", "--name", "인사말.mp3"])
        .env("TMPDIR", &tmp)
        .write_stdin(fs::read(fixture("formats/mp3_cbr128_44100_stereo.mp3")).unwrap())
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(0));
    assert_eq!(&res.stdout[..4], b"RIFF");
    let record = &json_lines(&res.stderr)[0];
    assert_eq!(record["input"], "인사말.mp3");
    assert_eq!(record["output"], "-");
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0, "temporary files left");
    // Input `-` into a folder: named after --name.
    let res = promptwav()
        .args(["convert", "-", "--name", "인사말.mp3", "-o"])
        .arg(dir.path().join("named"))
        .write_stdin(fs::read(fixture("formats/mp3_cbr128_44100_stereo.mp3")).unwrap())
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(0));
    assert_eq!(files_under(&dir.path().join("named")), ["insamal.wav"]);
    // Not audio: exit 1, nothing on stdout, the reason on stderr, no temporary files.
    let res = promptwav()
        .args(["convert", "-", "-o", "-"])
        .env("TMPDIR", &tmp)
        .write_stdin(b"hello, not audio".to_vec())
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(res.stdout.is_empty());
    assert!(String::from_utf8_lossy(&res.stderr).contains("failed"));
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0, "temporary files left");
    // Usage errors: `-` with another input, or --stdout with a folder.
    let two = promptwav().args(["convert", "-", "x.wav", "-o", "-"]).output().unwrap();
    assert_eq!(two.status.code(), Some(2));
    let folder = promptwav().arg("convert").arg(fixture("formats")).arg("--stdout").output();
    assert_eq!(folder.unwrap().status.code(), Some(2));
    // No folder named `-` was created.
    assert!(!Path::new("-").exists());
}

#[test]
fn quiet_verbose_and_colour() {
    let dir = tempdir();
    let good = fixture("formats/mp3_cbr128_44100_stereo.mp3");
    let bad = fixture("broken/text.mp3");
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = promptwav();
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = dir.path().join(format!("o{}", extra.join("").len()));
        let res = cmd.arg("convert").arg(&good).arg(&bad).arg("-o").arg(&out).args(extra).output();
        let res = res.unwrap();
        (res.status.code(), String::from_utf8(res.stdout).unwrap())
    };
    // Normal: both lines and the summary, no colour into a pipe.
    let (code, text) = run(&["--force"], &[]);
    assert_eq!(code, Some(1));
    assert!(text.contains("converted ") && text.contains("failed ") && text.contains("1 failed"));
    assert!(!text.contains('\u{1b}'), "{text}");
    // Quiet: only the failure.
    let (code, text) = run(&["-q"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("failed ") && text.contains("text.mp3"), "{text}");
    // Verbose: the decoder, rates and timings.
    let (_, text) = run(&["--verbose", "--force"], &[]);
    assert!(
        text.contains("decoder: mp3") && text.contains("44100 Hz stereo -> 48000 Hz"),
        "{text}"
    );
    assert!(text.contains("into the run") && text.contains("real time"), "{text}");
    // Colour: --color always, CLICOLOR_FORCE; NO_COLOR wins over auto; --color never.
    let (_, text) = run(&["--color", "always", "-f"], &[("NO_COLOR", "1")]);
    assert!(text.contains("\u{1b}[") && text.contains("converted\u{1b}[0m"), "{text}");
    let (_, text) = run(&["--color=auto", "-f"], &[("CLICOLOR_FORCE", "1")]);
    assert!(text.contains("\u{1b}["), "{text}");
    let (_, text) = run(&["--color=auto", "-f"], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!text.contains('\u{1b}'), "{text}");
    let (_, text) = run(&["--color=never", "-f"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!text.contains('\u{1b}'), "{text}");
    // check: statuses coloured; quiet prints only failing files, no summary.
    let out = dir.path().join("o7");
    let res = promptwav().args(["check", "--color", "always"]).arg(&out).output().unwrap();
    let text = String::from_utf8(res.stdout).unwrap();
    assert!(text.contains("OK\u{1b}[0m"), "{text}");
    let res = promptwav().args(["check", "-q"]).arg(&out).output().unwrap();
    assert_eq!(res.status.code(), Some(0));
    assert!(res.stdout.is_empty());
    let res = promptwav().args(["check", "-v"]).arg(&out).output().unwrap();
    assert!(String::from_utf8_lossy(&res.stdout).contains("checked in "));
    // -q and -v together are a usage error.
    assert_eq!(
        promptwav().args(["check", "-q", "-v", "x"]).output().unwrap().status.code(),
        Some(2)
    );
}

#[test]
fn a_config_file_found_upward_sets_defaults_that_flags_override() {
    let dir = tempdir();
    let root = dir.path().join("repo");
    let deep = root.join("prompts/ko");
    fs::create_dir_all(&deep).unwrap();
    let input = deep.join("a.wav");
    write_wav(&input, 48000, 1, &tone(48000, 0.5, 300.0));
    fs::write(
        root.join("promptwav.toml"),
        "profile = \"asterisk-wav16\"\n[finish]\nloudness = -19.0\n[check]\nstrict = true\n",
    )
    .unwrap();
    let convert = |extra: &[&str]| {
        let out = dir.path().join(format!("out{}", extra.join("_").replace(['-', '/'], "")));
        let res = promptwav()
            .current_dir(&deep)
            .args(extra)
            .arg("convert")
            .arg("a.wav")
            .arg("-o")
            .arg(&out)
            .arg("--json")
            .output()
            .unwrap();
        assert_eq!(res.status.code(), Some(0), "{}", String::from_utf8_lossy(&res.stderr));
        json_lines(&res.stdout).remove(0)
    };
    // From the file (two folders up): the profile (.wav16, 16 kHz) and the loudness.
    let r = convert(&[]);
    assert!(r["output"].as_str().unwrap().ends_with("a.wav16"), "{r}");
    assert!((r["output_loudness_lufs"].as_f64().unwrap() + 19.0).abs() < 0.5, "{r}");
    // Flags win; --no-config ignores the file; --config names another.
    let r = convert(&["--no-config"]);
    assert!(
        r["output"].as_str().unwrap().ends_with("a.wav") && r["output_loudness_lufs"].is_null()
    );
    let other = dir.path().join("other.toml");
    fs::write(&other, "profile = \"teams\"\n").unwrap();
    let r = convert(&["--config", other.to_str().unwrap()]);
    assert!(
        r["output"].as_str().unwrap().ends_with("a.wav") && r["output_loudness_lufs"].is_null()
    );
    let res = promptwav()
        .current_dir(&deep)
        .args(["convert", "a.wav", "--profile", "channeltalk", "--loudness", "-23", "--json", "-o"])
        .arg(dir.path().join("flags"))
        .output()
        .unwrap();
    let r = &json_lines(&res.stdout)[0];
    assert!(r["output"].as_str().unwrap().ends_with("a.wav"), "{r}");
    assert!((r["output_loudness_lufs"].as_f64().unwrap() + 23.0).abs() < 0.5, "{r}");
    // `promptwav config` says each setting and where it came from.
    let res = promptwav().current_dir(&deep).args(["config", "--strict"]).output().unwrap();
    let text = String::from_utf8(res.stdout).unwrap();
    let file = root.join("promptwav.toml").display().to_string();
    let line = |key: &str| text.lines().find(|l| l.starts_with(key)).unwrap().to_string();
    assert!(line("profile ").contains("asterisk-wav16") && line("profile ").ends_with(&file));
    assert!(line("finish.loudness ").contains("-19") && line("finish.loudness ").ends_with(&file));
    assert!(line("finish.fade ").ends_with("# default"), "{text}");
    assert!(line("check.strict ").ends_with("# flag"), "{text}");
    // An unknown key is an error naming it; so is an unknown profile.
    fs::write(root.join("promptwav.toml"), "[finish]\nlodness = -19\n").unwrap();
    let res = promptwav().current_dir(&deep).args(["check", "a.wav"]).output().unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("lodness"));
    fs::write(root.join("promptwav.toml"), "profile = \"nope\"\n").unwrap();
    let res = promptwav().current_dir(&deep).args(["config"]).output().unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("unknown profile 'nope'"));
}

#[test]
fn a_manifest_reports_missing_unexpected_and_out_of_limit_prompts_in_every_format() {
    let dir = tempdir();
    let set = dir.path().join("prompts");
    fs::create_dir_all(set.join("queue")).unwrap();
    write_wav(&set.join("greeting.wav"), 48000, 1, &tone(48000, 2.0, 300.0));
    write_wav(&set.join("after_hours.wav"), 48000, 1, &tone(48000, 3.0, 300.0));
    write_wav(&set.join("queue/music.wav"), 48000, 1, &tone(48000, 1.0, 300.0));
    write_wav(&set.join("old_greeting.wav"), 48000, 1, &tone(48000, 1.0, 300.0));
    let manifest = dir.path().join("prompts.toml");
    fs::write(
        &manifest,
        r#"
[prompts.greeting]
file = "greeting.wav"
max-duration = 30.0
loudness = [-24.0, -16.0]

[prompts.after-hours]
file = "after_hours.wav"
max-duration = 2.5

[prompts.holiday]
file = "holiday.wav"

[prompts.christmas]
file = "christmas.wav"
required = false

[prompts.queue-music]
file = "queue/music.wav"
required = false
"#,
    )
    .unwrap();
    let run = |format: &str| {
        let res = promptwav()
            .arg("--no-config")
            .args(["check", "--format", format, "--manifest"])
            .arg(&manifest)
            .arg(&set)
            .output()
            .unwrap();
        (res.status.code(), String::from_utf8(res.stdout).unwrap())
    };
    let (code, json) = run("json");
    assert_eq!(code, Some(1));
    let reports = json_lines(json.as_bytes());
    let codes_of = |suffix: &str| -> Vec<String> {
        let r = reports.iter().find(|r| r["input"].as_str().unwrap().ends_with(suffix)).unwrap();
        r["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().into())
            .collect()
    };
    // A tone at -6 dBFS is far louder than -16 LUFS.
    assert!(codes_of("/greeting.wav").contains(&"manifest-loudness".into()));
    assert!(codes_of("after_hours.wav").contains(&"manifest-duration".into()));
    assert_eq!(codes_of("holiday.wav"), ["manifest-missing"]);
    assert!(codes_of("old_greeting.wav").contains(&"manifest-unexpected".into()));
    assert!(!codes_of("queue/music.wav").iter().any(|c| c.starts_with("manifest")));
    assert!(!json.contains("christmas"), "an optional prompt may be missing");
    let (_, text) = run("text");
    assert!(text.contains("FAIL  holiday.wav") && text.contains("manifest-missing"), "{text}");
    assert!(text.contains("manifest-unexpected"));
    let (_, junit) = run("junit");
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("holiday.wav"))
        .unwrap();
    assert!(case.children().any(|c| c.has_tag_name("failure")));
    assert!(junit.contains("manifest-duration") && junit.contains("manifest-unexpected"));
    // An unknown key in the manifest is an error naming it.
    fs::write(&manifest, "[prompts.a]\nfile = \"a.wav\"\nmax-durration = 3\n").unwrap();
    let (code, _) = run("text");
    assert_eq!(code, Some(2));
}

#[test]
fn check_shards_together_check_every_file_once_as_convert_shards_do() {
    let dir = tempdir();
    let inputs = [fixture("check"), fixture("prompts"), fixture("formats")];
    let check = |shard: Option<&str>| {
        let mut cmd = promptwav();
        cmd.args(["--no-config", "check", "--json"]).args(&inputs);
        if let Some(s) = shard {
            cmd.args(["--shard", s]);
        }
        let mut lines: Vec<String> =
            json_lines(&cmd.output().unwrap().stdout).iter().map(|v| v.to_string()).collect();
        lines.sort();
        lines
    };
    let whole = check(None);
    assert!(whole.len() > 40);
    let mut union: Vec<String> = (1..=3).flat_map(|k| check(Some(&format!("{k}/3")))).collect();
    union.sort();
    assert_eq!(union, whole, "the shards' reports together are the unsharded run's");
    // The same split as convert's.
    let paths = |records: Vec<serde_json::Value>, key: &str| {
        let mut p: Vec<String> =
            records.iter().map(|r| r[key].as_str().unwrap().to_string()).collect();
        p.sort();
        p
    };
    let res = promptwav()
        .args(["--no-config", "check", "--json", "--shard", "2/3"])
        .arg(fixture("check"))
        .output()
        .unwrap();
    let checked = paths(json_lines(&res.stdout), "input");
    let res = promptwav()
        .args(["--no-config", "convert", "--json", "--dry-run", "--shard", "2/3", "-o"])
        .arg(dir.path().join("o"))
        .arg(fixture("check"))
        .output()
        .unwrap();
    assert_eq!(checked, paths(json_lines(&res.stdout), "input"));
    assert!(!checked.is_empty());
}

#[test]
fn check_quick_reads_headers_only_and_finds_the_same_header_problems() {
    let content_codes = [
        "silent",
        "clipping",
        "dc-offset",
        "leading-silence",
        "trailing-silence",
        "loudness",
        "true-peak",
        "undecodable",
        "stereo-downmix",
    ];
    let codes_of = |v: &serde_json::Value| -> Vec<String> {
        let mut c: Vec<String> = v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_string())
            .filter(|c| !content_codes.contains(&c.as_str()))
            .collect();
        c.sort();
        c
    };
    let full = promptwav().args(["check", "--json"]).arg(fixture("check")).output().unwrap();
    let quick =
        promptwav().args(["check", "--json", "--quick"]).arg(fixture("check")).output().unwrap();
    let (full, quick) = (json_lines(&full.stdout), json_lines(&quick.stdout));
    assert_eq!(full.len(), quick.len());
    assert!(full.len() > 25);
    for (f, q) in full.iter().zip(&quick) {
        assert_eq!(f["input"], q["input"]);
        assert_eq!(codes_of(f), codes_of(q), "{}", f["input"]);
        // Nothing of the content is looked at.
        let q_all: Vec<&str> =
            q["problems"].as_array().unwrap().iter().filter_map(|p| p["code"].as_str()).collect();
        for c in ["clipping", "dc-offset", "leading-silence", "silent"] {
            assert!(!q_all.contains(&c), "{}: {c} in quick mode", q["input"]);
        }
    }
    // The header's duration still meets the profile's limits.
    let dir = tempdir();
    let long = dir.path().join("long.wav");
    write_wav(&long, 8000, 1, &vec![0.1; 8000 * 301]);
    let res = promptwav()
        .args(["check", "--json", "--quick", "--profile", "amazon-connect"])
        .arg(&long)
        .output()
        .unwrap();
    let r = &json_lines(&res.stdout)[0];
    assert!(r["problems"].as_array().unwrap().iter().any(|p| p["code"] == "duration"), "{r}");
}

/// A run that writes nothing leaves no output folder it created behind: every file failing
/// into a new folder leaves no folder; an existing folder stays, empty or not.
#[test]
fn a_run_that_writes_nothing_leaves_no_new_output_folder() {
    let dir = tempdir();
    let convert = |inputs: &[&str], out: &Path| {
        let mut cmd = promptwav();
        cmd.arg("convert").args(inputs.iter().map(|f| fixture(f))).arg("-o").arg(out);
        cmd.output().unwrap().status.code()
    };
    let new = dir.path().join("new");
    assert_eq!(convert(&["broken/text.mp3", "broken/empty.mp3"], &new), Some(1));
    assert!(!new.exists());
    let existing = dir.path().join("existing");
    fs::create_dir(&existing).unwrap();
    assert_eq!(convert(&["broken/text.mp3"], &existing), Some(1));
    assert!(existing.is_dir());
    // One file converted among failures: the new folder holds it.
    assert_eq!(convert(&["broken/text.mp3", "check/ok.wav"], &new), Some(1));
    assert!(new.join("ok.wav").is_file());
}
