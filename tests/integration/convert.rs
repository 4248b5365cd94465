//! `promptwav convert`.

use std::fs;

use crate::util::*;

fn convert(args: &[&std::ffi::OsStr]) -> std::process::Output {
    promptwav().arg("convert").args(args).output().unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn help_documents_exit_codes() {
    let out = promptwav().args(["convert", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("Exit codes"), "{text}");
    for code in ["0 ", "1 ", "2 "] {
        assert!(text.contains(code), "{text}");
    }
}

#[test]
fn stereo_44k_becomes_plain_mono_48k_of_exact_length() {
    let dir = tempdir();
    let input = dir.path().join("in.wav");
    let left = tone(44100, 0.5, 440.0);
    let stereo: Vec<f32> = left.iter().flat_map(|&s| [s, s]).collect();
    write_wav(&input, 44100, 2, &stereo);
    let out = dir.path().join("out");
    let res = convert(&[input.as_os_str(), os("-o"), out.as_os_str()]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let bytes = fs::read(out.join("in.wav")).unwrap();
    assert_plain_header(&bytes, 48000);
    // ceil(22050 * 48000 / 44100) = 24000
    assert_eq!((bytes.len() - 44) / 2, 24000);
    let (spec, samples) = read_wav(&out.join("in.wav"));
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, 48000, 16));
    // Same tone, same level: compare with the ideal 440 Hz at 48 kHz away from the edges.
    let ideal = tone(48000, 0.5, 440.0);
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    for i in 2400..21600 {
        sig += f64::from(ideal[i]).powi(2);
        err += f64::from(samples[i] - ideal[i]).powi(2);
    }
    let snr = 10.0 * (sig / err).log10();
    assert!(snr > 70.0, "SNR {snr:.1} dB");
}

/// Where a short pulse peaks, in seconds, with parabolic interpolation.
fn pulse_time(samples: &[f32], rate: u32) -> f64 {
    let (i, _) = samples
        .iter()
        .enumerate()
        .fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
    let (a, b, c) = (f64::from(samples[i - 1]), f64::from(samples[i]), f64::from(samples[i + 1]));
    (i as f64 + 0.5 * (a - c) / (a - 2.0 * b + c)) / f64::from(rate)
}

#[test]
fn an_impulse_stays_at_its_time_for_every_rate() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let rates = [8000u32, 11025, 16000, 22050, 37800, 44100, 47999, 48000, 96000];
    let mut args = vec![];
    for rate in rates {
        // A raised-cosine pulse, 2 ms wide, peaking at 0.25 s.
        let n = rate as usize / 2;
        let centre = 0.25 * f64::from(rate);
        let half = f64::from(rate) / 1000.0;
        let samples: Vec<f32> = (0..n)
            .map(|i| {
                let x = (i as f64 - centre) / half;
                if x.abs() < 1.0 {
                    (0.8 * (0.5 + 0.5 * (std::f64::consts::PI * x).cos())) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let path = dir.path().join(format!("pulse_{rate}.wav"));
        write_wav(&path, rate, 1, &samples);
        args.push(path.into_os_string());
    }
    let res = promptwav().arg("convert").args(&args).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stdout));
    for rate in rates {
        let (_, samples) = read_wav(&out.join(format!("pulse_{rate}.wav")));
        assert_eq!(
            samples.len() as u64,
            (u64::from(rate) / 2 * 48000).div_ceil(u64::from(rate)),
            "{rate}"
        );
        let t = pulse_time(&samples, 48000);
        // 16-bit rounding of the input limits the precision; a tenth of an output sample.
        assert!(
            (t - 0.25).abs() < 0.1 / 48000.0,
            "{rate} Hz: pulse at {:.3} samples off",
            (t - 0.25) * 48000.0
        );
    }
}

#[test]
fn same_input_gives_same_bytes() {
    let dir = tempdir();
    let input = dir.path().join("noise.wav");
    // Content that needs dither: a tone at 22.05 kHz, resampled.
    write_wav(&input, 22050, 1, &tone(22050, 0.3, 1000.0));
    for o in ["a", "b"] {
        let res = convert(&[input.as_os_str(), os("-o"), dir.path().join(o).as_os_str()]);
        assert!(res.status.success());
    }
    let a = fs::read(dir.path().join("a/noise.wav")).unwrap();
    let b = fs::read(dir.path().join("b/noise.wav")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_16bit_48k_mono_file_passes_through_bit_exact() {
    let dir = tempdir();
    let input = dir.path().join("exact.wav");
    write_wav(&input, 48000, 1, &tone(48000, 0.2, 300.0));
    let out = dir.path().join("out");
    assert!(convert(&[input.as_os_str(), os("-o"), out.as_os_str()]).status.success());
    assert_eq!(read_wav(&input).1, read_wav(&out.join("exact.wav")).1);
}

#[test]
fn bad_files_fail_with_reasons_and_the_rest_converts() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    fs::write(inp.join("empty.mp3"), b"").unwrap();
    fs::write(inp.join("text.mp3"), "Hello, this is not audio at all.\n".repeat(50)).unwrap();
    let mut x = 0x1234_5678u32;
    let random: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    fs::write(inp.join("random.wav"), &random).unwrap();
    write_wav(&inp.join("good.wav"), 16000, 1, &tone(16000, 0.2, 500.0));
    // A WAV cut short: its header promises more than there is.
    let mut cut = fs::read(inp.join("good.wav")).unwrap();
    cut.truncate(cut.len() / 2);
    fs::write(inp.join("truncated.wav"), &cut).unwrap();
    let before: Vec<u64> = files_under(&inp).iter().map(|f| digest(&inp.join(f))).collect();

    let out = dir.path().join("out");
    let res =
        promptwav().args(["convert", "--json"]).arg(&inp).arg("-o").arg(&out).output().unwrap();
    assert_eq!(res.status.code(), Some(1));
    let records = json_lines(&res.stdout);
    let by_name = |n: &str| {
        records
            .iter()
            .find(|r| r["input"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("no record for {n}"))
    };
    for (name, reason) in [
        ("empty.mp3", "empty file"),
        ("text.mp3", "not an audio file (text)"),
        ("random.wav", "not an audio file"),
        ("truncated.wav", "truncated WAV"),
    ] {
        let r = by_name(name);
        assert_eq!(r["status"], "failed", "{r}");
        assert!(r["output"].is_null());
        assert!(r["error"].as_str().unwrap().contains(reason), "{name}: {}", r["error"]);
    }
    assert_eq!(by_name("good.wav")["status"], "converted");
    // Only the good file was written, and nothing else is left in the output.
    assert_eq!(files_under(&out), vec!["in/good.wav"]);
    let after: Vec<u64> = files_under(&inp).iter().map(|f| digest(&inp.join(f))).collect();
    assert_eq!(before, after, "inputs were modified");
}

#[test]
fn json_records_have_the_documented_fields_in_input_order() {
    let dir = tempdir();
    let mut inputs = Vec::new();
    for i in 0..12 {
        let p = dir.path().join(format!("f{i:02}.wav"));
        write_wav(
            &p,
            if i % 2 == 0 { 44100 } else { 8000 },
            1,
            &tone(8000, 0.05 * f64::from(i + 1), 300.0),
        );
        inputs.push(p.into_os_string());
    }
    let res = promptwav()
        .args(["convert", "--json", "--jobs", "3", "-o"])
        .arg(dir.path().join("out"))
        .args(&inputs)
        .output()
        .unwrap();
    assert!(res.status.success());
    let records = json_lines(&res.stdout);
    assert_eq!(records.len(), 12);
    for (i, r) in records.iter().enumerate() {
        assert!(r["input"].as_str().unwrap().ends_with(&format!("f{i:02}.wav")), "order: {r}");
        for key in [
            "schema",
            "input",
            "output",
            "status",
            "error",
            "format",
            "codec",
            "sample_rate_hz",
            "channels",
            "duration_s",
            "clipped_samples",
            "output_sample_rate_hz",
            "output_duration_s",
            "warnings",
        ] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        assert_eq!(r["status"], "converted");
        assert_eq!(r["format"], "wav");
        assert_eq!(r["codec"], "pcm_s16le");
    }
}

#[test]
fn existing_outputs_are_kept_unless_forced() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.1, 300.0));
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("a.wav"), b"precious").unwrap();
    let res = convert(&[input.as_os_str(), os("-o"), out.as_os_str(), os("--json")]);
    assert!(res.status.success(), "skipped is not a failure");
    let r = &json_lines(&res.stdout)[0];
    assert_eq!(r["status"], "skipped");
    assert!(r["error"].as_str().unwrap().contains("--force"));
    assert_eq!(fs::read(out.join("a.wav")).unwrap(), b"precious");

    let res = convert(&[input.as_os_str(), os("-o"), out.as_os_str(), os("--force")]);
    assert!(res.status.success());
    assert_plain_header(&fs::read(out.join("a.wav")).unwrap(), 48000);
}

#[test]
fn dry_run_plans_and_writes_nothing() {
    let dir = tempdir();
    let input = dir.path().join("Hello World.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.1, 300.0));
    let out = dir.path().join("out");
    let res = convert(&[input.as_os_str(), os("-o"), out.as_os_str(), os("--dry-run")]);
    assert!(res.status.success());
    let text = String::from_utf8_lossy(&res.stdout);
    assert!(text.contains("Hello_World.wav"), "{text}");
    assert!(!out.exists(), "dry run created the output folder");
}

#[test]
fn folders_keep_their_structure_and_skip_what_is_not_audio() {
    let dir = tempdir();
    let root = dir.path().join("prompts");
    fs::create_dir_all(root.join("after hours")).unwrap();
    fs::create_dir_all(root.join(".git")).unwrap();
    write_wav(&root.join("greeting.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    write_wav(&root.join("after hours/greeting.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    write_wav(&root.join(".git/x.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    write_wav(&root.join(".hidden.wav"), 8000, 1, &tone(8000, 0.1, 300.0));
    fs::write(root.join("notes.txt"), "call script").unwrap();
    fs::write(root.join("cover.jpg"), [0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
    // The output folder inside the input folder is not walked.
    let out = root.join("out");
    let res =
        promptwav().args(["convert", "--json"]).arg(&root).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stdout));
    assert_eq!(files_under(&out), vec!["prompts/after_hours/greeting.wav", "prompts/greeting.wav"]);
    let records = json_lines(&res.stdout);
    let skipped: Vec<&str> = records
        .iter()
        .filter(|r| r["status"] == "skipped")
        .map(|r| r["input"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped.iter().any(|s| s.ends_with(".hidden.wav")));
    assert!(skipped.iter().any(|s| s.ends_with("notes.txt")));
    assert!(skipped.iter().any(|s| s.ends_with("cover.jpg")));
    // Running again over the same tree (now with out/ inside) converts nothing new.
    let res =
        promptwav().args(["convert", "--json"]).arg(&root).arg("-o").arg(&out).output().unwrap();
    assert!(json_lines(&res.stdout).iter().all(|r| r["status"] == "skipped"));
}

#[test]
fn names_become_safe_distinct_and_ascii() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let long = format!("{}.wav", "a".repeat(251));
    let names = [
        "café.wav",
        "CON.wav",
        "hello world.wav",
        "Hello_World.wav",
        "hello-world!.wav",
        "😀 smile.wav",
        "-rf.wav",
        long.as_str(),
    ];
    for n in names {
        write_wav(&inp.join(n), 8000, 1, &tone(8000, 0.05, 300.0));
    }
    let out = dir.path().join("out");
    let res =
        promptwav().args(["convert", "--json"]).arg(&inp).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stdout));
    let written = files_under(&out.join("in"));
    assert_eq!(written.len(), names.len(), "{written:?}");
    for w in &written {
        assert!(promptwav::names::is_safe_name(w), "unsafe name {w}");
        assert!(w.len() <= 255);
    }
    // Sorted input order decides who gets the plain name.
    assert!(written.contains(&"CON_.wav".to_string()), "{written:?}");
    assert!(written.contains(&"cafe.wav".to_string()), "{written:?}");
    assert!(written.contains(&"Hello_World.wav".to_string()), "{written:?}");
    assert!(written.contains(&"hello_world-2.wav".to_string()), "{written:?}");
    assert!(written.contains(&"rf.wav".to_string()), "{written:?}");
    assert!(written.iter().any(|w| w.starts_with("grinning")), "{written:?}");
    assert!(written.contains(&long), "{written:?}");
}

#[cfg(unix)]
#[test]
fn non_utf8_names_work() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.wav");
    let input = dir.path().join(name);
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    let res = promptwav().arg("convert").arg(&input).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert_eq!(files_under(&out), vec!["caf.wav"]);
}

#[test]
fn korean_names_are_romanized_nfc_or_nfd() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir_all(inp.join("영업시간외")).unwrap();
    write_wav(&inp.join("영업시간외/안내.wav"), 8000, 1, &tone(8000, 0.05, 300.0));
    // NFD, as macOS writes it: 점심시간 as conjoining jamo.
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "점심시간 안내.wav".nfd().collect();
    write_wav(&inp.join(&nfd), 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    let res = promptwav().arg("convert").arg(&inp).arg("-o").arg(&out).output().unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stdout));
    assert_eq!(
        files_under(&out),
        vec!["in/jeomsimsigan_annae.wav", "in/yeongeopsiganoe/annae.wav"]
    );
}

#[test]
fn an_unusable_output_folder_is_a_usage_error() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    // The "folder" is a file.
    let not_dir = dir.path().join("file");
    fs::write(&not_dir, b"x").unwrap();
    let res = convert(&[input.as_os_str(), os("-o"), not_dir.as_os_str()]);
    assert_eq!(res.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&res.stderr).contains("output folder"),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    // A missing input alone is a failed file, not a usage error.
    let res = convert(&[
        dir.path().join("missing.mp3").as_os_str(),
        os("-o"),
        dir.path().join("o").as_os_str(),
    ]);
    assert_eq!(res.status.code(), Some(1));
    // No input at all is a usage error.
    let res = promptwav().args(["convert", "-o"]).arg(dir.path()).output().unwrap();
    assert_eq!(res.status.code(), Some(2));
}

#[test]
fn the_same_file_twice_is_converted_once() {
    let dir = tempdir();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    let res =
        convert(&[input.as_os_str(), input.as_os_str(), os("-o"), out.as_os_str(), os("--json")]);
    assert!(res.status.success());
    let records = json_lines(&res.stdout);
    assert_eq!(records[0]["status"], "converted");
    assert_eq!(records[1]["status"], "skipped");
    assert_eq!(files_under(&out), vec!["a.wav"]);
}

#[test]
fn the_same_file_in_a_folder_and_by_name_is_converted_once() {
    // The walk knows a walked file's canonical path from its folder's; a file named on the
    // command line is canonicalized on its own: the two must agree, however the folder is
    // spelled.
    let dir = tempdir();
    let folder = dir.path().join("prompts");
    fs::create_dir(&folder).unwrap();
    write_wav(&folder.join("a.wav"), 8000, 1, &tone(8000, 0.05, 300.0));
    let roundabout = folder.join("..").join("prompts");
    let by_name = roundabout.join("a.wav");
    let out = dir.path().join("out");
    let res = convert(&[
        folder.as_os_str(),
        by_name.as_os_str(),
        roundabout.as_os_str(),
        os("-o"),
        out.as_os_str(),
        os("--json"),
    ]);
    assert!(res.status.success());
    let records = json_lines(&res.stdout);
    let statuses: Vec<&str> = records.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["converted", "skipped", "skipped"], "{records:?}");
    assert_eq!(files_under(&out), vec!["prompts/a.wav"]);
}

#[test]
fn summary_line_counts_outcomes() {
    let dir = tempdir();
    let good = dir.path().join("good.wav");
    write_wav(&good, 8000, 1, &tone(8000, 0.05, 300.0));
    let bad = dir.path().join("bad.mp3");
    fs::write(&bad, b"nope").unwrap();
    let res =
        convert(&[good.as_os_str(), bad.as_os_str(), os("-o"), dir.path().join("o").as_os_str()]);
    assert_eq!(res.status.code(), Some(1));
    let text = String::from_utf8_lossy(&res.stdout);
    assert!(text.contains("1 converted, 1 failed, 0 skipped"), "{text}");
    assert!(text.contains("bad.mp3"), "{text}");
}

/// Runs a conversion and returns the child's peak resident memory in KB, read from
/// /proc/PID/status (VmHWM, a high-water mark) until it exits.
#[cfg(target_os = "linux")]
fn peak_rss_kb(input: &std::path::Path, out: &std::path::Path) -> u64 {
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let mut child = std::process::Command::new(bin)
        .arg("convert")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("--force")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = fs::read_to_string(&status_path) {
            for line in text.lines().filter(|l| l.starts_with("VmHWM:")) {
                let kb: u64 =
                    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
                peak = peak.max(kb);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(child.wait().unwrap().success());
    peak
}

#[cfg(target_os = "linux")]
#[test]
fn memory_does_not_grow_with_the_input_length() {
    let dir = tempdir();
    let short = dir.path().join("short.wav");
    let long = dir.path().join("long.wav");
    // 20 s and 5 minutes of 8 kHz audio: the long one makes 15 times more output.
    let second = tone(8000, 1.0, 440.0);
    write_wav(&short, 8000, 1, &second.repeat(20));
    write_wav(&long, 8000, 1, &second.repeat(300));
    let out = dir.path().join("out");
    let small = peak_rss_kb(&short, &out);
    let big = peak_rss_kb(&long, &out);
    assert!(small > 0 && big > 0);
    assert!(big < small + 4 * 1024, "peak RSS grew from {small} KB to {big} KB");
    assert!(big < 64 * 1024, "peak RSS {big} KB");
    eprintln!("peak RSS: 20 s -> {small} KB, 5 min -> {big} KB");
}

#[test]
fn alone_or_in_a_batch_the_bytes_are_the_same() {
    // A file converted alone runs as a three-thread pipeline; in a batch, each file runs on
    // one thread. Both must write the same bytes.
    let dir = tempdir();
    let a = dir.path().join("a.wav");
    let stereo: Vec<f32> = tone(44100, 2.0, 1000.0).iter().flat_map(|&s| [s, -s * 0.5]).collect();
    write_wav(&a, 44100, 2, &stereo);
    let b = dir.path().join("b.wav");
    let c = dir.path().join("c.wav");
    write_wav(&b, 8000, 1, &tone(8000, 0.2, 300.0));
    write_wav(&c, 8000, 1, &tone(8000, 0.2, 300.0));
    let alone = dir.path().join("alone");
    let batch = dir.path().join("batch");
    assert!(
        promptwav()
            .args(["convert", "--jobs", "2"])
            .arg(&a)
            .arg("-o")
            .arg(&alone)
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(
        promptwav()
            .args(["convert", "--jobs", "1"])
            .arg(&a)
            .arg(&b)
            .arg(&c)
            .arg("-o")
            .arg(&batch)
            .output()
            .unwrap()
            .status
            .success()
    );
    assert_eq!(fs::read(alone.join("a.wav")).unwrap(), fs::read(batch.join("a.wav")).unwrap());
    // A costly decoder (MP3) runs as two stages when alone: the same bytes again.
    let mp3 = fixture("formats/mp3_cbr128_44100_stereo.mp3");
    for (jobs, out, extra) in [("2", &alone, None), ("1", &batch, Some(&b))] {
        let mut cmd = promptwav();
        cmd.args(["convert", "--force", "--jobs", jobs]).arg(&mp3).arg("-o").arg(out);
        if let Some(extra) = extra {
            cmd.arg(extra);
        }
        assert!(cmd.output().unwrap().status.success());
    }
    let name = "mp3_cbr128_44100_stereo.wav";
    assert_eq!(fs::read(alone.join(name)).unwrap(), fs::read(batch.join(name)).unwrap());
}

#[test]
fn error_kinds_tell_unsupported_audio_from_damaged_files_and_non_audio() {
    let dir = tempdir();
    let cases = [
        ("unsupported/ac3_48000_stereo.ac3", "unsupported_codec"),
        ("unsupported/wmav2_48000_stereo.wma", "unsupported_codec"),
        ("broken/riff_garbage.wav", "damaged"),
        ("broken/truncated.mp3", "damaged"),
        ("broken/text.mp3", "not_audio"),
        ("broken/empty.mp3", "not_audio"),
    ];
    for (rel, kind) in cases {
        let out = promptwav()
            .args(["convert", "--json", "-o"])
            .arg(dir.path().join("out"))
            .arg(fixture(rel))
            .output()
            .unwrap();
        let records = json_lines(&out.stdout);
        assert_eq!(records[0]["status"], "failed", "{rel}");
        assert_eq!(records[0]["error_kind"], kind, "{rel}: {}", records[0]);
    }
}
