//! The server's only door into the library: every conversion, check, name and profile the page
//! and the API give comes from here, through the same public functions the command line calls
//! (`batch::plan` + `batch::run`, `check::check_file`, `names::output_name`, `names::Deduper`,
//! `profile::PROFILES`). No pipeline logic lives here.
//!
//! Guarantees:
//! - An upload lives in a private temporary folder (mode 0700) of its own, stored under the
//!   file name it came with (reduced to one path component), so `convert` gives the name the
//!   command line would give and `check` judges the name the admin has. The folder, the input,
//!   the output and any temporary of the pipeline are removed when the [`Upload`] is dropped:
//!   when the request ends, however it ends (answered, failed, aborted by the client).
//! - Reports never show the temporary folder: paths are replaced by the original name.
//! - A panic in the library (a bug) becomes that file's failure, never a crashed server.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::batch::{self, ConvertOptions, Record, Status};
use crate::check::{self, CheckOptions, Code, Problem, Report};
use crate::error::Stage;
use crate::finish::FinishOptions;
use crate::names::{self, Deduper};
use crate::profile::{self, Profile};

/// One uploaded file, on disk in a private temporary folder until dropped.
#[derive(Debug)]
pub struct Upload {
    /// The folder; removed with everything in it on drop.
    dir: tempfile::TempDir,
    /// The input file inside `dir/in/`.
    path: PathBuf,
    /// The name the file came with (percent-decoded).
    original: String,
}

impl Upload {
    /// A new private folder with an empty input file named after `original`.
    pub fn create(original: &str) -> std::io::Result<(Upload, File)> {
        let dir = tempfile::Builder::new().prefix("promptwav-serve-").tempdir()?;
        let input_dir = dir.path().join("in");
        std::fs::create_dir(&input_dir)?;
        let path = input_dir.join(stored_name(original));
        let file = File::create_new(&path)?;
        let original =
            if original.is_empty() { names::FALLBACK.to_string() } else { original.into() };
        Ok((Upload { dir, path, original }, file))
    }

    /// The name the file came with.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// Replaces every mention of the temporary folder in `text` by nothing, so a message about
    /// `/tmp/promptwav-serve-x/in/안내.mp3` reads `안내.mp3`.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for p in [self.path.parent(), Some(self.dir.path())].into_iter().flatten() {
            let prefix = format!("{}{}", p.to_string_lossy(), std::path::MAIN_SEPARATOR);
            out = out.replace(&prefix, "");
            out = out.replace(p.to_string_lossy().as_ref(), "");
        }
        out
    }
}

/// The name an upload is stored under: the last component of what was sent, without NUL, cut
/// to what a file system takes (keeping the extension).
fn stored_name(original: &str) -> String {
    let last = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = last.chars().filter(|&c| c != '\0').collect();
    if name.is_empty() || name == "." || name == ".." {
        return names::FALLBACK.to_string();
    }
    if name.len() > names::MAX_NAME_BYTES {
        let ext = match name.rfind('.') {
            Some(i) if name.len() - i <= 16 => name[i..].to_string(),
            _ => String::new(),
        };
        let mut cut = names::MAX_NAME_BYTES - ext.len();
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name.push_str(&ext);
    }
    name
}

/// A converted upload.
#[derive(Debug)]
pub struct Converted {
    /// The record, as `convert --json` prints it, with the original name as input and the safe
    /// name as output.
    pub record: Record,
    /// The output file's bytes.
    pub bytes: Vec<u8>,
    /// The safe output name.
    pub name: String,
}

/// Converts an upload with `opts` as `promptwav convert FILE -o DIR` would (one file, one job).
/// `Err` carries the failed (or, when `cancel` was set, skipped) record.
pub fn convert(
    upload: &Upload,
    profile: &Profile,
    finish: FinishOptions,
    cancel: Arc<AtomicBool>,
) -> Result<Converted, Box<Record>> {
    let opts = ConvertOptions {
        profile: profile.clone(),
        jobs: 1,
        force: false,
        dry_run: false,
        cancel: Some(cancel),
        finish,
    };
    let out = upload.dir.path().join("out");
    let fail = |why: &str| {
        let mut r = Record::failed(Path::new(&upload.original), Stage::Write, why);
        r.input = upload.original.clone();
        Box::new(r)
    };
    if std::fs::create_dir(&out).is_err() {
        return Err(fail("the server cannot write its temporary folder"));
    }
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let plan = batch::plan(std::slice::from_ref(&upload.path), &out, &opts);
        batch::run(&plan, &opts, &|_| {}, &|_| {})
    }));
    let Ok(records) = run else {
        return Err(fail("internal error while converting; please report this file"));
    };
    let Some(mut record) = records.into_iter().next() else {
        return Err(fail("nothing was converted"));
    };
    record.input = upload.original.clone();
    record.input_path = PathBuf::from(&upload.original);
    record.error = record.error.as_deref().map(|e| upload.scrub(e));
    record.warnings = record.warnings.iter().map(|w| upload.scrub(w)).collect();
    let written = record.output_path.take();
    record.output = None;
    match (record.status, written) {
        (Status::Converted, Some(path)) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            match (std::fs::read(&path), name) {
                (Ok(bytes), Some(name)) => {
                    record.output = Some(name.clone());
                    record.output_path = Some(PathBuf::from(&name));
                    Ok(Converted { record, bytes, name })
                }
                _ => Err(fail("the server cannot read back the converted file")),
            }
        }
        _ => Err(Box::new(record)),
    }
}

/// Checks an upload as `promptwav check FILE --profile P [--strict]` would.
pub fn check(upload: &Upload, profile: &Profile, strict: bool) -> Report {
    let opts = CheckOptions { profile: profile.clone(), strict, jobs: 1, quick: false };
    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check::check_file(&upload.path, &opts)
    }));
    let mut report = report.unwrap_or_else(|_| {
        let mut r = check::check_file(Path::new(""), &opts);
        r.ok = false;
        r.problems = vec![Problem::new(
            Code::Unreadable,
            "internal error while checking; please report this file",
            "report it",
        )];
        r
    });
    report.input = upload.original.clone();
    report.input_path = PathBuf::from(&upload.original);
    for p in &mut report.problems {
        p.message = upload.scrub(&p.message);
        p.fix = upload.scrub(&p.fix);
    }
    report
}

/// The name `promptwav name --profile P` prints for `input`.
pub fn name(input: &str, profile: &Profile) -> String {
    names::output_name(OsStr::new(input), profile.extension)
}

/// The names a batch of these inputs gets, in order, numbered as `convert` numbers collisions
/// in one output folder.
pub fn names(inputs: &[String], profile: &Profile) -> Vec<String> {
    let mut dedupe = Deduper::new();
    inputs.iter().map(|i| dedupe.take("", &name(i, profile))).collect()
}

/// Whether `name` is a name `convert` would write as is (safe characters, length, not a
/// device name).
pub fn is_safe_name(name: &str) -> bool {
    names::is_safe_name(name)
}

/// The profile called `name`.
pub fn profile(name: &str) -> Option<&'static Profile> {
    Profile::by_name(name)
}

/// Every profile, with a one-line requirement and its constraints, for the page and the API.
pub fn profiles() -> serde_json::Value {
    let list: Vec<serde_json::Value> = profile::PROFILES
        .iter()
        .map(|p| {
            let constraints: Vec<serde_json::Value> = p
                .constraints()
                .into_iter()
                .map(|(what, value, source)| {
                    serde_json::json!({ "what": what, "value": value, "source": source })
                })
                .collect();
            serde_json::json!({
                "name": p.name,
                "platform": p.platform,
                "sample_rate": p.sample_rate,
                "channels": p.channels,
                "bits_per_sample": p.bits_per_sample,
                "codec": p.codec.describe(),
                "extension": p.extension,
                "ascii_names": p.ascii_names,
                "summary": format!(
                    "WAV {}-bit {}, {} Hz, {}",
                    p.bits_per_sample,
                    p.codec.describe(),
                    p.sample_rate,
                    if p.channels == 1 { "mono".to_string() } else { format!("{} channels", p.channels) }
                ),
                "source": p.source,
                "constraints": constraints,
            })
        })
        .collect();
    serde_json::Value::Array(list)
}

/// The finishing defaults, for the page's one-sentence explanations.
pub fn finish_defaults() -> serde_json::Value {
    serde_json::json!({
        "true_peak": crate::finish::DEFAULT_TRUE_PEAK,
        "trim_pad_ms": crate::finish::DEFAULT_PAD_MS,
        "trim_threshold_db": crate::finish::DEFAULT_TRIM_THRESHOLD_DB,
        "fade_ms": crate::finish::DEFAULT_FADE_MS,
    })
}

/// Checks finishing options as `convert` checks its flags.
pub fn validate_finish(finish: &FinishOptions) -> Result<(), String> {
    finish.validate().map_err(|e| e.to_string())
}

/// A `Trim` with the given pad and threshold.
pub fn trim(pad_ms: f64, threshold_db: f64) -> crate::finish::Trim {
    crate::finish::Trim { pad_ms, threshold_db }
}

/// The library's defaults for trimming.
pub fn trim_defaults() -> (f64, f64) {
    (crate::finish::DEFAULT_PAD_MS, crate::finish::DEFAULT_TRIM_THRESHOLD_DB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_one_component() {
        assert_eq!(stored_name("../../etc/passwd"), "passwd");
        assert_eq!(stored_name("C:\\x\\안내.mp3"), "안내.mp3");
        assert_eq!(stored_name(".."), "audio");
        assert_eq!(stored_name(""), "audio");
        assert_eq!(stored_name("a\0b.wav"), "ab.wav");
        let long = format!("{}.mp3", "가".repeat(200));
        let s = stored_name(&long);
        assert!(s.len() <= 255 && s.ends_with(".mp3"), "{s}");
    }

    #[test]
    fn names_are_numbered_as_convert_numbers_them() {
        let p = Profile::default();
        let got = names(&["안내.mp3".into(), "안내.wav".into(), "ANNAE.m4a".into()], &p);
        assert_eq!(got, ["annae.wav", "annae-2.wav", "ANNAE-3.wav"]);
    }
}
