//! One report schema (issue 12): every JSON object `convert`, `check`, the names map and `name`
//! print starts with `"schema": 1`, uses only the fields the README's "Report schema" table
//! documents, and names a fact `convert` and `check` share the same way, with the same value.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// The field names the README's "Report schema, version N" section lists in its table.
fn documented() -> BTreeSet<String> {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    let heading = format!("\n## Report schema, version {}\n", promptwav::SCHEMA_VERSION);
    let start = readme.find(&heading).unwrap_or_else(|| panic!("no {heading:?} in the README"));
    let section = &readme[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let fields: BTreeSet<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(String::from)
        .collect();
    assert!(fields.len() > 30, "the README's schema table: {fields:?}");
    fields
}

/// Checks one report object: `schema` 1, every key (and every key of its problems) documented.
fn assert_documented(v: &Value, known: &BTreeSet<String>) {
    let Some(obj) = v.as_object() else { panic!("not an object: {v}") };
    assert_eq!(obj.get("schema"), Some(&Value::from(1)), "{v}");
    let mut keys: Vec<&String> = obj.keys().collect();
    for p in obj.get("problems").and_then(Value::as_array).into_iter().flatten() {
        keys.extend(p.as_object().into_iter().flat_map(|o| o.keys()));
    }
    for k in keys {
        assert!(known.contains(k), "{k} is not in the README's report schema: {v}");
    }
}

/// JSON lines, each checked to start with the schema field (the order the objects are
/// written in, which parsing into a map loses).
fn report_lines(stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(stdout);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        assert!(line.starts_with(r#"{"schema":1,"#), "schema is not first: {line}");
    }
    json_lines(stdout)
}

fn run_json(args: &[&std::ffi::OsStr]) -> Vec<Value> {
    let res = promptwav().arg("--no-config").args(args).output().unwrap();
    assert!(res.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&res.stderr));
    report_lines(&res.stdout)
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// The records of a list, keyed by a field.
fn by<'a>(records: &'a [Value], key: &str) -> HashMap<String, &'a Value> {
    records.iter().map(|r| (r[key].as_str().unwrap_or_default().to_string(), r)).collect()
}

#[test]
fn every_report_has_schema_1_first_and_only_documented_fields() {
    let known = documented();
    for k in ["schema", "input", "output", "output_duration_s", "sample_rate_hz", "error_kind"] {
        assert!(known.contains(k), "{k} missing from the README's table");
    }
    let dir = tempdir();
    let (out, dry) = (dir.path().join("out"), dir.path().join("dry"));
    let mut all = Vec::new();
    // Every format, and files that fail or are skipped; then a dry run and a rerun (planned,
    // up to date); then finishing, which fills the loudness and trimming fields.
    let inputs = [fixture("formats"), fixture("broken"), fixture("unsupported")];
    let convert = |to: &Path, more: &[&str]| {
        let mut args = vec![os("convert"), os("--json"), os("-o"), to.as_os_str()];
        args.extend(inputs.iter().map(|p| p.as_os_str()));
        args.extend(more.iter().map(|m| os(m)));
        run_json(&args)
    };
    let records = convert(&out, &[]);
    assert!(records.iter().any(|r| r["status"] == "converted"));
    assert!(records.iter().any(|r| r["status"] == "failed"));
    all.extend(records);
    all.extend(convert(&dry, &["--dry-run"]));
    all.extend(convert(&out, &[]));
    let finished = dir.path().join("finished");
    all.extend(run_json(&[
        os("convert"),
        os("--json"),
        os("--loudness"),
        os("-19"),
        os("--trim-silence"),
        fixture("prompts").as_os_str(),
        os("-o"),
        finished.as_os_str(),
    ]));
    assert!(all.iter().any(|r| r["status"] == "planned"));
    assert!(all.iter().any(|r| r["status"] == "skipped"));
    assert!(all.iter().any(|r| r["output_loudness_lufs"].is_number()));
    // check: every problem code's fixture, skipped files, the outputs.
    all.extend(run_json(&[os("check"), os("--json"), fixture("check").as_os_str()]));
    all.extend(run_json(&[os("check"), os("--json"), out.as_os_str(), finished.as_os_str()]));
    all.extend(run_json(&[os("name"), os("--json"), os("안내 멘트.mp3"), os("CON.wav")]));
    assert!(all.len() > 100);
    for v in &all {
        assert_documented(v, &known);
    }
}

#[test]
fn convert_and_check_name_the_same_facts_the_same_way() {
    let dir = tempdir();
    let inputs = [
        "formats/pcm_s16le_44100_stereo.wav",
        "formats/pcm_s16le_22050_mono.wav",
        "formats/pcm_mulaw_8000_mono.wav",
        "formats/mp3_cbr128_44100_stereo.mp3",
        "formats/flac_s16_44100_stereo.flac",
    ];
    for profile in ["channeltalk", "amazon-connect", "asterisk"] {
        let out = dir.path().join(profile);
        let mut args = vec![os("convert"), os("--json"), os("--profile"), os(profile)];
        let paths: Vec<_> = inputs.iter().map(|i| fixture(i)).collect();
        args.extend(paths.iter().map(|p| p.as_os_str()));
        args.extend([os("-o"), out.as_os_str()]);
        if profile == "asterisk" {
            // Finishing: the loudness and true peak of the file written are measured too.
            args.extend([os("--loudness"), os("-19"), os("--trim-silence")]);
        }
        let converted = run_json(&args);
        assert_eq!(converted.len(), inputs.len());
        let args = [os("check"), os("--json"), os("--profile"), os(profile), out.as_os_str()];
        let checked_outputs = run_json(&args);
        let checked_outputs = by(&checked_outputs, "input");
        let mut args = vec![os("check"), os("--json")];
        args.extend(paths.iter().map(|p| p.as_os_str()));
        let checked_inputs = run_json(&args);
        let checked_inputs = by(&checked_inputs, "input");
        for c in &converted {
            assert_eq!(c["status"], "converted", "{c}");
            // The file written, as convert says and as check finds it.
            let k = &checked_outputs[c["output"].as_str().unwrap()];
            for fact in [
                "format",
                "codec",
                "sample_rate_hz",
                "channels",
                "bits_per_sample",
                "duration_s",
                "size_bytes",
            ] {
                let said = &c[format!("output_{fact}").as_str()];
                assert!(!said.is_null(), "{profile}: output_{fact}: {c}");
                assert_eq!(said, &k[fact], "{profile}: output_{fact}: {c}\n{k}");
            }
            if profile == "asterisk" {
                for (fact, unit) in [("loudness_lufs", "LUFS"), ("true_peak_dbtp", "dBTP")] {
                    let said = c[format!("output_{fact}").as_str()].as_f64().unwrap();
                    match k[fact].as_f64() {
                        Some(found) => {
                            assert!((said - found).abs() <= 0.1, "{fact}: {said} vs {found} {unit}")
                        }
                        // Under 0.4 s check gives no loudness; finishing measures the whole
                        // file without gating (the README says so).
                        None => assert!(
                            fact == "loudness_lufs" && k["duration_s"].as_f64().unwrap() < 0.4,
                            "{c}\n{k}"
                        ),
                    }
                }
            } else {
                assert!(c["output_loudness_lufs"].is_null(), "measured only when finishing");
            }
            // The input, as convert read it and as check finds it.
            let k = &checked_inputs[c["input"].as_str().unwrap()];
            for fact in ["format", "codec", "sample_rate_hz", "channels", "bits_per_sample"] {
                assert_eq!(c[fact], k[fact], "{profile}: {fact}: {c}\n{k}");
            }
            let (said, found) =
                (c["duration_s"].as_f64().unwrap(), k["duration_s"].as_f64().unwrap());
            assert!((said - found).abs() <= 0.001, "duration_s: {said} vs {found}: {c}\n{k}");
        }
    }
}

#[test]
fn output_duration_is_the_trimmed_length_of_the_file_written() {
    let dir = tempdir();
    let rate = 48_000u32;
    // Half a second of silence, a second of tone, a second of silence.
    let mut x = vec![0f32; rate as usize / 2];
    x.extend(tone(rate, 1.0, 440.0));
    x.extend(vec![0f32; rate as usize]);
    let input = dir.path().join("padded.wav");
    write_wav(&input, rate, 1, &x);
    let inputs = [input.clone(), fixture("check/leading-silence.wav")];
    let out = dir.path().join("out");
    let mut args =
        vec![os("convert"), os("--json"), os("--trim-silence"), os("-o"), out.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    let records = run_json(&args);
    assert_eq!(records.len(), 2);
    for r in &records {
        let num = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("{k}: {r}"));
        let (start, end) = (num("trimmed_start_s"), num("trimmed_end_s"));
        assert!(start + end > 0.1, "nothing trimmed: {r}");
        let out_rate = f64::from(r["output_sample_rate_hz"].as_u64().unwrap() as u32);
        // Within a frame (of either rate) and the rounding of the four numbers to 1 ms.
        let expected = num("duration_s") - start - end;
        let slack = 2.0 / out_rate + 0.002;
        assert!((num("output_duration_s") - expected).abs() <= slack, "{expected}: {r}");
        assert!(num("output_duration_s") < num("duration_s") - 0.1, "{r}");
        // And it is the file's own length.
        let (spec, samples) = read_wav(Path::new(r["output"].as_str().unwrap()));
        let frames = samples.len() as f64 / f64::from(spec.channels);
        let seconds = frames / f64::from(spec.sample_rate);
        assert!((num("output_duration_s") - seconds).abs() <= 0.0005, "{seconds}: {r}");
    }
    // The padded file: 0.5 s and 1 s of silence, less the 100 ms pads kept.
    let r = &records[0];
    assert!((r["trimmed_start_s"].as_f64().unwrap() - 0.4).abs() < 0.02, "{r}");
    assert!((r["trimmed_end_s"].as_f64().unwrap() - 0.9).abs() < 0.02, "{r}");
    assert!((r["output_duration_s"].as_f64().unwrap() - 1.2).abs() < 0.02, "{r}");
}

#[test]
fn the_json_names_map_carries_the_schema() {
    let known = documented();
    let dir = tempdir();
    let out = dir.path().join("out");
    let map = dir.path().join("map.json");
    let csv = dir.path().join("map.csv");
    for m in [&map, &csv] {
        promptwav()
            .args(["--no-config", "convert"])
            .arg(fixture("prompts"))
            .arg("-o")
            .arg(&out)
            .arg("--names-map")
            .arg(m)
            .assert()
            .success();
    }
    let text = fs::read_to_string(&map).unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    let entries = list.as_array().unwrap();
    assert_eq!(entries.len(), files_under(&out).len(), "{text}");
    for e in entries {
        assert_documented(e, &known);
        assert!(e["input"].is_string() && e["output"].is_string(), "{e}");
    }
    // Each entry, as written, starts with its schema.
    let opened: Vec<&str> = text.split('{').skip(1).collect();
    assert_eq!(opened.len(), entries.len());
    for o in opened {
        assert!(o.trim_start().starts_with(r#""schema": 1,"#), "{o}");
    }
    // The CSV keeps its header (and the byte-order mark for Excel).
    let csv = fs::read(&csv).unwrap();
    assert!(csv.starts_with("\u{feff}input,output\n".as_bytes()));
}
