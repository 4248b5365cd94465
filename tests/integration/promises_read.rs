//! `check` and `convert` read a WAV (and every input) the same way: what check calls an error,
//! convert does not silently convert as if it were fine; what convert reads, check reads too; and
//! check's fixes never suggest a command that cannot work.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{fixture, json_lines, promptwav, tempdir};

/// A chunk: id, size field, body (padded to even length).
fn chunk(id: &[u8; 4], size: u32, body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A 16-byte PCM fmt chunk.
fn fmt(rate: u32, channels: u16) -> Vec<u8> {
    let align = channels * 2;
    let mut body = Vec::new();
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&channels.to_le_bytes());
    body.extend_from_slice(&rate.to_le_bytes());
    body.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    body.extend_from_slice(&align.to_le_bytes());
    body.extend_from_slice(&16u16.to_le_bytes());
    chunk(b"fmt ", 16, &body)
}

/// 16-bit samples of a 1 kHz tone at `rate`, amplitude 0.25.
fn pcm(rate: u32, frames: usize) -> Vec<u8> {
    (0..frames)
        .flat_map(|i| {
            let v = 0.25 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / f64::from(rate)).sin();
            ((v * 32767.0).round() as i16).to_le_bytes()
        })
        .collect()
}

/// `RIFF size WAVE` + chunks; `size` None means the true size.
fn riff(chunks: &[Vec<u8>], size: Option<u32>) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&size.unwrap_or(4 + body.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(&body);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p
}

/// `check --json` of one file: (exit code, report).
fn check(path: &Path, args: &[&str]) -> (i32, Value) {
    let out = promptwav().args(["check", "--json"]).args(args).arg(path).output().unwrap();
    let mut reports = json_lines(&out.stdout);
    assert_eq!(reports.len(), 1, "{}", String::from_utf8_lossy(&out.stdout));
    (out.status.code().unwrap_or(-1), reports.remove(0))
}

/// The problem of `code` in a report.
fn problem<'a>(report: &'a Value, code: &str) -> Option<&'a Value> {
    report["problems"].as_array().unwrap().iter().find(|p| p["code"] == code)
}

fn codes(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

/// `convert --json` of one file into `out`: the record.
fn convert(path: &Path, out: &Path) -> Value {
    let res =
        promptwav().args(["convert", "--json"]).arg(path).arg("-o").arg(out).output().unwrap();
    let mut records = json_lines(&res.stdout);
    assert_eq!(records.len(), 1, "{}", String::from_utf8_lossy(&res.stdout));
    records.remove(0)
}

fn output_frames(record: &Value) -> u64 {
    let out = record["output"].as_str().unwrap();
    let bytes = fs::read(out).unwrap();
    (bytes.len() as u64 - 44) / 2
}

#[test]
fn two_fmt_chunks_are_an_error_in_check_and_a_failure_in_convert() {
    let dir = tempdir();
    let data = pcm(48000, 4800);
    let bytes =
        riff(&[fmt(48000, 1), fmt(8000, 1), chunk(b"data", data.len() as u32, &data)], None);
    let path = write(dir.path(), "twofmt.wav", &bytes);

    let (code, report) = check(&path, &[]);
    assert_eq!(code, 1, "{report}");
    let p = problem(&report, "fmt-duplicate").unwrap_or_else(|| panic!("{report}"));
    assert_eq!(p["severity"], "error");
    let message = p["message"].as_str().unwrap();
    assert!(message.contains("48000 Hz") && message.contains("8000 Hz"), "{message}");
    assert!(!p["fix"].as_str().unwrap().contains("promptwav convert"), "{p}");

    let r = convert(&path, &dir.path().join("out"));
    assert_eq!(r["status"], "failed", "{r}");
    let error = r["error"].as_str().unwrap();
    assert!(error.contains("two fmt chunks"), "{error}");
    assert!(!dir.path().join("out/twofmt.wav").exists());
}

#[test]
fn data_after_ten_thousand_chunks_is_found_and_repeats_are_counted() {
    let dir = tempdir();
    let data = pcm(48000, 4800);
    let mut chunks = vec![fmt(48000, 1)];
    chunks.extend((0..10_000).map(|_| chunk(b"JUNK", 0, &[])));
    chunks.push(chunk(b"data", data.len() as u32, &data));
    let path = write(dir.path(), "junk.wav", &riff(&chunks, None));

    let (_, report) = check(&path, &[]);
    let all = codes(&report);
    assert!(!all.contains(&"data-missing".to_string()), "{report}");
    assert_eq!(all.iter().filter(|c| *c == "extra-chunk").count(), 1, "{all:?}");
    let p = problem(&report, "extra-chunk").unwrap();
    assert!(p["message"].as_str().unwrap().ends_with("(10000 times)"), "{p}");
    // The audio was found and measured.
    assert_eq!(report["duration_s"].as_f64(), Some(0.1), "{report}");

    let r = convert(&path, &dir.path().join("out"));
    assert_eq!(r["status"], "converted", "{r}");
    assert_eq!(output_frames(&r), 4800);
}

#[test]
fn less_than_a_frame_and_a_partial_frame_are_errors_in_check_and_not_silent_in_convert() {
    let dir = tempdir();
    let one = write(dir.path(), "one.wav", &riff(&[fmt(48000, 1), chunk(b"data", 1, &[7])], None));
    let (code, report) = check(&one, &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(problem(&report, "data-size-zero").unwrap()["severity"], "error", "{report}");
    let r = convert(&one, &dir.path().join("out"));
    assert_eq!(r["status"], "failed", "{r}");

    // 100 stereo frames and 3 bytes more.
    let mut data = pcm(48000, 200);
    data.extend_from_slice(&[1, 2, 3]);
    let partial = write(
        dir.path(),
        "partial.wav",
        &riff(&[fmt(48000, 2), chunk(b"data", data.len() as u32, &data)], None),
    );
    let (code, report) = check(&partial, &[]);
    assert_eq!(code, 1, "{report}");
    let p = problem(&report, "data-partial-frame").unwrap_or_else(|| panic!("{report}"));
    assert_eq!(p["severity"], "error");
    // convert repairs it (the whole frames), and says what it left out.
    assert!(p["fix"].as_str().unwrap().contains("promptwav convert"), "{p}");
    let r = convert(&partial, &dir.path().join("out"));
    assert_eq!(r["status"], "converted", "{r}");
    assert_eq!(output_frames(&r), 100);
    let warnings = r["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("cut-off frame")), "{warnings:?}");
}

#[test]
fn a_wav_written_to_a_pipe_is_read_to_its_end_by_both() {
    let dir = tempdir();
    let data = pcm(48000, 4800);
    for (name, unset) in [("ffff.wav", 0xFFFF_FFFFu32), ("zero.wav", 0)] {
        // As ffmpeg writes to a pipe: a LIST chunk, then data, sizes unset.
        let list = chunk(b"LIST", 10, b"INFOISFT\x02\0");
        let path = write(
            dir.path(),
            name,
            &riff(&[fmt(48000, 1), list, chunk(b"data", unset, &data)], Some(unset)),
        );
        let (_, report) = check(&path, &[]);
        let p = problem(&report, "data-size-unset").unwrap_or_else(|| panic!("{report}"));
        assert_eq!(p["severity"], "warning", "{p}");
        assert!(p["fix"].as_str().unwrap().contains("promptwav convert"), "{p}");
        for c in ["riff-size-mismatch", "data-size-zero", "truncated-data", "bad-chunk"] {
            assert!(problem(&report, c).is_none(), "{name}: {report}");
        }
        assert_eq!(report["duration_s"].as_f64(), Some(0.1), "{name}: {report}");

        let r = convert(&path, &dir.path().join("out"));
        assert_eq!(r["status"], "converted", "{name}: {r}");
        assert_eq!(output_frames(&r), 4800, "{name}");
    }
}

#[test]
fn a_real_truncation_still_fails_and_its_fix_does_not_promise_convert() {
    let dir = tempdir();
    let data = pcm(48000, 4800);
    let mut bytes = riff(&[fmt(48000, 1), chunk(b"data", data.len() as u32, &data)], None);
    bytes.truncate(44 + data.len() / 2);
    let path = write(dir.path(), "cut.wav", &bytes);
    let (code, report) = check(&path, &[]);
    assert_eq!(code, 1);
    let p = problem(&report, "truncated-data").unwrap_or_else(|| panic!("{report}"));
    assert!(!p["fix"].as_str().unwrap().contains("convert"), "{p}");
    let r = convert(&path, &dir.path().join("out"));
    assert_eq!(r["status"], "failed", "{r}");
    assert!(r["error"].as_str().unwrap().contains("truncated"), "{r}");

    // The code table's fixes: none says "convert what is there".
    let codes = promptwav().args(["check", "--codes"]).output().unwrap();
    let text = String::from_utf8_lossy(&codes.stdout);
    assert!(!text.contains("convert what is there"), "{text}");
}

#[test]
fn ac3_wma_eac3_and_dts_are_named_not_called_non_audio() {
    let dir = tempdir();
    for (file, codec) in [
        ("ac3_48000_stereo.ac3", "AC-3"),
        ("eac3_48000_stereo.eac3", "E-AC-3"),
        ("dts_48000_stereo.dts", "DTS"),
        ("wmav2_48000_stereo.wma", "WMA"),
    ] {
        let path = fixture(&format!("unsupported/{file}"));
        let r = convert(&path, &dir.path().join("out"));
        assert_eq!(r["status"], "failed", "{r}");
        let error = r["error"].as_str().unwrap();
        assert!(error.contains(codec) && error.contains("not supported"), "{file}: {error}");
        assert!(error.contains("another tool"), "{file}: {error}");
        assert!(!error.contains("not an audio file"), "{file}: {error}");

        let (code, report) = check(&path, &[]);
        assert_eq!(code, 1);
        let p = problem(&report, "not-wav").unwrap_or_else(|| panic!("{report}"));
        assert!(p["message"].as_str().unwrap().contains(codec), "{p}");
        // Neither "run promptwav convert" (it cannot read it) nor "rename it to NAME.wav".
        for q in report["problems"].as_array().unwrap() {
            let fix = q["fix"].as_str().unwrap();
            assert!(!fix.contains("promptwav convert"), "{file}: {q}");
            assert!(!fix.contains(".wav"), "{file}: {q}");
        }
    }
}

#[test]
fn com0_lpt0_and_superscript_names_are_reserved() {
    let dir = tempdir();
    let data = pcm(48000, 4800);
    let wav = riff(&[fmt(48000, 1), chunk(b"data", data.len() as u32, &data)], None);
    for stem in ["COM0", "lpt0", "COM¹", "LPT³"] {
        let path = write(dir.path(), &format!("{stem}.wav"), &wav);
        let (_, report) = check(&path, &[]);
        assert!(problem(&report, "name-reserved").is_some(), "{stem}: {report}");
        let r = convert(&path, &dir.path().join("out"));
        assert_eq!(r["status"], "converted", "{r}");
        let out = Path::new(r["output"].as_str().unwrap()).file_name().unwrap().to_owned();
        let out = out.to_str().unwrap();
        let base = out.split('.').next().unwrap();
        assert!(base.ends_with('_'), "{stem} -> {out}");
        let (_, again) = check(Path::new(r["output"].as_str().unwrap()), &[]);
        assert!(problem(&again, "name-reserved").is_none(), "{stem} -> {out}: {again}");
    }
}

#[test]
fn the_profile_extension_is_checked_case_sensitively() {
    let dir = tempdir();
    let data = pcm(8000, 800);
    let mut body = Vec::new();
    body.extend_from_slice(&data);
    let wav = riff(&[fmt(8000, 1), chunk(b"data", data.len() as u32, &body)], None);
    let upper = write(dir.path(), "Greeting.WAV", &wav);
    let (code, report) = check(&upper, &["--profile", "asterisk"]);
    assert_eq!(code, 1, "{report}");
    let p = problem(&report, "name-extension").unwrap_or_else(|| panic!("{report}"));
    assert!(p["fix"].as_str().unwrap().contains("Greeting.wav"), "{p}");
    let lower = write(dir.path(), "greeting.wav", &wav);
    let (_, report) = check(&lower, &["--profile", "asterisk"]);
    assert!(problem(&report, "name-extension").is_none(), "{report}");
}
