//! What an admin meets next (issue 12, second part): a names map Excel opens, Korean names from
//! Windows ZIPs, the right downmix by default, fixes with promptwav's own flags, one clipping
//! count, names only for files that convert, one report schema, Korean messages.

use std::fs;

use crate::util::*;

#[test]
fn a_csv_names_map_starts_with_a_bom_and_a_json_map_does_not() {
    let dir = tempdir();
    let input = dir.path().join("점심시간 안내.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    let csv = dir.path().join("map.csv");
    let json = dir.path().join("map.json");
    for map in [&csv, &json] {
        // Twice: the second run replaces the map it wrote (a map with a BOM is a names map).
        for _ in 0..2 {
            promptwav()
                .arg("convert")
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .arg("--names-map")
                .arg(map)
                .assert()
                .success();
        }
    }
    let bytes = fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFinput,output\n"), "{bytes:?}");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("jeomsimsigan_annae.wav"), "{text}");
    let bytes = fs::read(&json).unwrap();
    assert_eq!(bytes[0], b'[', "JSON stays plain UTF-8");
}

/// A file name from a ZIP made on Korean Windows: CP949 bytes, not UTF-8.
#[cfg(unix)]
#[test]
fn cp949_names_are_romanized_and_other_bytes_keep_the_fallback() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    // "영업시간 안내.wav" in CP949, and bytes that are neither UTF-8 nor Hangul in CP949.
    let cp949 =
        std::ffi::OsStr::from_bytes(b"\xbf\xb5\xbe\xf7\xbd\xc3\xb0\xa3 \xbe\xc8\xb3\xbb.wav");
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.wav");
    for name in [cp949, latin1] {
        write_wav(&inp.join(name), 8000, 1, &tone(8000, 0.05, 300.0));
    }
    let out = dir.path().join("out");
    promptwav().arg("convert").arg(&inp).arg("-o").arg(&out).assert().success();
    assert_eq!(files_under(&out), vec!["in/caf.wav", "in/yeongeopsigan_annae.wav"]);
    let res = promptwav().arg("name").arg(cp949).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&res.stdout), "yeongeopsigan_annae.wav\n");
}

/// NFC and NFD copies of one name look the same on screen: the NFD one is marked, in the
/// report and in the names map.
#[test]
fn an_nfd_name_is_marked_in_the_report_and_the_map() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let nfc = "안내.wav";
    let nfd = "\u{110b}\u{1161}\u{11ab}\u{1102}\u{1162}.wav";
    for name in [nfc, nfd] {
        write_wav(&inp.join(name), 8000, 1, &tone(8000, 0.05, 300.0));
    }
    let out = dir.path().join("out");
    let map = dir.path().join("map.csv");
    let res = promptwav()
        .arg("convert")
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .arg("--names-map")
        .arg(&map)
        .output()
        .unwrap();
    assert!(res.status.success());
    let text = String::from_utf8_lossy(&res.stdout);
    let marked: Vec<&str> = text.lines().filter(|l| l.contains("(NFD)")).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].contains(nfd), "{text}");
    let csv = fs::read_to_string(&map).unwrap();
    assert_eq!(csv.lines().filter(|l| l.contains("(NFD)")).count(), 1, "{csv}");
    // JSON keeps the exact path and says the form.
    let res = promptwav()
        .args(["convert", "--json", "--dry-run"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let records = json_lines(&res.stdout);
    let forms: Vec<&serde_json::Value> = records.iter().map(|r| &r["input_form"]).collect();
    assert!(forms.contains(&&serde_json::json!("NFD")), "{records:?}");
    assert!(records.iter().any(|r| r["input"].as_str().unwrap().ends_with(nfd)));
}

/// A recording on the left channel only (a USB interface): taken at full level by default,
/// averaged (6 dB quieter) only with --plain-downmix; `check` says so with the fix.
#[test]
fn a_left_only_recording_keeps_its_level_by_default() {
    let dir = tempdir();
    let input = dir.path().join("left.wav");
    let mono = tone(48000, 0.5, 440.0);
    let stereo: Vec<f32> = mono.iter().flat_map(|&s| [s, 0.0]).collect();
    write_wav(&input, 48000, 2, &stereo);
    let peak = |args: &[&str]| {
        let out = dir.path().join("out");
        let res = promptwav()
            .args(["convert", "--json", "--force"])
            .args(args)
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(res.status.success());
        let r = json_lines(&res.stdout).remove(0);
        let (_, got) = read_wav(&out.join("left.wav"));
        (got.iter().fold(0f32, |m, s| m.max(s.abs())), r["warnings"].to_string())
    };
    let (smart, why) = peak(&[]);
    assert!((smart - 0.5).abs() < 0.01, "{smart}");
    assert!(why.contains("silent right channel"), "{why}");
    let (alias, _) = peak(&["--smart-downmix"]);
    assert!((alias - 0.5).abs() < 0.01, "the old flag is accepted: {alias}");
    let (plain, why) = peak(&["--plain-downmix"]);
    assert!((plain - 0.25).abs() < 0.01, "{plain}");
    assert!(!why.contains("silent"), "{why}");

    let res = promptwav().args(["check", "--json"]).arg(&input).output().unwrap();
    let report = json_lines(&res.stdout).remove(0);
    let text = report.to_string();
    assert!(text.contains("stereo-downmix"), "{text}");
    assert!(text.contains("--plain-downmix"), "the fix names the flag to avoid: {text}");
}

/// `check`'s content fixes name promptwav's own flags, with the exact command on the file's
/// real path (shell-quoted); clipping's fix stays "record again".
#[test]
fn content_fixes_give_the_exact_convert_command() {
    let dir = tempdir();
    let folder = dir.path().join("my prompts");
    fs::create_dir(&folder).unwrap();
    let input = folder.join("it's late.wav");
    // 2 s of silence, a tone riding on a DC offset (5% over the file), 2 s of silence.
    let mut samples = vec![0.0f32; 16000];
    samples.extend(tone(8000, 1.0, 300.0).iter().map(|s| s * 0.5 + 0.25));
    samples.extend(vec![0.0f32; 16000]);
    write_wav(&input, 8000, 1, &samples);
    let res = promptwav().args(["check", "--json"]).arg(&input).output().unwrap();
    let report = json_lines(&res.stdout).remove(0);
    let fix = |code: &str| -> String {
        let problems = report["problems"].as_array().unwrap();
        let p = problems.iter().find(|p| p["code"] == code).unwrap_or_else(|| panic!("{report}"));
        p["fix"].as_str().unwrap().to_string()
    };
    let quoted = format!("'{}'", input.display().to_string().replace('\'', r"'\''"));
    let command = |flag: &str| format!("`promptwav convert {quoted} -o DIR {flag}`");
    assert!(fix("dc-offset").contains(&command("--remove-dc")), "{}", fix("dc-offset"));
    assert!(fix("leading-silence").contains(&command("--trim-silence")), "{report}");
    assert!(fix("trailing-silence").contains(&command("--trim-silence")), "{report}");
    for code in ["dc-offset", "leading-silence", "trailing-silence"] {
        assert!(!fix(code).contains("audio editor"), "{report}");
    }
    // The table (`check --codes`, the README) says the same.
    let res = promptwav().args(["check", "--codes"]).output().unwrap();
    let codes = String::from_utf8_lossy(&res.stdout);
    for (code, flag) in [
        ("dc-offset", "--remove-dc"),
        ("leading-silence", "--trim-silence"),
        ("trailing-silence", "--trim-silence"),
    ] {
        let line = codes.lines().find(|l| l.starts_with(&format!("| `{code}`"))).unwrap();
        assert!(line.contains(&format!("`promptwav convert FILE -o DIR {flag}`")), "{line}");
    }
    // With another profile, the command names it.
    let res = promptwav()
        .args(["check", "--json", "--profile", "asterisk"])
        .arg(&input)
        .output()
        .unwrap();
    let report = json_lines(&res.stdout).remove(0).to_string();
    assert!(report.contains("promptwav convert --profile asterisk "), "{report}");
    // A WAV convert refuses (cut off) gets no convert command for its content.
    let cut = folder.join("cut.wav");
    let bytes = fs::read(&input).unwrap();
    let mut header = bytes[..44].to_vec();
    header.extend_from_slice(&bytes[44..bytes.len() - 8000]);
    fs::write(&cut, header).unwrap();
    let res = promptwav().args(["check", "--json"]).arg(&cut).output().unwrap();
    let report = json_lines(&res.stdout).remove(0);
    let text = report.to_string();
    assert!(text.contains("truncated-data") && text.contains("leading-silence"), "{text}");
    assert!(!text.contains("promptwav convert"), "{text}");
}

/// A manifest's loudness fix is the exact command on the file, with the range's middle.
#[test]
fn manifest_loudness_fix_gives_the_exact_command() {
    let dir = tempdir();
    let input = dir.path().join("welcome.wav");
    write_wav(&input, 48000, 1, &tone(48000, 1.0, 440.0));
    let manifest = dir.path().join("prompts.toml");
    fs::write(&manifest, "[prompts.welcome]\nfile = \"welcome.wav\"\nloudness = [-20.0, -18.0]\n")
        .unwrap();
    let res = promptwav()
        .args(["check", "--json", "--manifest"])
        .arg(&manifest)
        .arg(&input)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&res.stdout);
    assert!(text.contains("manifest-loudness"), "{text}");
    let want = format!("`promptwav convert {} -o DIR --loudness -19`", input.display());
    assert!(text.contains(&want), "{want} in {text}");
}

/// One definition of clipping: runs of `clip_run` full-scale samples in the source, counted the
/// same by convert (its record, with or without finishing) and check.
#[test]
fn convert_and_check_count_the_same_clipping_in_the_source() {
    let dir = tempdir();
    let input = dir.path().join("hot.wav");
    // A stereo tone driven past full scale (flat tops), the right channel hotter than the left,
    // and a few single full-scale samples that are no run.
    let n = 48000;
    let mut samples = Vec::with_capacity(2 * n);
    for i in 0..n {
        let s = (2.0 * std::f64::consts::PI * 200.0 * i as f64 / 48000.0).sin() as f32;
        let left = if i % 5000 == 0 { 1.0 } else { s * 0.9 };
        samples.push(left);
        samples.push((s * 1.6).clamp(-1.0, 1.0));
    }
    write_wav(&input, 48000, 2, &samples);

    let res = promptwav().args(["check", "--json"]).arg(&input).output().unwrap();
    let report = json_lines(&res.stdout).remove(0);
    let problems = report["problems"].as_array().unwrap();
    let clipping = problems.iter().find(|p| p["code"] == "clipping").unwrap_or_else(|| {
        panic!("{report}");
    });
    let message = clipping["message"].as_str().unwrap().to_string();

    for args in [&[][..], &["--loudness", "-16"][..]] {
        let out = dir.path().join("out");
        let res = promptwav()
            .args(["convert", "--json", "--force"])
            .args(args)
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
        let r = json_lines(&res.stdout).remove(0);
        let (samples, runs) =
            (r["clipped_samples"].as_u64().unwrap(), r["clip_runs"].as_u64().unwrap());
        assert!(runs > 0 && samples >= 3 * runs, "{r}");
        assert!(
            message.contains(&format!("{runs} run(s) of 3+"))
                && message.contains(&format!("({samples} samples)")),
            "{args:?}: convert {runs} runs, {samples} samples; check: {message}"
        );
        let warnings = r["warnings"].to_string();
        assert!(
            warnings.contains(&format!("{samples} sample(s) clipped at full scale in the source"))
                && warnings.contains(&format!("{runs} run(s)")),
            "{args:?}: {warnings}"
        );
    }
}
