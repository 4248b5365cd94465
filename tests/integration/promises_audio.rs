//! Issue 11, "audio": what the audio and the profile limits promise, on the real binary.

use std::path::Path;

use crate::util::*;

/// Converts `input` with `args`, returns the JSON records and the exit code.
fn convert(inputs: &[&Path], out: &Path, args: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let o = promptwav()
        .arg("convert")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    (json_lines(&o.stdout), o.status.code().unwrap_or(-1))
}

/// A 32-bit float WAV (interleaved samples, any values: float WAV holds NaN and > 1).
fn write_float_wav(path: &Path, rate: u32, channels: u16, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// An 8-bit mono WAV whose header declares `declared` frames and that holds `held` frames of
/// a quiet tone (fewer than declared: a header-declared length without the bytes).
fn write_u8_wav(path: &Path, rate: u32, declared: u32, held: u32) {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&declared.saturating_add(36).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend((0..held).map(|i| (128.0 + 40.0 * (f64::from(i) * 0.3).sin()) as u8));
    std::fs::write(path, b).unwrap();
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn warnings(r: &serde_json::Value) -> String {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn a_nan_channel_does_not_silence_the_file() {
    let dir = tempdir();
    let input = dir.path().join("nan_left.wav");
    let n = 48_000;
    let mut samples = Vec::with_capacity(2 * n);
    for i in 0..n {
        samples.push(f32::NAN);
        samples.push((2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 48_000.0).sin() as f32);
    }
    write_float_wav(&input, 48_000, 2, &samples);
    // The smart downmix is the default (issue 12); --plain-downmix averages.
    for (args, level) in [(&["--plain-downmix"][..], 0.5), (&[][..], 1.0)] {
        let out = dir.path().join("out");
        let (records, code) = convert(&[&input], &out, args);
        assert_eq!(code, 0, "{records:?}");
        let r = &records[0];
        let w = warnings(r);
        assert!(w.contains("invalid samples") && w.contains("left channel"), "{w}");
        let (_, got) = read_wav(&out.join("nan_left.wav"));
        // The right channel's sine: half of it averaged with a silent left, all of it taken
        // alone by the smart downmix; not silence.
        let want = level / std::f64::consts::SQRT_2;
        assert!((rms(&got) - want).abs() < 0.02 * want + 0.01, "{args:?}: {}", rms(&got));
        if args.is_empty() {
            assert!(w.contains("silent left channel"), "{w}");
        }
        std::fs::remove_dir_all(&out).unwrap();
    }
}

// A valid FLAC that decodes to far more frames per byte than the size budget allowed
// (`fixtures/limits/silence_192k_mono_300s.flac`) is tested at the decoder, in
// `decode::tests::a_declared_length_is_the_budget`: through the debug binary it takes a minute.

#[test]
fn match_loudness_above_zero_lufs_is_clamped_and_said() {
    let dir = tempdir();
    let src = dir.path().join("in");
    std::fs::create_dir(&src).unwrap();
    // Full-scale square waves at 2.5 and 3 times full scale: about +8 and +10 LUFS.
    for (name, amp) in [("a.wav", 2.5f32), ("b.wav", 3.0)] {
        let s: Vec<f32> = (0..96_000).map(|i| if (i / 24) % 2 == 0 { amp } else { -amp }).collect();
        write_float_wav(&src.join(name), 48_000, 1, &s);
    }
    let out = dir.path().join("out");
    let o = promptwav()
        .args(["convert", "--json", "--match-loudness", "-o"])
        .arg(&out)
        .arg(&src)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{text}");
    let records = json_lines(&o.stdout);
    assert_eq!(records.len(), 2);
    for r in &records {
        assert_eq!(r["status"], "converted", "{r}");
        let w = warnings(r);
        assert!(w.contains("median loudness") && w.contains("0 LUFS"), "{w}");
    }
    // Numbers in messages are rounded for people: no run of 4+ decimals anywhere.
    let long_decimals = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .any(|t| t.split_once('.').is_some_and(|(_, d)| d.len() >= 4));
    assert!(!long_decimals, "{text}");
}

#[test]
fn a_long_fade_is_shortened_on_a_short_prompt() {
    let dir = tempdir();
    let input = dir.path().join("short.wav");
    write_wav(&input, 48_000, 1, &tone(48_000, 2.9, 440.0));
    let out = dir.path().join("out");
    let (records, code) = convert(&[&input], &out, &["--fade", "5000"]);
    assert_eq!(code, 0, "{records:?}");
    let w = warnings(&records[0]);
    assert!(w.contains("5000 ms fade was shortened to 725 ms"), "{w}");
    let (_, got) = read_wav(&out.join("short.wav"));
    assert_eq!(got.len(), 139_200);
    assert_eq!((got[0], got[got.len() - 1]), (0.0, 0.0));
    // The middle half plays at full level (the tone's 0.5 peak), as the user recorded it.
    let middle = &got[34_800..104_400];
    let peak = middle.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.49, "{peak}");
    assert!((rms(middle) - 0.5 / std::f64::consts::SQRT_2).abs() < 0.01, "{}", rms(middle));
}

#[test]
fn outputs_keep_their_profile_limits_or_nothing_is_written() {
    let dir = tempdir();
    let cases: [(&str, u32, &str); 3] = [
        // 400 s: 6 min 40 s, Amazon Connect wants less than 5 minutes.
        (
            "amazon-connect",
            400,
            "6 min 40 s long: Amazon Connect accepts prompts shorter than 5 minutes",
        ),
        // 160 s at 16 kHz 16-bit: 5.12 MB, over Teams' 5 MB.
        ("teams", 160, "2 min 40 s long: Microsoft Teams accepts files of at most 5 MB"),
        // 1600 s at 8 kHz 16-bit: 25.6 MB, over Genesys' 25 MB.
        ("genesys", 1600, "26 min 40 s long: Genesys Cloud accepts files of at most 25 MB"),
    ];
    for (profile, seconds, why) in cases {
        let input = dir.path().join(format!("{profile}.wav"));
        write_u8_wav(&input, 8000, seconds * 8000, seconds * 8000);
        let out = dir.path().join(format!("out-{profile}"));
        let (records, code) = convert(&[&input], &out, &["--profile", profile]);
        let r = &records[0];
        assert_eq!(code, 1, "{r}");
        assert_eq!(r["status"], "failed", "{r}");
        assert!(r["error"].as_str().unwrap().starts_with(why), "{r}");
        assert!(files_under(&out).is_empty(), "{profile}: {:?}", files_under(&out));
        // What was known when it failed (issue 11, point 7).
        assert_eq!((r["format"].as_str(), r["codec"].as_str()), (Some("wav"), Some("pcm_u8")));
        assert_eq!(r["duration_s"], f64::from(seconds));
    }
}

#[test]
fn a_file_whose_length_is_unknown_stops_at_the_limit() {
    let input = fixture("limits/no_length_8k_mono_310s.flac");
    let dir = tempdir();
    let (records, code) = convert(&[&input], dir.path(), &["--profile", "amazon-connect"]);
    let r = &records[0];
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        r["error"],
        "longer than 5 minutes: Amazon Connect accepts prompts shorter than 5 minutes"
    );
    assert_eq!(r["format"], "flac");
    assert!(files_under(dir.path()).is_empty(), "{:?}", files_under(dir.path()));
    // Within the limit it converts (the same file, Channel Talk has no limit).
    let (records, code) = convert(&[&input], dir.path(), &[]);
    assert_eq!(code, 0, "{:?}", records);
}

#[test]
fn amazon_five_minutes_exactly_fails_in_check_and_convert_alike() {
    let dir = tempdir();
    // Exactly 300.0 s, and 0.125 ms less.
    let exact = dir.path().join("exact.wav");
    write_u8_wav(&exact, 8000, 2_400_000, 2_400_000);
    let under = dir.path().join("under.wav");
    write_u8_wav(&under, 8000, 2_399_999, 2_399_999);
    let out = dir.path().join("out");
    let (records, _) = convert(&[&exact, &under], &out, &["--profile", "amazon-connect"]);
    assert_eq!(records[0]["status"], "failed", "{}", records[0]);
    assert!(records[0]["error"].as_str().unwrap().starts_with("5 minutes long"), "{}", records[0]);
    assert_eq!(records[1]["status"], "converted", "{}", records[1]);
    // The output passes its own profile's check; a 300.0 s file fails it on its duration.
    let o = promptwav()
        .args(["check", "--json", "--profile", "amazon-connect"])
        .arg(out.join("under.wav"))
        .arg(&exact)
        .output()
        .unwrap();
    let reports = json_lines(&o.stdout);
    assert_eq!(reports[0]["ok"], true, "{}", reports[0]);
    let codes: Vec<&str> = reports[1]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"duration"), "{}", reports[1]);
}

#[test]
fn a_length_past_the_wav_limit_is_refused_before_writing() {
    let dir = tempdir();
    // The header declares 13 hours at 48 kHz; the file holds one second of it.
    let input = dir.path().join("long.wav");
    write_u8_wav(&input, 48_000, 13 * 3600 * 48_000, 48_000);
    let out = dir.path().join("out");
    let (records, code) = convert(&[&input], &out, &[]);
    let r = &records[0];
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["error"], "13 h 0 min long: a 48 kHz 16-bit mono WAV holds at most 12 h 25 min");
    assert_eq!(r["duration_s"], 46_800.0);
    assert!(files_under(&out).is_empty());
}

#[test]
fn failed_records_say_what_the_file_was() {
    let dir = tempdir();
    let (records, _) = convert(&[&fixture("broken/truncated.flac")], dir.path(), &[]);
    let r = &records[0];
    assert_eq!(r["status"], "failed", "{r}");
    assert_eq!((r["format"].as_str(), r["codec"].as_str()), (Some("flac"), Some("flac")), "{r}");
    assert!(r["duration_s"].as_f64().is_some_and(|d| d > 0.0), "{r}");
    assert!(r["sample_rate_hz"].as_u64().is_some(), "{r}");
}
