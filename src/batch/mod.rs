//! Batches: inputs ► walked, planned (names, collisions), converted in parallel, one record per
//! input, in input order.
//!
//! Guarantees:
//! - Folders are walked recursively in sorted order; hidden files, files that are clearly not
//!   audio (documents, images, archives...), special files and links to folders are skipped and
//!   reported as `skipped`; hidden folders are not entered. A pipe or device named as an input
//!   (`/dev/stdin`) fails with a reason: it is never silently skipped. The output folder is never walked,
//!   even when it lies inside an input folder.
//! - A file input lands directly in the output folder; a folder input keeps its structure under
//!   it, every folder name made safe like file names.
//! - Every output path lies inside the output folder: each component is a safe name, which
//!   cannot be `..`, absolute or contain a separator.
//! - Names are distinct case-insensitively within each output folder, in input order; the same
//!   file given twice is converted once. An output the folder's manifest says was made from an
//!   input keeps that input: the input gets the same name again, and no other input takes it.
//! - No input of the run is ever written: an output path that is the same file as an input
//!   (same device and inode, whatever the names) fails with a reason, with or without `force`.
//!   An input folder that is the output folder, or lies inside it, is refused before anything
//!   is done ([`check_output_folder`]).
//! - A rerun redoes exactly what changed (see [`manifest`]): an output made from this input with
//!   these settings is skipped as up to date; one of ours made from a changed input or with
//!   other settings is converted again and replaced; a file promptwav did not write (or that
//!   changed since) is never replaced without `force`.
//! - One failing file never stops the batch: it gets a `failed` record with its reason.
//! - At most [`MAX_JOBS`] threads, and never more than there are files to convert.

pub mod manifest;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::convert::{Converted, Settings, convert_via};
use crate::decode::SourceInfo;
use crate::error::{Error, Stage, io_reason};
use crate::names::{self, Deduper};
use crate::output;
use crate::profile::Profile;
use manifest::Manifest;

/// The most worker threads a run starts, whatever `jobs` asks.
pub const MAX_JOBS: usize = 64;

/// Options for a conversion run. The command line is turned into one of these; library users
/// build it directly.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The target (default: Channel Talk).
    pub profile: Profile,
    /// Worker threads; 0 means one per CPU core.
    pub jobs: usize,
    /// Overwrite outputs that exist already.
    pub force: bool,
    /// Plan and report, write nothing.
    pub dry_run: bool,
    /// Set it (from a Ctrl-C handler, say) to stop: conversions in progress are abandoned
    /// without leaving files, the rest are reported as skipped.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Finishing: loudness, trimming, fades, DC removal, smart downmix (default: none).
    pub finish: crate::finish::FinishOptions,
}

impl ConvertOptions {
    /// The settings that decide an output's bytes, as one string: what the manifest compares to
    /// tell whether an output was made "with these settings".
    pub fn fingerprint(&self) -> String {
        format!("profile={};finish={:?}", self.profile.name, self.finish)
    }

    /// The worker threads to start for `files` files.
    pub fn threads_for(&self, files: usize) -> usize {
        let wanted = if self.jobs == 0 { rayon::current_num_threads().max(1) } else { self.jobs };
        wanted.clamp(1, MAX_JOBS).min(files.max(1))
    }
}

/// An input folder that cannot be used with the output folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// An input folder is the output folder, or inside it: outputs would land among the inputs
    /// and be taken for inputs by the next run.
    #[error(
        "the input folder {input} is the output folder or inside it: outputs would be mixed with \
         the inputs; choose an output folder outside it (for example -o {suggestion})"
    )]
    InputInOutput {
        /// The input folder as given.
        input: String,
        /// A folder to suggest.
        suggestion: String,
    },
}

/// Refuses input folders that are the output folder or lie inside it (see [`FolderError`]).
/// Input files inside the output folder are fine (their outputs get other names, and an output
/// that would be the input itself fails on its own).
pub fn check_output_folder(inputs: &[PathBuf], out_dir: &Path) -> Result<(), FolderError> {
    let Ok(out) = fs::canonicalize(out_dir) else { return Ok(()) };
    for input in inputs {
        if let Ok(c) = fs::canonicalize(input)
            && c.is_dir()
            && c.starts_with(&out)
        {
            let base = c.file_name().map(|n| n.to_string_lossy().into_owned());
            return Err(FolderError::InputInOutput {
                input: input.to_string_lossy().into_owned(),
                suggestion: format!("{}-wav", base.unwrap_or_else(|| "prompts".into())),
            });
        }
    }
    Ok(())
}

/// What identifies a file whatever its name: device and inode where there are such things,
/// else the canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

impl FileId {
    /// The identity of the file at `path` (links followed), if it exists.
    pub(crate) fn of(path: &Path) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(path).ok().map(|m| FileId::Inode(m.dev(), m.ino()))
        }
        #[cfg(not(unix))]
        {
            fs::canonicalize(path).ok().map(FileId::Path)
        }
    }
}

/// What became of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Written.
    Converted,
    /// Could not be converted; `error` says why.
    Failed,
    /// Not attempted (hidden, not audio, output exists...); `error` says why.
    Skipped,
    /// Would be converted (dry run).
    Planned,
}

/// The report of one input: what it was, what was done, and why not if it was not.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Record {
    /// The input path, as given or found by walking (lossy UTF-8 if it is not UTF-8).
    pub input: String,
    /// The output path, or `None` when nothing was (or would be) written.
    pub output: Option<String>,
    /// What became of it.
    pub status: Status,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// The stage that failed.
    pub stage: Option<Stage>,
    /// The container found from the content.
    pub format: Option<String>,
    /// The codec of the audio track.
    pub codec: Option<String>,
    /// The source sample rate in Hz.
    pub source_rate: Option<u32>,
    /// The source's channel count.
    pub source_channels: Option<u16>,
    /// The source's duration in seconds.
    pub duration_s: Option<f64>,
    /// Samples clipped at full scale in the output.
    pub clipped_samples: Option<u64>,
    /// Things worth knowing that did not stop the conversion.
    pub warnings: Vec<String>,
    /// Finishing only: integrated loudness before (LUFS), at the output rate.
    pub loudness_before: Option<f64>,
    /// Finishing only: true peak before (dBTP).
    pub true_peak_before: Option<f64>,
    /// Finishing only: integrated loudness of the file written (LUFS).
    pub loudness_after: Option<f64>,
    /// Finishing only: true peak of the file written (dBTP).
    pub true_peak_after: Option<f64>,
    /// Finishing only: the gain applied (dB).
    pub gain_db: Option<f64>,
    /// Finishing only: the limiter's deepest gain reduction (dB, 0 when it did nothing).
    pub limiter_db: Option<f64>,
    /// Finishing only: seconds of silence trimmed from the start.
    pub trimmed_start_s: Option<f64>,
    /// Finishing only: seconds of silence trimmed from the end.
    pub trimmed_end_s: Option<f64>,
    /// The input path as an OS path (not serialized).
    #[serde(skip)]
    pub input_path: PathBuf,
    /// The output path as an OS path (not serialized).
    #[serde(skip)]
    pub output_path: Option<PathBuf>,
}

impl Record {
    fn new(input: &Path, status: Status) -> Record {
        Record {
            input: input.to_string_lossy().into_owned(),
            output: None,
            status,
            error: None,
            stage: None,
            format: None,
            codec: None,
            source_rate: None,
            source_channels: None,
            duration_s: None,
            clipped_samples: None,
            warnings: Vec::new(),
            loudness_before: None,
            true_peak_before: None,
            loudness_after: None,
            true_peak_after: None,
            gain_db: None,
            limiter_db: None,
            trimmed_start_s: None,
            trimmed_end_s: None,
            input_path: input.to_path_buf(),
            output_path: None,
        }
    }

    /// A failure that concerns `path` (an input, or a file the run writes besides the outputs,
    /// such as the names map) at `stage`.
    pub fn failed(path: &Path, stage: Stage, why: impl Into<String>) -> Record {
        let mut r = Record::new(path, Status::Failed);
        r.error = Some(why.into());
        r.stage = Some(stage);
        r
    }

    fn skipped(input: &Path, why: impl Into<String>) -> Record {
        let mut r = Record::new(input, Status::Skipped);
        r.error = Some(why.into());
        r
    }

    fn set_output(&mut self, out: &Path) {
        self.output = Some(out.to_string_lossy().into_owned());
        self.output_path = Some(out.to_path_buf());
    }

    fn fill(&mut self, c: &Converted) {
        self.format = Some(c.source.format.clone());
        self.codec = Some(c.source.codec.clone());
        self.source_rate = Some(c.source.sample_rate);
        self.source_channels = Some(c.source.channels);
        self.duration_s = Some((c.duration_s() * 1000.0).round() / 1000.0);
        self.clipped_samples = Some(c.clipped_samples);
        self.warnings = c.warnings.clone();
        if let Some(f) = &c.finish {
            let r = |v: f64, places: i32| {
                let k = 10f64.powi(places);
                (v * k).round() / k
            };
            self.loudness_before = f.loudness_before.map(|v| r(v, 2));
            self.true_peak_before = f.true_peak_before.map(|v| r(v, 2));
            self.loudness_after = f.loudness_after.map(|v| r(v, 2));
            self.true_peak_after = f.true_peak_after.map(|v| r(v, 2));
            self.gain_db = Some(r(f.gain_db, 2));
            self.limiter_db = Some(r(f.limiter_db, 2));
            self.trimmed_start_s = Some(r(f.trimmed_start_s, 3));
            self.trimmed_end_s = Some(r(f.trimmed_end_s, 3));
        }
    }

    fn fail(&mut self, e: &Error) {
        self.status = Status::Failed;
        self.error = Some(e.reason().to_string());
        self.stage = Some(e.stage);
        self.output = None;
        self.output_path = None;
        // What was known of the source when it failed (after probing).
        if let Some(f) = &e.facts {
            self.format = f.format.clone();
            self.codec = f.codec.clone();
            self.source_rate = f.sample_rate;
            self.source_channels = f.channels;
            self.duration_s = f.duration_s.map(|d| (d * 1000.0).round() / 1000.0);
        }
    }
}

/// One input found by walking: a file to convert with its output, or a record already final.
#[derive(Debug, Clone)]
pub enum PlanItem {
    /// Convert `input` to `output`.
    Convert {
        /// The input file.
        input: PathBuf,
        /// The output file, inside the output folder.
        output: PathBuf,
    },
    /// Nothing to do; the record says why.
    Done(Box<Record>),
}

/// The plan of a run: every input in order, with its output path.
#[derive(Debug)]
pub struct Plan {
    /// The output folder.
    pub out_dir: PathBuf,
    /// The items, in input order.
    pub items: Vec<PlanItem>,
    /// Every input file of the run, which no output may be.
    inputs: HashSet<FileId>,
    /// What the output folder's outputs were made from, as the run began.
    manifest: Manifest,
}

impl Plan {
    /// Whether `path` is one of the run's input files (the same file, whatever its name).
    pub fn is_input(&self, path: &Path) -> bool {
        FileId::of(path).is_some_and(|id| self.inputs.contains(&id))
    }
}

/// Extensions of files that are clearly not audio: skipped when found in a walked folder (a
/// file named on the command line is always tried).
const NOT_AUDIO: &[&str] = &[
    "txt", "md", "rtf", "pdf", "doc", "docx", "xls", "xlsx", "csv", "tsv", "ppt", "pptx", "odt",
    "ods", "hwp", "hwpx", "json", "xml", "yaml", "yml", "toml", "ini", "cfg", "log", "html", "htm",
    "css", "js", "py", "sh", "bat", "exe", "dll", "jpg", "jpeg", "png", "gif", "bmp", "webp",
    "svg", "tif", "tiff", "heic", "ico", "psd", "zip", "rar", "7z", "gz", "tgz", "bz2", "xz",
    "tar", "db", "sqlite", "lnk", "url", "srt", "vtt", "lrc", "cue", "m3u", "m3u8", "pls", "nfo",
    "sfk", "pkf", "asd", "reapeaks",
];

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn clearly_not_audio(path: &Path) -> bool {
    let name =
        path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if matches!(name.as_str(), "thumbs.db" | "desktop.ini") {
        return true;
    }
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| NOT_AUDIO.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// A file found while walking, with the safe folder path it goes to (relative to the output).
#[derive(Debug, Clone)]
pub struct Found {
    /// The file.
    pub path: PathBuf,
    /// The safe folder path its output goes to, relative to the output folder.
    pub rel_dir: PathBuf,
}

struct Walker<'a> {
    out_dir_canon: Option<PathBuf>,
    found: &'a mut Vec<Result<Found, Record>>,
    /// Folders being walked (canonical), against link loops.
    stack: Vec<PathBuf>,
}

impl Walker<'_> {
    fn walk(&mut self, dir: &Path, rel_dir: &Path) {
        let canon = fs::canonicalize(dir).ok();
        if let Some(c) = &canon {
            if self.out_dir_canon.as_ref() == Some(c) {
                return;
            }
            if self.stack.contains(c) {
                self.found.push(Err(Record::skipped(
                    dir,
                    "folder loop (a link back to a parent folder)",
                )));
                return;
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                let mut r = Record::new(dir, Status::Failed);
                r.error = Some(format!("cannot read folder: {}", io_reason(&e)));
                r.stage = Some(Stage::Open);
                self.found.push(Err(r));
                return;
            }
        };
        let mut names: Vec<OsString> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        if let Some(c) = canon.clone() {
            self.stack.push(c);
        }
        for name in names {
            let path = dir.join(&name);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let ft = meta.file_type();
            if is_hidden(&name) {
                let text = name.to_string_lossy();
                if !ft.is_dir() && !output::is_temporary_name(&text) && text != manifest::FILE_NAME
                {
                    self.found.push(Err(Record::skipped(&path, "hidden file")));
                }
                continue;
            }
            if ft.is_dir() {
                self.walk(&path, &rel_dir.join(names::safe_component(&name)));
            } else if ft.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() => self
                        .found
                        .push(Err(Record::skipped(&path, "link to a folder (not followed)"))),
                    Ok(m) if m.is_file() => self.file(path, rel_dir),
                    Ok(_) => self.found.push(Err(Record::skipped(&path, "not a regular file"))),
                    Err(_) => self.found.push(Err(Record::skipped(&path, "broken link"))),
                }
            } else if ft.is_file() {
                self.file(path, rel_dir);
            } else {
                self.found.push(Err(Record::skipped(
                    &path,
                    "not a regular file (device, pipe or socket)",
                )));
            }
        }
        if canon.is_some() {
            self.stack.pop();
        }
    }

    fn file(&mut self, path: PathBuf, rel_dir: &Path) {
        if clearly_not_audio(&path) {
            self.found.push(Err(Record::skipped(&path, "not an audio file (by its extension)")));
        } else {
            self.found.push(Ok(Found { path, rel_dir: rel_dir.to_path_buf() }));
        }
    }
}

/// Walks `inputs` as `convert` does (see the module's guarantees), never entering `exclude`
/// (the output folder): every file to process as `Ok`, in input order, and every input skipped
/// or unreadable as `Err` with its final record. Touches nothing on disk. `check` walks with it
/// too.
pub fn walk(inputs: &[PathBuf], exclude: Option<&Path>) -> Vec<Result<Found, Record>> {
    let out_dir_canon = exclude.and_then(|d| fs::canonicalize(d).ok());
    let mut found: Vec<Result<Found, Record>> = Vec::new();
    for input in inputs {
        match fs::metadata(input) {
            Ok(m) if m.is_dir() => {
                let name = fs::canonicalize(input)
                    .ok()
                    .and_then(|c| c.file_name().map(|n| n.to_os_string()))
                    .unwrap_or_else(|| OsString::from("input"));
                let mut walker = Walker {
                    out_dir_canon: out_dir_canon.clone(),
                    found: &mut found,
                    stack: Vec::new(),
                };
                walker.walk(input, Path::new(&names::safe_component(&name)));
            }
            Ok(m) if m.is_file() => {
                found.push(Ok(Found { path: input.clone(), rel_dir: PathBuf::new() }))
            }
            Ok(_) => {
                // Named on the command line: the person meant it, so it is a failure, not a
                // silent skip (a script must not read exit 0 as "converted").
                let mut r = Record::new(input, Status::Failed);
                r.error = Some(
                    "is a pipe or device, not a file: promptwav reads regular files; save the \
                     audio to a file first"
                        .into(),
                );
                r.stage = Some(Stage::Open);
                found.push(Err(r));
            }
            Err(e) => {
                let mut r = Record::new(input, Status::Failed);
                r.error = Some(io_reason(&e));
                r.stage = Some(Stage::Open);
                found.push(Err(r));
            }
        }
    }
    found
}

/// Walks `inputs` and decides every output name. Touches nothing on disk.
///
/// Outputs the output folder's manifest knows (and that are still the files promptwav wrote)
/// are reserved first: the input each was made from gets it again, and no other input does.
/// The other names are then given in input order.
pub fn plan(inputs: &[PathBuf], out_dir: &Path, opts: &ConvertOptions) -> Plan {
    let found = walk(inputs, Some(out_dir));
    let manifest = Manifest::load(out_dir);
    let mut dedupe = Deduper::new();
    let folder_key = |rel_dir: &Path| rel_dir.to_string_lossy().to_ascii_lowercase();
    // Existing outputs keep their inputs: input (canonical) -> its output, relative.
    let mut kept: HashMap<String, PathBuf> = HashMap::new();
    for e in manifest.existing() {
        let rel: PathBuf = e.output.split('/').collect();
        let (Some(dir), Some(name)) = (rel.parent(), rel.file_name()) else { continue };
        dedupe.reserve(&folder_key(dir), &name.to_string_lossy());
        kept.insert(e.input.clone(), rel);
    }
    let mut seen_inputs: HashSet<PathBuf> = HashSet::new();
    let mut ids: HashSet<FileId> = HashSet::new();
    let items = found
        .into_iter()
        .map(|f| match f {
            Err(record) => PlanItem::Done(Box::new(record)),
            Ok(Found { path, rel_dir }) => {
                let canon = fs::canonicalize(&path).ok();
                if let Some(c) = &canon
                    && !seen_inputs.insert(c.clone())
                {
                    return PlanItem::Done(Box::new(Record::skipped(
                        &path,
                        "same file as an earlier input",
                    )));
                }
                if let Some(id) = FileId::of(&path) {
                    ids.insert(id);
                }
                let own = canon.and_then(|c| kept.remove(c.to_string_lossy().as_ref()));
                if let Some(rel) = own.filter(|rel| rel.parent() == Some(rel_dir.as_path())) {
                    return PlanItem::Convert { output: out_dir.join(rel), input: path };
                }
                let file_name = path.file_name().unwrap_or_default();
                let wanted = names::output_name(file_name, opts.profile.extension);
                let name = dedupe.take(&folder_key(&rel_dir), &wanted);
                PlanItem::Convert { output: out_dir.join(&rel_dir).join(name), input: path }
            }
        })
        .collect();
    Plan { out_dir: out_dir.to_path_buf(), items, inputs: ids, manifest }
}

/// What to do with a planned output, from what is on disk and in the manifest.
enum Decision {
    /// Convert; replace an existing file when `overwrite`.
    Convert { overwrite: bool },
    /// Leave it; the record says why.
    Leave(Box<Record>),
}

/// Decides what to do with `output` (see the module's guarantees on reruns).
fn decide(plan: &Plan, input: &Path, output: &Path, opts: &ConvertOptions) -> Decision {
    if let Some(link) = output::link_below(&plan.out_dir, output) {
        let why = format!(
            "{} is a link: promptwav never writes through links inside the output folder",
            link.display()
        );
        return Decision::Leave(Box::new(Record::failed(input, Stage::Write, why)));
    }
    let Ok(meta) = fs::symlink_metadata(output) else {
        return Decision::Convert { overwrite: false };
    };
    let mut record = Record::new(input, Status::Skipped);
    if plan.is_input(output) {
        record.status = Status::Failed;
        record.stage = Some(Stage::Write);
        record.error = Some(
            "the output would replace an input of this run (the same file); nothing was \
             written: choose another output folder with -o"
                .into(),
        );
        return Decision::Leave(Box::new(record));
    }
    if meta.is_dir() {
        record.status = Status::Failed;
        record.stage = Some(Stage::Write);
        record.error = Some("a folder has the output's name".into());
        return Decision::Leave(Box::new(record));
    }
    let settings = opts.fingerprint();
    let ours = manifest::relative(&plan.out_dir, output).and_then(|rel| plan.manifest.ours(&rel));
    match ours {
        Some(e) if manifest::made_from(e, input, &settings) && !opts.force => {
            record.set_output(output);
            record.error = Some("up to date (made from this input with these settings)".into());
            Decision::Leave(Box::new(record))
        }
        Some(_) => Decision::Convert { overwrite: true },
        None if opts.force => Decision::Convert { overwrite: true },
        None => {
            record.error = Some(
                "output already exists and promptwav did not make it from this input (use \
                 --force to overwrite)"
                    .into(),
            );
            Decision::Leave(Box::new(record))
        }
    }
}

/// What converting one planned file left: its record, or a complete output still to commit.
enum Outcome {
    /// Final.
    Done(Record),
    /// Complete in its temporary file: `record` once committed.
    Commit { record: Record, tmp: output::TempFile, overwrite: bool, source: SourceInfo },
}

/// Converts one planned file, leaving the output uncommitted (for the committer).
fn run_one(
    plan: &Plan,
    input: &Path,
    output: &Path,
    opts: &ConvertOptions,
    two_threads: bool,
    disk_full: &AtomicBool,
) -> Outcome {
    let mut record = Record::new(input, Status::Converted);
    record.set_output(output);
    let overwrite = match decide(plan, input, output, opts) {
        Decision::Leave(r) => return Outcome::Done(*r),
        Decision::Convert { overwrite } => overwrite,
    };
    if opts.dry_run {
        record.status = Status::Planned;
        if overwrite {
            record.warnings.push("would replace the existing output".into());
        }
        return Outcome::Done(record);
    }
    let held = output::Held::default();
    let settings = Settings {
        overwrite,
        two_threads,
        cancel: opts.cancel.as_deref(),
        finish: Some(&opts.finish),
        hold: Some(&held),
    };
    match convert_via(input, output, &plan.out_dir, &opts.profile, &settings) {
        Ok(c) => match held.take() {
            Some(tmp) => {
                let mut converted = record.clone();
                converted.fill(&c);
                return Outcome::Commit { record: converted, tmp, overwrite, source: c.source };
            }
            None => {
                let why = "internal error: the output was lost; please report this file";
                record.fail(&Error::new(output, Stage::Write, why));
            }
        },
        Err(e) => failure(&mut record, &e, opts, disk_full),
    }
    Outcome::Done(record)
}

/// The record of a conversion that completed, once its commit has: converted, or failed as the
/// commit did.
fn committed(
    plan: &Plan,
    opts: &ConvertOptions,
    disk_full: &AtomicBool,
    record: Record,
    source: &SourceInfo,
    result: std::io::Result<()>,
) -> Record {
    let Some(output) = record.output_path.clone() else { return record };
    match result {
        Ok(()) => {
            plan.manifest.record(&record.input_path, &output, &opts.fingerprint());
            record
        }
        Err(e) => {
            // As it would have failed inside the conversion: what the source was, no more.
            let mut failed = Record::new(&record.input_path, Status::Converted);
            failed.set_output(&output);
            let e = crate::convert::commit_error(&output, e)
                .with_facts(|| crate::convert::facts_of(source));
            failure(&mut failed, &e, opts, disk_full);
            failed
        }
    }
}

/// Makes `record` say how its conversion failed with `e`.
fn failure(record: &mut Record, e: &Error, opts: &ConvertOptions, disk_full: &AtomicBool) {
    if opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
        record.status = Status::Skipped;
        record.error = Some("interrupted".into());
        record.output = None;
        record.output_path = None;
    } else if e.stage == Stage::Write && e.reason().starts_with("output already exists") {
        record.status = Status::Skipped;
        record.error = Some(e.reason().to_string());
        record.output = None;
        record.output_path = None;
    } else {
        if e.is_disk_full() {
            disk_full.store(true, Ordering::Relaxed);
        }
        record.fail(e);
    }
}

/// Runs a plan on `opts.jobs` threads. `on_record` sees every record in input order, as soon as
/// it and all before it are done (for streaming reports); `on_progress` sees each record when
/// it finishes (for a progress bar). Returns every record, in input order.
pub fn run(
    plan: &Plan,
    opts: &ConvertOptions,
    on_record: &(dyn Fn(&Record) + Sync),
    on_progress: &(dyn Fn(&Record) + Sync),
) -> Vec<Record> {
    if !opts.dry_run {
        // Temporary files live in the output folder itself; clear those of killed runs.
        output::remove_stale_temporaries(&plan.out_dir);
    }
    // --match-loudness: a measuring pass over the batch first; its median is every file's target.
    let matched;
    // When the batch's median was beyond a target's range: said in every converted record.
    let mut matched_warning = None;
    let opts = if opts.finish.match_loudness && !opts.dry_run {
        let inputs: Vec<&Path> = plan
            .items
            .iter()
            .filter_map(|i| match i {
                PlanItem::Convert { input, .. } => Some(input.as_path()),
                PlanItem::Done(_) => None,
            })
            .collect();
        let cancel = opts.cancel.as_deref();
        let target = crate::convert::batch_loudness_target(
            &inputs,
            &opts.profile,
            &opts.finish,
            opts.jobs,
            cancel,
        );
        let mut finish = opts.finish.clone();
        finish.match_loudness = false;
        finish.loudness = target.as_ref().map(|t| t.lufs);
        matched_warning = target.and_then(|t| t.warning);
        if finish.true_peak.is_none() {
            finish.true_peak = opts.finish.ceiling();
        }
        matched = ConvertOptions { finish, ..opts.clone() };
        &matched
    } else {
        opts
    };

    struct Ordered {
        next: usize,
        done: Vec<Option<Record>>,
    }
    let state = Mutex::new(Ordered { next: 0, done: vec![None; plan.items.len()] });
    let finish = |i: usize, record: Record| {
        on_progress(&record);
        let Ok(mut st) = state.lock() else { return };
        st.done[i] = Some(record);
        while st.next < st.done.len() {
            let n = st.next;
            match &st.done[n] {
                Some(r) => on_record(r),
                None => break,
            }
            st.next += 1;
        }
    };

    let to_convert = plan.items.iter().filter(|i| matches!(i, PlanItem::Convert { .. })).count();
    let jobs = opts.threads_for(to_convert);
    // Fewer files than threads asked for (before capping them to the files): give each file a
    // second thread for decoding.
    let asked = opts.threads_for(usize::MAX);
    let two_threads = asked > 1 && to_convert < asked;
    let cancelled = || opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed));
    // Once the disk is full, every further file would fail the same way: stop converting.
    let disk_full = AtomicBool::new(false);

    // Conversions hand their complete files to the committer, which fsyncs and names them on
    // threads of its own while the workers convert on; a record says "converted" only once its
    // file carries its final name.
    let commit_threads = if opts.dry_run { 1 } else { output::COMMIT_THREADS.min(to_convert) };
    output::with_committer(commit_threads, |committer| {
        let work = || {
            use rayon::prelude::*;
            plan.items.par_iter().enumerate().with_max_len(1).for_each(|(i, item)| {
                let outcome = match item {
                    PlanItem::Done(r) => Outcome::Done((**r).clone()),
                    PlanItem::Convert { input, .. } if cancelled() => {
                        Outcome::Done(Record::skipped(input, "interrupted"))
                    }
                    PlanItem::Convert { input, .. } if disk_full.load(Ordering::Relaxed) => {
                        Outcome::Done(Record::skipped(input, "not converted: the disk is full"))
                    }
                    PlanItem::Convert { input, output } => {
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let mut o = run_one(plan, input, output, opts, two_threads, &disk_full);
                            if let (Some(w), Outcome::Commit { record, .. }) =
                                (&matched_warning, &mut o)
                            {
                                record.warnings.insert(0, w.clone());
                            }
                            o
                        }))
                        .unwrap_or_else(|_| {
                            let mut r = Record::new(input, Status::Failed);
                            r.error = Some(
                                "internal error while converting; please report this file".into(),
                            );
                            r.stage = Some(Stage::Decode);
                            Outcome::Done(r)
                        })
                    }
                };
                match outcome {
                    Outcome::Done(record) => finish(i, record),
                    Outcome::Commit { record, tmp, overwrite, source } => {
                        let dest = record.output_path.clone().unwrap_or_default();
                        let (finish, disk_full) = (&finish, &disk_full);
                        committer.submit(tmp, dest, overwrite, move |result| {
                            finish(i, committed(plan, opts, disk_full, record, &source, result));
                        });
                    }
                }
            });
        };
        match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        }
    });
    if !opts.dry_run && to_convert > 0 {
        plan.manifest.compact();
    }
    state.into_inner().map(|st| st.done.into_iter().flatten().collect()).unwrap_or_default()
}

/// Counts of a run's outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files written.
    pub converted: usize,
    /// Files that failed.
    pub failed: usize,
    /// Inputs skipped.
    pub skipped: usize,
    /// Files that would be written (dry run).
    pub planned: usize,
}

impl Summary {
    /// Counts `records`.
    pub fn of(records: &[Record]) -> Summary {
        let mut s = Summary::default();
        for r in records {
            match r.status {
                Status::Converted => s.converted += 1,
                Status::Failed => s.failed += 1,
                Status::Skipped => s.skipped += 1,
                Status::Planned => s.planned += 1,
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_bounded_and_never_more_than_files() {
        let opts = |jobs| ConvertOptions { jobs, ..ConvertOptions::default() };
        assert_eq!(opts(20_000).threads_for(1), 1);
        assert_eq!(opts(20_000).threads_for(100_000), MAX_JOBS);
        assert_eq!(opts(3).threads_for(100), 3);
        assert_eq!(opts(3).threads_for(0), 1);
        assert!(opts(0).threads_for(100) >= 1);
    }
}
