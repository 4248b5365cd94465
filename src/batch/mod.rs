//! Batches: inputs ► walked, planned (names, collisions), converted in parallel, one record per
//! input, in input order.
//!
//! Guarantees:
//! - Inputs are walked by [`crate::walk`] (recursively, sorted, the output folder never
//!   entered): what it skips is reported as `skipped`, what it cannot read (a pipe or device
//!   named as an input, a missing file) as `failed` at the `open` stage, with the walk's reason.
//! - A file input lands directly in the output folder; a folder input keeps its structure under
//!   it, every folder name made safe like file names.
//! - Every output path lies inside the output folder: each component is a safe name, which
//!   cannot be `..`, absolute or contain a separator.
//! - Names are distinct case-insensitively within each output folder, in input order; the same
//!   file given twice is converted once. An output the folder's manifest says was made from an
//!   input keeps that input: the input gets the same name again, and no other input takes it.
//! - Names go to the files that convert: an input that fails for what it holds (not audio,
//!   damaged or cut short, an unsupported codec, too long) never takes a name another input
//!   would have had. Only an input whose name another input also wants can do that: the
//!   *contested* inputs, those sharing a wanted name in one output folder (`cut.m4a`, `cut.mp3`
//!   and `cut.opus` all want `cut.wav`) and those holding a name another input passed over on
//!   its way to a numbered one (`cut-2.m4a` holding `cut-2.wav`). Planning decodes each of
//!   them to the end as the conversion would ([`crate::convert::preflight`]), in parallel; one
//!   that would fail gets its `failed` record (the conversion's reason, stage and kind) and no
//!   name, and the names are given again without it, until no contested input is unprobed.
//!   Every other input is not read while planning. The outcome depends only on the inputs,
//!   their content and the settings: the same names on every run, machine, `jobs` and shard,
//!   and a dry run plans them the same way. A failure that does not follow from the content (a
//!   read error, a permission) keeps the input's name.
//! - No input of the run is ever written: an output path that is the same file as an input
//!   (same device and inode, whatever the names) fails with a reason, with or without `force`.
//!   An input folder that is the output folder, or lies inside it, is refused before anything
//!   is done ([`check_output_folder`]).
//! - A rerun redoes exactly what changed (see [`manifest`]): an output made from this input with
//!   these settings is skipped as up to date; one of ours made from a changed input or with
//!   other settings is converted again and replaced; a file promptwav did not write (or that
//!   changed since) is never replaced without `force`.
//! - One failing file never stops the batch: it gets a `failed` record with its reason.
//! - A dry run predicts the real run: every file it would convert is opened and probed (the
//!   head only; [`crate::convert::Preflight::Open`]) and one that fails is `failed` with the
//!   reason the run would give; outputs that exist are decided as the run decides them, and
//!   [`Record::existing_output`] says what was there (up to date, outdated, not ours).
//! - At most [`MAX_JOBS`] threads, and never more than there are files to convert.

pub mod manifest;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

pub use crate::convert::ConvertOptions;
use crate::convert::{Converted, Preflight, Settings, convert_via, preflight};
use crate::decode::SourceInfo;
use crate::error::{Error, ErrorKind, Stage};
use crate::names::{self, Deduper};
use crate::notice::Notice;
use crate::output;
use crate::parallel;
use crate::profile::Profile;
use crate::schema::Schema;
use crate::walk::{self, Found, Skip, SkipKind};
use manifest::Manifest;

/// The most worker threads a run starts, whatever `jobs` asks.
pub const MAX_JOBS: usize = parallel::MAX_THREADS;

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

/// What was at an input's output name when the run began, if anything (see the module's
/// guarantees on reruns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExistingOutput {
    /// promptwav made it from this input, unchanged, with these settings: skipped.
    UpToDate,
    /// promptwav made it, but not from this input as it is now with these settings (the input
    /// or the settings changed): converted again, replacing it.
    Outdated,
    /// A file promptwav did not make (or that changed since): left alone, replaced only with
    /// `force`.
    NotOurs,
}

/// The report of one input: what it was, what was done, and why not if it was not. Its JSON
/// (`convert --json`) is the report schema's (see [`crate::schema`]): facts about the input
/// unprefixed, facts about the file written prefixed `output_`, units in the names.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Record {
    /// The report schema's version (serialized first, as `"schema": 1`).
    pub schema: Schema,
    /// The input path, as given or found by walking (lossy UTF-8 if it is not UTF-8).
    pub input: String,
    /// The input name's Unicode normalization form when it is not NFC (`"NFD"`, or `"mixed"`;
    /// see [`names::form_of`]): NFC and NFD copies of one name look the same when printed.
    pub input_form: Option<&'static str>,
    /// The output path, or `None` when nothing was (or would be) written.
    pub output: Option<String>,
    /// What became of it.
    pub status: Status,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// The stage that failed.
    pub stage: Option<Stage>,
    /// What kind of failure it was, as a stable snake_case code ([`ErrorKind::code`]): set on
    /// every failed record, `None` otherwise. What to decide on, never `error`'s text.
    pub error_kind: Option<ErrorKind>,
    /// The container found from the content.
    pub format: Option<String>,
    /// The codec of the input's audio track.
    pub codec: Option<String>,
    /// The input's sample rate in Hz.
    pub sample_rate_hz: Option<u32>,
    /// The input's channel count.
    pub channels: Option<u16>,
    /// The input's bits per sample, where its codec has such a thing (not MP3, AAC, Opus...).
    pub bits_per_sample: Option<u16>,
    /// The input's duration in seconds.
    pub duration_s: Option<f64>,
    /// Samples clipped in the source: in runs of the profile's `content.clip_run` or more
    /// full-scale samples (the count `check` gives the source), whatever finishing did to the
    /// level.
    pub clipped_samples: Option<u64>,
    /// Those runs.
    pub clip_runs: Option<u64>,
    /// Output samples clipped at the 16-bit conversion (past full scale after mixing,
    /// resampling and finishing).
    pub output_clipped_samples: Option<u64>,
    /// Things worth knowing that did not stop the conversion.
    pub warnings: Vec<String>,
    /// What was at the output's name when the run began (`None`: nothing, or not looked at).
    pub existing_output: Option<ExistingOutput>,
    /// Finishing only: integrated loudness of the input (LUFS), measured at the output rate
    /// after the downmix, before any gain.
    pub loudness_lufs: Option<f64>,
    /// Finishing only: true peak of the input (dBTP), measured as `loudness_lufs`.
    pub true_peak_dbtp: Option<f64>,
    /// Finishing only: integrated loudness of the file written (LUFS).
    pub output_loudness_lufs: Option<f64>,
    /// Finishing only: true peak of the file written (dBTP).
    pub output_true_peak_dbtp: Option<f64>,
    /// Finishing only: the gain applied (dB).
    pub gain_db: Option<f64>,
    /// Finishing only: the limiter's deepest gain reduction (dB, 0 when it did nothing).
    pub limiter_db: Option<f64>,
    /// Finishing only: seconds of silence trimmed from the start.
    pub trimmed_start_s: Option<f64>,
    /// Finishing only: seconds of silence trimmed from the end.
    pub trimmed_end_s: Option<f64>,
    /// Converted only: the container written (`wav`).
    pub output_format: Option<&'static str>,
    /// Converted only: the codec written (`pcm_s16le`, `pcm_mulaw`, `pcm_alaw`), named as
    /// `check` names it.
    pub output_codec: Option<&'static str>,
    /// Converted only: the output's sample rate in Hz.
    pub output_sample_rate_hz: Option<u32>,
    /// Converted only: the output's channel count.
    pub output_channels: Option<u16>,
    /// Converted only: the output's bits per sample.
    pub output_bits_per_sample: Option<u16>,
    /// Converted only: the duration of the file written, in seconds: frames written over the
    /// output rate, after trimming and finishing.
    pub output_duration_s: Option<f64>,
    /// Converted only: the size of the file written, in bytes.
    pub output_size_bytes: Option<u64>,
    /// The typed key of `error` when the input was skipped (not serialized: `error` holds its
    /// English text).
    #[serde(skip)]
    pub notice: Option<Notice>,
    /// The typed keys of `warnings`, one each, in the same order (not serialized).
    #[serde(skip)]
    pub warning_notices: Vec<Notice>,
    /// The input path as an OS path (not serialized).
    #[serde(skip)]
    pub input_path: PathBuf,
    /// The output path as an OS path (not serialized). For an input skipped because a file
    /// promptwav did not make holds its name ([`ExistingOutput::NotOurs`]), that file's path
    /// (while `output` is `None`: nothing stands for this input there).
    #[serde(skip)]
    pub output_path: Option<PathBuf>,
}

impl Record {
    /// The record of an entry the walk left out: `skipped`, or `failed` at the open stage.
    fn from_skip(skip: Skip) -> Record {
        match (skip.kind, skip.notice) {
            (SkipKind::Skipped, Some(notice)) => Record::skipped(&skip.path, notice),
            (SkipKind::Skipped, None) => {
                let mut r = Record::new(&skip.path, Status::Skipped);
                r.error = Some(skip.reason);
                r
            }
            (SkipKind::Unreadable, _) => {
                let kind = skip.error_kind.unwrap_or(ErrorKind::default_for(Stage::Open));
                Record::failed(&skip.path, Stage::Open, skip.reason).of_kind(kind)
            }
        }
    }

    fn new(input: &Path, status: Status) -> Record {
        // A name from a ZIP made on Korean Windows shows as its CP949 reading, marked.
        let (shown, form) = match names::cp949_reading(input) {
            Some(text) => (text, Some("CP949")),
            None => {
                let text = input.to_string_lossy().into_owned();
                let form = names::form_of(&text);
                (text, form)
            }
        };
        Record {
            schema: Schema,
            input_form: form,
            input: shown,
            output: None,
            status,
            error: None,
            stage: None,
            error_kind: None,
            format: None,
            codec: None,
            sample_rate_hz: None,
            channels: None,
            bits_per_sample: None,
            duration_s: None,
            clipped_samples: None,
            clip_runs: None,
            output_clipped_samples: None,
            warnings: Vec::new(),
            existing_output: None,
            loudness_lufs: None,
            true_peak_dbtp: None,
            output_loudness_lufs: None,
            output_true_peak_dbtp: None,
            gain_db: None,
            limiter_db: None,
            trimmed_start_s: None,
            trimmed_end_s: None,
            output_format: None,
            output_codec: None,
            output_sample_rate_hz: None,
            output_channels: None,
            output_bits_per_sample: None,
            output_duration_s: None,
            output_size_bytes: None,
            notice: None,
            warning_notices: Vec::new(),
            input_path: input.to_path_buf(),
            output_path: None,
        }
    }

    /// A failure that concerns `path` (an input, or a file the run writes besides the outputs,
    /// such as the names map) at `stage`, of the usual kind for the stage (see
    /// [`Record::of_kind`] to say another).
    pub fn failed(path: &Path, stage: Stage, why: impl Into<String>) -> Record {
        let mut r = Record::new(path, Status::Failed);
        r.error = Some(why.into());
        r.stage = Some(stage);
        r.error_kind = Some(ErrorKind::default_for(stage));
        r
    }

    /// The same record, failed of `kind`.
    pub fn of_kind(mut self, kind: ErrorKind) -> Record {
        self.error_kind = Some(kind);
        self
    }

    fn skipped(input: &Path, why: Notice) -> Record {
        let mut r = Record::new(input, Status::Skipped);
        r.error = Some(why.english());
        r.notice = Some(why);
        r
    }

    /// Adds a warning: its English text to `warnings`, its key to `warning_notices`.
    fn warn(&mut self, notice: Notice) {
        self.warnings.push(notice.english());
        self.warning_notices.push(notice);
    }

    /// Adds a warning before the others.
    fn warn_first(&mut self, notice: Notice) {
        self.warnings.insert(0, notice.english());
        self.warning_notices.insert(0, notice);
    }

    /// Makes the record skipped for `why`, with no output.
    fn skip(&mut self, why: Notice) {
        self.status = Status::Skipped;
        self.error = Some(why.english());
        self.notice = Some(why);
        self.error_kind = None;
        self.stage = None;
        self.output = None;
        self.output_path = None;
    }

    /// Makes the record failed at `stage`, of `kind`, for `why`.
    fn fail_with(&mut self, stage: Stage, kind: ErrorKind, why: impl Into<String>) {
        self.status = Status::Failed;
        self.stage = Some(stage);
        self.error_kind = Some(kind);
        self.error = Some(why.into());
    }

    fn set_output(&mut self, out: &Path) {
        self.output = Some(out.to_string_lossy().into_owned());
        self.output_path = Some(out.to_path_buf());
    }

    /// Fills in what converting found and wrote, in `profile`'s format.
    fn fill(&mut self, c: &Converted, profile: &Profile) {
        let r = |v: f64, places: i32| {
            let k = 10f64.powi(places);
            (v * k).round() / k
        };
        self.format = Some(c.source.format.clone());
        self.codec = Some(c.source.codec.clone());
        self.sample_rate_hz = Some(c.source.sample_rate);
        self.channels = Some(c.source.channels);
        self.bits_per_sample = c.source.bits_per_sample.and_then(|b| u16::try_from(b).ok());
        self.duration_s = Some(r(c.duration_s(), 3));
        self.clipped_samples = Some(c.clipped_samples);
        self.clip_runs = Some(c.clip_runs);
        self.output_clipped_samples = Some(c.output_clipped_samples);
        self.warnings = c.warnings.clone();
        self.warning_notices = c.notices.clone();
        if let Some(f) = &c.finish {
            self.loudness_lufs = f.loudness_before.map(|v| r(v, 2));
            self.true_peak_dbtp = f.true_peak_before.map(|v| r(v, 2));
            self.output_loudness_lufs = f.loudness_after.map(|v| r(v, 2));
            self.output_true_peak_dbtp = f.true_peak_after.map(|v| r(v, 2));
            self.gain_db = Some(r(f.gain_db, 2));
            self.limiter_db = Some(r(f.limiter_db, 2));
            self.trimmed_start_s = Some(r(f.trimmed_start_s, 3));
            self.trimmed_end_s = Some(r(f.trimmed_end_s, 3));
        }
        self.output_format = Some("wav");
        self.output_codec = Some(profile.codec.name());
        self.output_sample_rate_hz = Some(c.output_rate);
        self.output_channels = Some(profile.channels);
        self.output_bits_per_sample = Some(profile.bits_per_sample);
        self.output_duration_s = Some(r(c.output_duration_s(), 3));
        self.output_size_bytes = Some(c.output_bytes);
    }

    fn fail(&mut self, e: &Error) {
        self.status = Status::Failed;
        self.error = Some(e.reason().to_string());
        self.stage = Some(e.stage());
        self.error_kind = Some(e.kind());
        self.output = None;
        self.output_path = None;
        // What was known of the source when it failed (after probing).
        if let Some(f) = e.facts() {
            self.set_facts(f);
        }
    }

    /// Sets what probing tells of the input.
    fn set_facts(&mut self, f: &crate::error::Facts) {
        self.format = f.format.clone();
        self.codec = f.codec.clone();
        self.sample_rate_hz = f.sample_rate;
        self.channels = f.channels;
        self.duration_s = f.duration_s.map(|d| (d * 1000.0).round() / 1000.0);
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

    /// Keeps only shard `index` (from 0) of `count`: the items whose input path, as given or
    /// walked, hashes to it (64-bit FNV-1a of the path's bytes, the same on every machine and
    /// run). Names were planned from every input before, so the shards of one plan together
    /// hold exactly its items, with the same output names.
    pub fn retain_shard(&mut self, index: u64, count: u64) {
        self.items.retain(|item| {
            let input = match item {
                PlanItem::Convert { input, .. } => input.as_path(),
                PlanItem::Done(r) => r.input_path.as_path(),
            };
            in_shard(input, index, count)
        });
    }
}

/// Whether `path` (as given or walked) falls in shard `index` (from 0) of `count`: the rule of
/// `--shard` for both `convert` ([`Plan::retain_shard`]) and `check`.
pub fn in_shard(path: &Path, index: u64, count: u64) -> bool {
    shard_hash(path.as_os_str().as_encoded_bytes()) % count.max(1) == index
}

/// 64-bit FNV-1a: a tiny, stable hash (no seed, no platform dependence) for sharding.
fn shard_hash(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Walks `inputs` and decides every output name. Writes nothing.
///
/// Outputs the output folder's manifest knows (and that are still the files promptwav wrote)
/// are reserved first: the input each was made from gets it again, and no other input does.
/// The other names are then given in input order, to the files that convert: the contested
/// inputs (see the module's guarantees) are decoded first, and one that would fail gets its
/// `failed` record instead of a name.
pub fn plan(inputs: &[PathBuf], out_dir: &Path, opts: &ConvertOptions) -> Plan {
    let found = walk::walk(inputs, Some(out_dir));
    let manifest = Manifest::load(out_dir);
    let folder_key = |rel_dir: &Path| rel_dir.to_string_lossy().to_ascii_lowercase();
    // Existing outputs keep their inputs: input (manifest key) -> its outputs, relative, in
    // sorted order (an input may have been converted into two folders).
    let mut kept: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let mut reserved: Vec<(String, String)> = Vec::new();
    let mut existing: Vec<&manifest::Entry> = manifest.existing().collect();
    existing.sort_by(|a, b| a.output.cmp(&b.output));
    for e in existing {
        let rel: PathBuf = e.output.split('/').collect();
        let (Some(dir), Some(name)) = (rel.parent(), rel.file_name()) else { continue };
        reserved.push((folder_key(dir), name.to_string_lossy().into_owned()));
        kept.entry(e.input.clone()).or_default().push(rel);
    }
    let mut seen_inputs: HashSet<PathBuf> = HashSet::new();
    let mut ids: HashSet<FileId> = HashSet::new();
    let walked: Vec<Walked> = found
        .into_iter()
        .map(|f| match f {
            Err(skip) => Walked::Done(Box::new(Record::from_skip(skip))),
            Ok(Found { path, rel_dir, canonical }) => {
                let canon = canonical.or_else(|| fs::canonicalize(&path).ok());
                if let Some(c) = &canon
                    && !seen_inputs.insert(c.clone())
                {
                    let why = Notice::SameFileAsEarlier;
                    return Walked::Done(Box::new(Record::skipped(&path, why)));
                }
                if let Some(id) = FileId::of(&path) {
                    ids.insert(id);
                }
                // (The key costs a canonical path per file: not asked for when nothing is kept.)
                let own = (!kept.is_empty())
                    .then(|| manifest::input_key(&path))
                    .flatten()
                    .and_then(|k| kept.get(&k))
                    .and_then(|rels| rels.iter().find(|r| r.parent() == Some(rel_dir.as_path())));
                if let Some(rel) = own {
                    return Walked::Kept { output: out_dir.join(rel), input: path };
                }
                Walked::Free { input: path, rel_dir }
            }
        })
        .collect();
    let wanted: Vec<Option<Wanted>> = walked
        .iter()
        .map(|w| match w {
            Walked::Free { input, rel_dir } => Some(Wanted {
                folder: folder_key(rel_dir),
                name: names::output_name(
                    input.file_name().unwrap_or_default(),
                    opts.profile.extension,
                ),
            }),
            _ => None,
        })
        .collect();
    let (names, mut failed) = name_converting(&reserved, &wanted, |suspects| {
        let paths: Vec<&Path> = suspects
            .iter()
            .map(|&i| match &walked[i] {
                Walked::Free { input, .. } => input.as_path(),
                _ => Path::new(""),
            })
            .collect();
        parallel::ordered(
            &paths,
            opts.threads_for(paths.len()),
            |_, p| match preflight(p, opts, Preflight::Decode) {
                Err(e) if fails_for_its_content(&e) => {
                    let mut r = Record::new(p, Status::Failed);
                    r.fail(&e);
                    Some(r)
                }
                _ => None,
            },
            // A bug met while probing: the conversion meets it again, and reports it.
            |_, _| None,
            &mut |_| {},
            &mut |_| {},
        )
    });
    let items = walked
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(i, (w, name))| match w {
            Walked::Done(r) => PlanItem::Done(r),
            Walked::Kept { input, output } => PlanItem::Convert { input, output },
            Walked::Free { input, rel_dir } => match (failed.remove(&i), name) {
                (Some(r), _) => PlanItem::Done(Box::new(r)),
                (None, Some(name)) => {
                    PlanItem::Convert { output: out_dir.join(&rel_dir).join(name), input }
                }
                (None, None) => PlanItem::Done(Box::new(Record::failed(
                    &input,
                    Stage::Open,
                    "internal error: no name was planned; please report this file",
                ))),
            },
        })
        .collect();
    Plan { out_dir: out_dir.to_path_buf(), items, inputs: ids, manifest }
}

/// A walked entry while planning: final already, kept by the manifest, or to be named.
enum Walked {
    Done(Box<Record>),
    Kept { input: PathBuf, output: PathBuf },
    Free { input: PathBuf, rel_dir: PathBuf },
}

/// Whether a failure follows from what the file holds (and the settings), so that it fails the
/// same way on every run and machine: only such a failure gives the input's name away.
fn fails_for_its_content(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotAudio | ErrorKind::UnsupportedCodec | ErrorKind::Damaged | ErrorKind::TooLong
    )
}

/// The name an input wants: its folder's key and its safe name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    /// The output folder's key (relative, lowercase).
    folder: String,
    /// The safe name, before numbering.
    name: String,
}

/// Gives every input of `wanted` (`None`: not named here) a name after the `reserved` ones, in
/// order, leaving out the inputs in `failed`. Returns the names and the *contested* inputs:
/// those whose failure could change another input's name, that is every input sharing its
/// wanted name (folder and name, case-insensitively) with another, and every input holding a
/// name another passed over. (Numbers a wanted name skips were passed over by an earlier input
/// wanting it, so their holders are contested already.)
fn assign(
    reserved: &[(String, String)],
    wanted: &[Option<Wanted>],
    failed: &HashSet<usize>,
) -> (Vec<Option<String>>, BTreeSet<usize>) {
    let mut dedupe = Deduper::new();
    for (folder, name) in reserved {
        dedupe.reserve(folder, name);
    }
    let mut contested = BTreeSet::new();
    let mut by_wanted: HashMap<(&str, String), Vec<usize>> = HashMap::new();
    let names = wanted
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let w = w.as_ref().filter(|_| !failed.contains(&i))?;
            let (name, passed) = dedupe.take_for(&w.folder, &w.name, i);
            contested.extend(passed);
            by_wanted.entry((&w.folder, w.name.to_ascii_lowercase())).or_default().push(i);
            Some(name)
        })
        .collect();
    for group in by_wanted.values().filter(|g| g.len() > 1) {
        contested.extend(group.iter().copied());
    }
    (names, contested)
}

/// Names the inputs of `wanted` as [`assign`] does, giving no name to an input that would fail:
/// `probe` is asked about the contested inputs not asked about yet (in input order) and answers
/// for each its failed record, or `None` when it would convert; the names are then given again
/// without the failures, until every contested input has been asked about. Returns the names
/// and the failed records, by input.
fn name_converting<R>(
    reserved: &[(String, String)],
    wanted: &[Option<Wanted>],
    mut probe: impl FnMut(&[usize]) -> Vec<Option<R>>,
) -> (Vec<Option<String>>, HashMap<usize, R>) {
    let mut asked: HashSet<usize> = HashSet::new();
    let mut failed: HashMap<usize, R> = HashMap::new();
    loop {
        let out: HashSet<usize> = failed.keys().copied().collect();
        let (names, contested) = assign(reserved, wanted, &out);
        let new: Vec<usize> = contested.into_iter().filter(|i| !asked.contains(i)).collect();
        if new.is_empty() {
            return (names, failed);
        }
        let answers = probe(&new);
        for (i, answer) in new.into_iter().zip(answers) {
            asked.insert(i);
            if let Some(r) = answer {
                failed.insert(i, r);
            }
        }
    }
}

/// What to do with a planned output, from what is on disk and in the manifest.
enum Decision {
    /// Convert; replace the file at the output's name when there is one (`existing`).
    Convert { existing: Option<ExistingOutput> },
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
        let record = Record::failed(input, Stage::Write, why).of_kind(ErrorKind::LinkInOutput);
        return Decision::Leave(Box::new(record));
    }
    let Ok(meta) = fs::symlink_metadata(output) else {
        return Decision::Convert { existing: None };
    };
    let mut record = Record::new(input, Status::Skipped);
    if plan.is_input(output) {
        record.fail_with(
            Stage::Write,
            ErrorKind::IsAnInput,
            "the output would replace an input of this run (the same file); nothing was \
             written: choose another output folder with -o",
        );
        return Decision::Leave(Box::new(record));
    }
    if meta.is_dir() {
        record.fail_with(Stage::Write, ErrorKind::OutputExists, "a folder has the output's name");
        return Decision::Leave(Box::new(record));
    }
    let settings = opts.fingerprint();
    let ours = manifest::relative(&plan.out_dir, output).and_then(|rel| plan.manifest.ours(&rel));
    match ours {
        Some(e) if manifest::made_from(e, input, &settings) && !opts.force => {
            record.skip(Notice::UpToDate);
            record.set_output(output);
            record.existing_output = Some(ExistingOutput::UpToDate);
            Decision::Leave(Box::new(record))
        }
        Some(e) if manifest::made_from(e, input, &settings) => {
            Decision::Convert { existing: Some(ExistingOutput::UpToDate) }
        }
        Some(_) => Decision::Convert { existing: Some(ExistingOutput::Outdated) },
        None if opts.force => Decision::Convert { existing: Some(ExistingOutput::NotOurs) },
        None => {
            record.skip(Notice::NotOurs);
            record.existing_output = Some(ExistingOutput::NotOurs);
            // Not the run's output (`output` stays null for the names map): for the line only.
            record.output_path = Some(output.to_path_buf());
            Decision::Leave(Box::new(record))
        }
    }
}

/// What converting one planned file left: its record, or a complete output still to commit.
// One per file, moved once: the size of a record is no cost worth a box.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    /// Final.
    Done(Record),
    /// Complete in its temporary file: `record` once committed (the input's stamp `before` it
    /// was opened goes to the manifest).
    Commit {
        record: Box<Record>,
        tmp: output::TempFile,
        overwrite: bool,
        source: Box<SourceInfo>,
        before: Option<(u64, u128)>,
    },
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
    let existing = match decide(plan, input, output, opts) {
        Decision::Leave(r) => return Outcome::Done(*r),
        Decision::Convert { existing } => existing,
    };
    record.existing_output = existing;
    let overwrite = existing.is_some();
    if opts.dry_run {
        // What the run would find on opening the file: its failure, or what it is.
        match preflight(input, opts, Preflight::Open) {
            Err(e) => record.fail(&e),
            Ok(source) => {
                record.status = Status::Planned;
                record.set_facts(&crate::convert::facts_of(&source));
                if overwrite {
                    record.warn(Notice::WouldReplace);
                }
            }
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
    // The input as it is before it is opened: an input replaced while it converts must not be
    // recorded as the source of this output.
    let before = manifest::stamp(input);
    match convert_via(input, output, &plan.out_dir, &opts.profile, &settings) {
        Ok(c) => match held.take() {
            Some(tmp) => {
                let mut converted = record.clone();
                converted.fill(&c, &opts.profile);
                if manifest::stamp(input) != before {
                    converted.warn(Notice::InputChanged);
                }
                return Outcome::Commit {
                    record: Box::new(converted),
                    tmp,
                    overwrite,
                    source: Box::new(c.source),
                    before,
                };
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

/// The record of a conversion that completed, once its commit has: converted (and recorded in
/// the manifest, as the input was `before` it was opened), or failed as the commit did.
fn committed(
    plan: &Plan,
    opts: &ConvertOptions,
    disk_full: &AtomicBool,
    mut record: Record,
    source: &SourceInfo,
    before: Option<(u64, u128)>,
    result: std::io::Result<()>,
) -> Record {
    let Some(output) = record.output_path.clone() else { return record };
    match result {
        Ok(()) => {
            let input = record.input_path.clone();
            if let Err(why) = plan.manifest.record(&input, &output, &opts.fingerprint(), before) {
                record.warn(Notice::NotInManifest { why: why.to_string() });
            }
            record
        }
        Err(e) => {
            // As it would have failed inside the conversion: what the source was, no more.
            let mut failed = Record::new(&record.input_path, Status::Converted);
            failed.set_output(&output);
            failed.existing_output = record.existing_output;
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
        record.skip(Notice::Interrupted);
    } else if e.kind() == ErrorKind::OutputExists {
        // Planned as free, and taken while this file converted (another run or program): this
        // input was not converted, which is a failure, not a skip.
        record.fail(e);
        record.error = Some(
            "another program or run created the output while this file was converted; it was \
             left alone and this file was not converted (run again)"
                .into(),
        );
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
        let (finish, warning) = crate::convert::matched_finish(&inputs, opts);
        matched_warning = warning;
        matched = ConvertOptions { finish, ..opts.clone() };
        &matched
    } else {
        opts
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
    // file carries its final name. A worker's result is then the receiver of that record, which
    // the calling thread waits for in input order (the workers do not wait).
    #[allow(clippy::large_enum_variant)]
    enum Pending {
        Ready(Record),
        Committing(mpsc::Receiver<Record>),
    }
    let commit_threads = if opts.dry_run { 1 } else { output::COMMIT_THREADS.min(to_convert) };
    let mut records = Vec::with_capacity(plan.items.len());
    output::with_committer(commit_threads, |committer| {
        parallel::ordered(
            &plan.items,
            jobs,
            |_, item| {
                let outcome = match item {
                    PlanItem::Done(r) => Outcome::Done((**r).clone()),
                    PlanItem::Convert { input, .. } if cancelled() => {
                        Outcome::Done(Record::skipped(input, Notice::Interrupted))
                    }
                    PlanItem::Convert { input, .. } if disk_full.load(Ordering::Relaxed) => {
                        Outcome::Done(Record::skipped(input, Notice::DiskFull))
                    }
                    PlanItem::Convert { input, output } => {
                        let mut o = run_one(plan, input, output, opts, two_threads, &disk_full);
                        match (&matched_warning, &mut o) {
                            (Some(w), Outcome::Commit { record, .. }) => {
                                record.warn_first(Notice::Other(w.clone()));
                            }
                            (Some(w), Outcome::Done(record))
                                if record.status == Status::Converted =>
                            {
                                record.warn_first(Notice::Other(w.clone()));
                            }
                            _ => {}
                        }
                        o
                    }
                };
                match outcome {
                    Outcome::Done(record) => {
                        on_progress(&record);
                        Pending::Ready(record)
                    }
                    Outcome::Commit { record, tmp, overwrite, source, before } => {
                        let dest = record.output_path.clone().unwrap_or_default();
                        let (tx, rx) = mpsc::channel();
                        let disk_full = &disk_full;
                        committer.submit(tmp, dest, overwrite, move |result| {
                            let r =
                                committed(plan, opts, disk_full, *record, &source, before, result);
                            on_progress(&r);
                            let _ = tx.send(r);
                        });
                        Pending::Committing(rx)
                    }
                }
            },
            |_, item| {
                let input = match item {
                    PlanItem::Convert { input, .. } => input.as_path(),
                    PlanItem::Done(r) => r.input_path.as_path(),
                };
                let mut r = Record::new(input, Status::Failed);
                r.fail_with(
                    Stage::Decode,
                    ErrorKind::Internal,
                    "internal error while converting; please report this file",
                );
                on_progress(&r);
                Pending::Ready(r)
            },
            &mut |_| {},
            &mut |p| {
                let record = match p {
                    Pending::Ready(r) => r.clone(),
                    Pending::Committing(rx) => rx.recv().unwrap_or_else(|_| {
                        let mut r = Record::new(Path::new(""), Status::Failed);
                        r.error = Some("internal error while committing; please report it".into());
                        r.error_kind = Some(ErrorKind::Internal);
                        r
                    }),
                };
                on_record(&record);
                records.push(record);
            },
        );
    });
    records
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
    fn the_shard_hash_is_stable() {
        // Fixed values: a change here would move files between the shards of running setups.
        assert_eq!(shard_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(shard_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    fn want(folder: &str, name: &str) -> Option<Wanted> {
        Some(Wanted { folder: folder.into(), name: name.into() })
    }

    /// Names `wanted` with the inputs of `bad` failing; returns the names and every input
    /// probed, in the order asked.
    fn named(
        reserved: &[(String, String)],
        wanted: &[Option<Wanted>],
        bad: &[usize],
    ) -> (Vec<Option<String>>, Vec<usize>) {
        let mut asked = Vec::new();
        let (names, failed) = name_converting(reserved, wanted, |new| {
            asked.extend_from_slice(new);
            new.iter().map(|i| bad.contains(i).then_some(*i)).collect()
        });
        let mut failed: Vec<usize> = failed.into_keys().collect();
        failed.sort_unstable();
        let mut expected = bad.to_vec();
        expected.sort_unstable();
        expected.retain(|i| asked.contains(i));
        assert_eq!(failed, expected);
        (names, asked)
    }

    fn some(names: &[&str]) -> Vec<Option<String>> {
        names.iter().map(|n| (!n.is_empty()).then(|| n.to_string())).collect()
    }

    #[test]
    fn failing_inputs_give_their_names_to_the_ones_that_convert() {
        // Issue 12: cut.m4a and cut.mp3 fail, cut.opus converts, cut.aac fails too.
        let wanted = vec![
            want("", "cut.wav"),
            want("", "cut.wav"),
            want("", "cut.wav"),
            want("", "cut.wav"),
        ];
        let (names, asked) = named(&[], &wanted, &[0, 1, 3]);
        assert_eq!(names, some(&["", "", "cut.wav", ""]));
        assert_eq!(asked, vec![0, 1, 2, 3], "every member of the group is probed");
        // Nothing fails: the plain numbering.
        let (names, _) = named(&[], &wanted, &[]);
        assert_eq!(names, some(&["cut.wav", "cut-2.wav", "cut-3.wav", "cut-4.wav"]));
    }

    #[test]
    fn an_input_that_wants_no_other_inputs_name_is_not_probed() {
        let wanted = vec![want("", "a.wav"), want("", "b.wav"), want("sub", "a.wav")];
        let (names, asked) = named(&[], &wanted, &[0, 1]);
        // Failing or not, no other input's name depends on them: they keep theirs (and fail
        // when converted).
        assert_eq!(names, some(&["a.wav", "b.wav", "a.wav"]));
        assert!(asked.is_empty(), "{asked:?}");
        // Other folders do not collide; case does.
        let wanted = vec![want("", "A.wav"), want("", "a.WAV"), want("x", "a.wav")];
        let (names, asked) = named(&[], &wanted, &[0]);
        assert_eq!(names, some(&["", "a.WAV", "a.wav"]));
        assert_eq!(asked, vec![0, 1]);
    }

    #[test]
    fn a_numbered_name_held_by_a_failing_input_is_given_back() {
        // cut-2.m4a (sorted first) wants cut-2.wav, which cut.opus passes over on its way to
        // cut-3.wav: its failure matters though no other input wants its name.
        let wanted = vec![want("", "cut-2.wav"), want("", "cut.wav"), want("", "cut.wav")];
        let (names, asked) = named(&[], &wanted, &[0]);
        assert_eq!(names, some(&["", "cut.wav", "cut-2.wav"]));
        assert_eq!(asked, vec![0, 1, 2]);
        // Once failures are out, the names given again may pass over a new holder: it is
        // probed in a second round. Here input 2 holds cut-2.wav only once input 0 is gone
        // (before, input 1 held it and input 2 got cut-2-2.wav), and input 3 passes over it.
        let wanted = vec![
            want("", "cut.wav"),
            want("", "cut.wav"),
            want("", "cut-2.wav"),
            want("", "cut.wav"),
        ];
        let (names, asked) = named(&[], &wanted, &[0]);
        assert_eq!(names, some(&["", "cut.wav", "cut-2.wav", "cut-3.wav"]));
        assert_eq!(asked, vec![0, 1, 3, 2]);
        // Had input 2 failed as well, the second round would have given its name away too.
        let (names, _) = named(&[], &wanted, &[0, 2]);
        assert_eq!(names, some(&["", "cut.wav", "", "cut-2.wav"]));
    }

    #[test]
    fn names_kept_by_the_manifest_stay_reserved_and_are_never_probed() {
        let reserved = vec![(String::new(), "cut.wav".to_string())];
        let wanted = vec![want("", "cut.wav"), want("", "cut.wav")];
        let (names, asked) = named(&reserved, &wanted, &[0]);
        assert_eq!(names, some(&["", "cut-2.wav"]));
        assert_eq!(asked, vec![0, 1]);
        // A lone input passing over a reserved name has nobody to probe.
        let (names, asked) = named(&reserved, &wanted[..1], &[0]);
        assert_eq!(names, some(&["cut-2.wav"]));
        assert!(asked.is_empty());
    }

    #[test]
    fn the_names_do_not_depend_on_the_order_of_the_answers() {
        // The probe's answers come back in input order whatever the threads: the outcome is a
        // function of which inputs fail, nothing else.
        let wanted: Vec<Option<Wanted>> =
            (0..12).map(|i| want("", if i % 3 == 0 { "x-2.wav" } else { "x.wav" })).collect();
        let bad = [1, 3, 4, 9];
        let first = named(&[], &wanted, &bad);
        for _ in 0..3 {
            assert_eq!(named(&[], &wanted, &bad), first);
        }
        let names: Vec<&str> = first.0.iter().flatten().map(String::as_str).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.contains(&"x.wav") && names.contains(&"x-2.wav"), "{names:?}");
    }

    #[test]
    fn threads_are_bounded_and_never_more_than_files() {
        let opts = |jobs| ConvertOptions { jobs, ..ConvertOptions::default() };
        assert_eq!(opts(20_000).threads_for(1), 1);
        assert_eq!(opts(20_000).threads_for(100_000), MAX_JOBS);
        assert_eq!(opts(3).threads_for(100), 3);
        assert_eq!(opts(3).threads_for(0), 1);
        assert!(opts(0).threads_for(100) >= 1);
    }

    #[test]
    fn a_record_starts_with_the_schema_and_names_facts_with_units() {
        let r = Record::failed(Path::new("a.mp3"), Stage::Probe, "not audio");
        let text = serde_json::to_string(&r).unwrap_or_default();
        assert!(text.starts_with(r#"{"schema":1,"input":"a.mp3","#), "{text}");
        for old in ["source_rate", "loudness_before", "loudness_after", "true_peak_after"] {
            assert!(!text.contains(old), "{old} in {text}");
        }
    }

    #[test]
    fn the_output_facts_are_those_of_the_file_written() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/pcm_s16le_22050_mono.wav");
        for profile in crate::profile::PROFILES {
            let out = dir.path().join(profile.name);
            if fs::create_dir(&out).is_err() {
                panic!("cannot create {}", out.display());
            }
            let opts = ConvertOptions { profile: profile.clone(), ..ConvertOptions::default() };
            let plan = plan(std::slice::from_ref(&fixture), &out, &opts);
            let records = run(&plan, &opts, &|_| {}, &|_| {});
            let r = &records[0];
            assert_eq!(r.status, Status::Converted, "{r:?}");
            let Some(written) = &r.output_path else { panic!("no output: {r:?}") };
            let size = fs::metadata(written).map(|m| m.len()).ok();
            assert_eq!(r.output_size_bytes, size, "{}", profile.name);
            assert_eq!(r.output_sample_rate_hz, Some(profile.sample_rate));
            assert_eq!(r.output_codec, Some(profile.codec.name()));
            assert_eq!(r.output_bits_per_sample, Some(profile.bits_per_sample));
            // The frames the file holds, over its rate: the header's size, not the source's.
            let header = if profile.codec == crate::profile::Codec::Pcm { 44 } else { 58 };
            let bytes_per_frame = u64::from(profile.bits_per_sample / 8);
            let frames = (size.unwrap_or(0) - header) / bytes_per_frame;
            let seconds = frames as f64 / f64::from(profile.sample_rate);
            let reported = r.output_duration_s.unwrap_or(f64::NAN);
            assert!((reported - seconds).abs() <= 0.0005 + 1.0 / f64::from(profile.sample_rate));
            assert_eq!(
                (r.sample_rate_hz, r.channels, r.bits_per_sample),
                (Some(22_050), Some(1), Some(16))
            );
        }
    }
}
