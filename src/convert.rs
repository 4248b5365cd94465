//! One file through the whole pipeline: decode ► mix ► resample ► (finish) ► encode ► output.
//!
//! Guarantees: the input is only read; the output appears under its final name only when it is
//! complete (see [`crate::output`]); on any failure nothing is left behind. Memory is bounded by
//! a few packets' worth of samples, whatever the input's length.
//!
//! Without finishing options the file is streamed once, in one pass. With them
//! ([`crate::finish::FinishOptions`]) the file is measured first (loudness, true peak, DC offset,
//! short-term levels for trimming, channel statistics for the smart downmix), then rendered and
//! measured again as written, until the loudness is within [`LOUDNESS_TOLERANCE_LU`] of the target
//! and the true peak under the ceiling (at most [`MAX_RENDERS`] renders; the limiter's threshold
//! and the gain are corrected from what the previous render measured, by
//! [`finish::GainSearch`], a state machine without I/O). Both paths end the same way (warnings,
//! a cancel asked for, the limits as written, publishing: `end_conversion`). Each pass decodes the file
//! again, except that a file whose mono signal at the output rate fits in [`CACHE_SAMPLES`] is
//! kept in memory after the first decode and replayed: memory stays bounded for any length.
//!
//! Every output passes its profile's limits (duration, file size) and fits a WAV file (4 GiB):
//! a file that cannot is `failed` with the limit in the reason and nothing is written. When the
//! length is known before writing (declared by the container, or measured by finishing, after
//! trimming) it is judged before writing; otherwise writing stops as soon as a limit is passed.
//! The judgement is the profile's own ([`Profile::duration_rule_broken`],
//! [`Profile::size_rule_broken`]), the one `check` applies.
//!
//! A failure after the file was probed carries what was known of the source
//! ([`crate::error::Facts`]: format, codec, rate, channels, declared duration).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::decode::{DecodeStats, Decoder, SourceInfo};
use crate::encode::{self, G711, Quantizer, WavWriter};
use crate::error::{Error, ErrorKind, Facts, Result, Stage, io_reason};
use crate::finish::{self, FinishOptions, FinishReport, Plan, Step};
use crate::mix::{self, ChannelStats, ClipCounter, Clipping, Downmix, Invalid};
use crate::notice::Notice;
use crate::output::{PrivateDir, TempFile, Writeback};
use crate::profile::{Codec, Profile, human_duration};
use crate::resample::{Resampler, UnsupportedRate, output_len};

/// What converting one file found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// What the source was.
    pub source: SourceInfo,
    /// Source frames decoded (after gapless trimming).
    pub source_frames: u64,
    /// Frames written at the target rate.
    pub output_frames: u64,
    /// The output's sample rate in Hz (the profile's).
    pub output_rate: u32,
    /// The size of the file written, in bytes.
    pub output_bytes: u64,
    /// Samples clipped in the source: in runs of the profile's `content.clip_run` or more
    /// full-scale samples, counted per channel before mixing ([`mix::ClipCounter`], the count
    /// `check` gives the same file), whatever finishing then does to the level.
    pub clipped_samples: u64,
    /// Those runs.
    pub clip_runs: u64,
    /// Samples clipped at the 16-bit conversion of the output (values past full scale after
    /// mixing, resampling and finishing): a separate fact, 0 when finishing keeps the peaks
    /// under its ceiling.
    pub output_clipped_samples: u64,
    /// Things a person may want to know, that did not stop the conversion.
    pub warnings: Vec<String>,
    /// The typed keys of `warnings`, one each, in the same order (each warning's text is its
    /// notice's English).
    pub notices: Vec<Notice>,
    /// What finishing measured and did, when it ran.
    pub finish: Option<FinishReport>,
}

impl Converted {
    /// The source's duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.source_frames as f64 / f64::from(self.source.sample_rate.max(1))
    }

    /// The duration of the file written in seconds: the frames written over the output rate,
    /// after trimming and finishing.
    pub fn output_duration_s(&self) -> f64 {
        self.output_frames as f64 / f64::from(self.output_rate.max(1))
    }
}

thread_local! {
    /// One resampler per (input rate, output rate) and thread, reused across a batch: building
    /// one plans FFTs, which costs more than converting a short prompt.
    static RESAMPLERS: RefCell<HashMap<(u32, u32), Resampler>> = RefCell::new(HashMap::new());
}

fn with_resampler<T>(
    from: u32,
    to: u32,
    f: impl FnOnce(&mut Resampler) -> T,
) -> std::result::Result<T, UnsupportedRate> {
    RESAMPLERS.with(|cell| {
        let mut map = cell.borrow_mut();
        let r = match map.entry((from, to)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let r = e.into_mut();
                r.reset();
                r
            }
            std::collections::hash_map::Entry::Vacant(v) => v.insert(Resampler::new(from, to)?),
        };
        Ok(f(r))
    })
}

/// How to run one conversion, beyond the target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings<'a> {
    /// Replace an existing output.
    pub overwrite: bool,
    /// Decode (and mix) on a second thread while this one resamples and writes: for a file
    /// converted alone, this brings the total time close to the decoding time. (The finishing
    /// passes run on one thread.)
    pub two_threads: bool,
    /// When set (by Ctrl-C, say), the conversion stops at the next chunk and leaves nothing.
    pub cancel: Option<&'a AtomicBool>,
    /// Finishing (loudness, trimming, fades, DC removal, smart downmix); `None` or inactive
    /// options: none.
    pub finish: Option<&'a FinishOptions>,
    /// When set, the complete output is left here in its temporary file instead of being
    /// committed, for the caller to commit (see [`crate::output::Committer`]); the conversion
    /// still succeeds only when the file is complete and within the limits.
    pub hold: Option<&'a crate::output::Held>,
}

/// Options for converting: the target profile, finishing, overwriting, cancelling, and for a
/// batch ([`crate::batch::run`]) its threads and dry run. The command line is turned into one
/// of these; library users build it directly (`ConvertOptions::default()`: Channel Talk, no
/// finishing, never overwrite).
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The target (default: Channel Talk).
    pub profile: Profile,
    /// Worker threads of a batch; 0 means one per CPU core. (One file converts on one thread,
    /// as in a batch of one.)
    pub jobs: usize,
    /// Overwrite outputs that exist already.
    pub force: bool,
    /// A batch plans and reports, and writes nothing. (Not for [`convert_one`] and
    /// [`convert_bytes`], which always convert.)
    pub dry_run: bool,
    /// Set it (from a Ctrl-C handler, say) to stop: conversions in progress are abandoned
    /// without leaving files, the rest are reported as skipped.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Finishing: loudness, trimming, fades, DC removal, smart downmix (default: none).
    pub finish: FinishOptions,
}

impl ConvertOptions {
    /// The settings that decide an output's bytes, as one string: what the manifest compares to
    /// tell whether an output was made "with these settings".
    pub fn fingerprint(&self) -> String {
        format!("profile={};finish={:?}", self.profile.name, self.finish)
    }

    /// The worker threads to start for `files` files.
    pub fn threads_for(&self, files: usize) -> usize {
        crate::parallel::threads_for(self.jobs, files)
    }
}

/// Converts `input` to `dest` with `options` (the profile, finishing, `force` to replace an
/// existing `dest`, `cancel`): one file, as `promptwav convert FILE` converts it. The folder of
/// `dest` must exist; the output appears there complete or not at all. Re-exported as
/// [`crate::convert_file`].
///
/// # Errors
///
/// Any failure of the pipeline, with its [`ErrorKind`] and [`Stage`]; an existing `dest`
/// without `force` is [`ErrorKind::OutputExists`].
///
/// # Examples
///
/// ```
/// use promptwav::{ConvertOptions, ErrorKind, FinishOptions, PROFILES, convert_file};
///
/// let input = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/formats/opus_48000_mono.webm");
/// let dir = tempfile::tempdir()?;
/// let dest = dir.path().join("welcome.wav");
/// let options = ConvertOptions {
///     profile: PROFILES.iter().find(|p| p.name == "amazon-connect").cloned().unwrap_or_default(),
///     finish: FinishOptions { loudness: Some(-19.0), ..FinishOptions::default() },
///     ..ConvertOptions::default()
/// };
/// let done = convert_file(input.as_ref(), &dest, &options)?;
/// assert_eq!(done.source.format, "webm");
/// assert!(done.finish.is_some_and(|f| f.renders >= 1));
///
/// // Converting again without `force` leaves the file alone, and says why.
/// let again = convert_file(input.as_ref(), &dest, &options).unwrap_err();
/// assert_eq!(again.kind(), ErrorKind::OutputExists);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn convert_one(input: &Path, dest: &Path, options: &ConvertOptions) -> Result<Converted> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (finish, warning) = if options.finish.match_loudness {
        matched_finish(&[input], options)
    } else {
        (options.finish.clone(), None)
    };
    let settings = Settings {
        overwrite: options.force,
        two_threads: false,
        cancel: options.cancel.as_deref(),
        finish: Some(&finish),
        hold: None,
    };
    let mut converted = convert_via(input, dest, dir, &options.profile, &settings)?;
    if let Some(w) = warning {
        converted.warnings.insert(0, w.clone());
        converted.notices.insert(0, Notice::Other(w));
    }
    Ok(converted)
}

/// Converts the audio file held in `input` (named `name`, as uploaded: only its extension is
/// read, for the warning of a name that lies) with `options`, and returns the output file's
/// bytes and what was done: what `promptwav serve` needs. The same pipeline as
/// [`convert_one`], bytes for bytes.
///
/// The decoder and the finishing passes read a file, so the input is stored in a private
/// temporary folder (mode 0700 on Unix, in [`std::env::temp_dir`]) that is removed, with the
/// output, before this returns. Errors name `name`, never the temporary folder.
///
/// # Errors
///
/// As [`convert_one`]; also when the temporary folder cannot be written ([`Stage::Open`]).
///
/// # Examples
///
/// ```
/// use promptwav::{ConvertOptions, ErrorKind, Stage, convert_bytes};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/formats/mp3_cbr128_44100_stereo.mp3");
/// let upload: Vec<u8> = std::fs::read(path)?;
/// let (wav, done) = convert_bytes(&upload, "안내.mp3", &ConvertOptions::default())?;
/// assert_eq!(&wav[..4], b"RIFF");
/// assert_eq!(wav.len() as u64, 44 + 2 * done.output_frames); // mono 16-bit, 48 kHz
///
/// // Not audio: an error of the kind a caller decides on, naming the upload.
/// let err = convert_bytes(b"hello", "notes.txt", &ConvertOptions::default()).unwrap_err();
/// assert_eq!((err.kind(), err.stage()), (ErrorKind::NotAudio, Stage::Probe));
/// assert_eq!(err.path(), std::path::Path::new("notes.txt"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn convert_bytes(
    input: &[u8],
    name: &str,
    options: &ConvertOptions,
) -> Result<(Vec<u8>, Converted)> {
    let shown = Path::new(name);
    let io_err = |stage: Stage, e: std::io::Error| {
        Error::with_source(shown, stage, format!("temporary folder: {}", io_reason(&e)), e)
    };
    let dir = PrivateDir::create().map_err(|e| io_err(Stage::Open, e))?;
    let ext = shown
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.len() <= 16 && e.bytes().all(|b| b.is_ascii_alphanumeric()));
    let stored = dir.path().join(match ext {
        Some(ext) => format!("input.{ext}"),
        None => "input".to_string(),
    });
    std::fs::write(&stored, input).map_err(|e| io_err(Stage::Open, e))?;
    let dest = dir.path().join("output.wav");
    let options = ConvertOptions { force: true, ..options.clone() };
    let converted = convert_one(&stored, &dest, &options).map_err(|e| e.at(shown))?;
    let bytes = std::fs::read(&dest).map_err(|e| io_err(Stage::Write, e))?;
    Ok((bytes, converted))
}

/// The finishing options of `--match-loudness` for `inputs`: the loudness target set to their
/// median (see [`batch_loudness_target`]), the ceiling made explicit; with the warning every
/// converted record gets when the median was out of range.
pub(crate) fn matched_finish(
    inputs: &[&Path],
    opts: &ConvertOptions,
) -> (FinishOptions, Option<String>) {
    let target = batch_loudness_target(
        inputs,
        &opts.profile,
        &opts.finish,
        opts.jobs,
        opts.cancel.as_deref(),
    );
    let mut finish = opts.finish.clone();
    finish.match_loudness = false;
    finish.loudness = target.as_ref().map(|t| t.lufs);
    if finish.true_peak.is_none() {
        finish.true_peak = opts.finish.ceiling();
    }
    (finish, target.and_then(|t| t.warning))
}

/// The G.711 law of a profile's codec (`None` for PCM); fails (invalid options) for a format the
/// encoder does not write.
fn law_of(profile: &Profile, dest: &Path) -> Result<Option<G711>> {
    match (profile.codec, profile.bits_per_sample) {
        (Codec::Pcm, 16) => Ok(None),
        (Codec::Mulaw, 8) => Ok(Some(G711::Mulaw)),
        (Codec::Alaw, 8) => Ok(Some(G711::Alaw)),
        (codec, bits) => Err(Error::new(
            dest,
            Stage::Options,
            format!(
                "profile {}: {bits}-bit {} cannot be written (16-bit PCM, 8-bit u-law or A-law)",
                profile.name,
                codec.describe()
            ),
        )),
    }
}

/// What a source's facts say for a failed record.
pub(crate) fn facts_of(info: &SourceInfo) -> Facts {
    Facts {
        format: Some(info.format.clone()),
        codec: Some(info.codec.clone()),
        sample_rate: Some(info.sample_rate),
        channels: Some(info.channels).filter(|&c| c > 0),
        duration_s: info.declared_frames.map(|f| f as f64 / f64::from(info.sample_rate.max(1))),
    }
}

/// The limits an output for a profile must keep: the profile's (duration, file size) and the
/// WAV format's (32-bit sizes).
#[derive(Debug, Clone)]
struct Limits<'a> {
    profile: &'a Profile,
    law: Option<G711>,
    /// The most frames an output may have.
    max_frames: u64,
}

impl<'a> Limits<'a> {
    fn new(profile: &'a Profile, law: Option<G711>) -> Limits<'a> {
        let rate = f64::from(profile.sample_rate);
        let mut max = encode::max_samples(law);
        if let Some(d) = profile.max_duration_s {
            let frames = (d * rate).max(0.0);
            let most = if profile.max_duration_exclusive {
                (frames.ceil() as u64).saturating_sub(1)
            } else {
                frames.floor() as u64
            };
            max = max.min(most);
        }
        if let Some(bytes) = profile.max_file_bytes {
            max = max.min(frames_within(law, bytes));
        }
        Limits { profile, law, max_frames: max }
    }

    fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / f64::from(self.profile.sample_rate.max(1))
    }

    /// What is written, for people: "48 kHz 16-bit mono WAV".
    fn describe(&self) -> String {
        let khz = finish::round_for_people(f64::from(self.profile.sample_rate) / 1000.0);
        match self.law {
            None => format!("{khz} kHz 16-bit mono WAV"),
            Some(_) => format!("{khz} kHz {} mono WAV", self.profile.codec.describe()),
        }
    }

    /// The limit an output of `frames` breaks, for people, or `None`.
    fn rule_broken(&self, frames: u64) -> Option<String> {
        let wav_max = encode::max_samples(self.law);
        if frames > wav_max {
            return Some(format!(
                "a {} holds at most {}",
                self.describe(),
                human_duration(self.seconds(wav_max))
            ));
        }
        if let Some(rule) = self.profile.duration_rule_broken(self.seconds(frames)) {
            return Some(rule);
        }
        let rule = self.profile.size_rule_broken(encode::wav_bytes(self.law, frames))?;
        let fit = self.profile.max_file_bytes.map_or(0, |b| frames_within(self.law, b));
        Some(format!(
            "{rule}, which hold at most {} of {}",
            human_duration(self.seconds(fit)),
            self.describe()
        ))
    }

    /// Why an output of `frames` cannot be written ("6 min 40 s long: Amazon Connect accepts
    /// prompts shorter than 5 minutes"), or `None`.
    fn breach(&self, frames: u64) -> Option<String> {
        let rule = self.rule_broken(frames)?;
        Some(format!("{} long: {rule}", human_duration(self.seconds(frames))))
    }

    /// Why writing stopped at [`Limits::max_frames`] when the whole length is not known.
    fn cap_reason(&self) -> String {
        let rule = self.rule_broken(self.max_frames.saturating_add(1)).unwrap_or_default();
        format!("longer than {}: {rule}", human_duration(self.seconds(self.max_frames)))
    }

    /// Refuses an output of `frames` (known before writing) that breaks a limit.
    fn judge(&self, frames: u64, input: &Path) -> Result<()> {
        match self.breach(frames) {
            Some(why) => Err(Error::new(input, Stage::Limits, why)),
            None => Ok(()),
        }
    }

    /// Refuses a source whose declared length gives an output that breaks a limit, before
    /// anything is decoded.
    fn judge_declared(&self, info: &SourceInfo, input: &Path) -> Result<()> {
        match info.declared_frames {
            Some(d) => self.judge(output_len(d, info.sample_rate, self.profile.sample_rate), input),
            None => Ok(()),
        }
    }
}

/// The most samples whose WAV in `law` takes at most `bytes`.
fn frames_within(law: Option<G711>, bytes: u64) -> u64 {
    let per = if law.is_some() { 1 } else { 2 };
    let mut frames = bytes.saturating_sub(encode::wav_bytes(law, 0)) / per;
    while frames > 0 && encode::wav_bytes(law, frames) > bytes {
        frames -= 1;
    }
    frames
}

/// Converts `input` to `dest` for `profile`. The folder of `dest` must exist. Without
/// `overwrite`, an existing `dest` is left alone and the conversion fails at the write stage.
pub fn convert_file(
    input: &Path,
    dest: &Path,
    profile: &Profile,
    overwrite: bool,
) -> Result<Converted> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let settings = Settings { overwrite, ..Settings::default() };
    convert_via(input, dest, dir, profile, &settings)
}

/// Like [`convert_file`], with the temporary file in `work_dir` (on the same file system as
/// `dest`); the folder of `dest` is created only when the output is complete, so a failed
/// conversion leaves no empty folder behind.
pub fn convert_via(
    input: &Path,
    dest: &Path,
    work_dir: &Path,
    profile: &Profile,
    settings: &Settings<'_>,
) -> Result<Converted> {
    let law = law_of(profile, dest)?;
    let limits = Limits::new(profile, law);
    if let Some(finish) = settings.finish.filter(|f| f.is_active()) {
        finish.validate().map_err(|e| Error::new(input, Stage::Options, e.to_string()))?;
        let source = Source::open(input, profile, settings.cancel)?;
        let facts = facts_of(&source.info);
        return convert_finished(source, dest, work_dir, profile, settings, finish, &limits)
            .map_err(|e| e.with_facts(|| facts));
    }
    let decoder = Decoder::open(input)?;
    let facts = facts_of(decoder.info());
    // The smart downmix is the default; its choice needs the whole file (see below).
    let smart = settings.finish.is_none_or(|f| f.smart_downmix);
    // A rate the resampler cannot take gathers nothing: the conversion fails with its reason.
    let rate_ok = (crate::resample::MIN_RATE..=crate::resample::MAX_RATE)
        .contains(&decoder.info().sample_rate);
    // One pass converts by the average and gathers the channels' statistics; only a file whose
    // statistics choose another downmix (one silent channel, opposite phase: rare) is converted
    // again, by that choice. The output is the same as deciding first, without a second decode
    // of every stereo file.
    let gather = smart && rate_ok && decoder.info().channels == 2;
    let first = convert_streamed(
        decoder,
        input,
        dest,
        work_dir,
        profile,
        settings,
        &limits,
        (Downmix::Standard, None),
        gather,
    );
    match first.map_err(|e| e.with_facts(|| facts.clone()))? {
        Streamed::Done(converted) => Ok(converted),
        Streamed::Again(choice) => {
            let decoder = Decoder::open(input)?;
            match convert_streamed(
                decoder, input, dest, work_dir, profile, settings, &limits, choice, false,
            )
            .map_err(|e| e.with_facts(|| facts))?
            {
                Streamed::Done(converted) => Ok(converted),
                Streamed::Again(_) => {
                    Err(Error::new(input, Stage::Decode, "internal error")
                        .of_kind(ErrorKind::Internal))
                }
            }
        }
    }
}

/// How far [`preflight`] looks at a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preflight {
    /// Open and probe it (container, codec, rate), and judge the length it declares: what a
    /// dry run does for every file it would convert. Reads the head of the file only.
    Open,
    /// Also decode it to the end, discarding the samples, and judge the length decoded: what
    /// planning does for an input whose name another input also wants (see
    /// [`crate::batch::plan`]).
    Decode,
}

/// Whether converting `input` with `options` would fail because of what the file holds,
/// found without writing anything: the error the conversion would give (the same reason,
/// stage and kind, with what was known of the source), or what the source is.
///
/// It applies the conversion's checks in the conversion's order: opening and probing, the
/// length the file declares against the profile's limits (not when trimming, which may
/// shorten it), the sample rate the resampler takes, and with [`Preflight::Decode`] every
/// packet to the end and the length decoded against the limits (not when trimming). A request
/// to cancel (`options.cancel`) ends the decoding early with what is known so far: no error.
///
/// # Errors
///
/// As [`convert_one`] would fail on this file before writing.
pub fn preflight(input: &Path, options: &ConvertOptions, depth: Preflight) -> Result<SourceInfo> {
    let profile = &options.profile;
    let limits = Limits::new(profile, law_of(profile, input)?);
    let finishing = options.finish.is_active();
    let trimming = finishing && options.finish.trim.is_some();
    let mut decoder = Decoder::open(input)?;
    let info = decoder.info().clone();
    let facts = facts_of(&info);
    let target = profile.sample_rate;
    let mut checks = || -> Result<()> {
        if !trimming {
            limits.judge_declared(&info, input)?;
        }
        with_resampler(info.sample_rate, target, |_| ()).map_err(|e| unsupported_rate(input, e))?;
        if depth == Preflight::Open {
            return Ok(());
        }
        let cancel = options.cancel.as_deref();
        let over = || Error::new(input, Stage::Limits, limits.cap_reason());
        let mut frames = 0u64;
        loop {
            match decoder.next_chunk() {
                Ok(Some(chunk)) => frames = frames.saturating_add(chunk.frames as u64),
                Ok(None) => break,
                // Writing stops at the limit before a later error is reached.
                Err(_)
                    if !finishing
                        && output_len(frames, info.sample_rate, target) > limits.max_frames =>
                {
                    return Err(over());
                }
                Err(e) => return Err(e),
            }
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Ok(());
            }
            // Without finishing, writing stops as soon as the output passes the limit.
            if !finishing && output_len(frames, info.sample_rate, target) > limits.max_frames {
                return Err(over());
            }
        }
        if trimming {
            return Ok(());
        }
        let out = output_len(frames, info.sample_rate, target);
        if finishing && info.declared_frames.is_none() && out > limits.max_frames {
            return Err(over());
        }
        limits.judge(out, input)
    };
    checks().map_err(|e| e.with_facts(|| facts))?;
    Ok(info)
}

/// What a streamed pass ended with: the conversion, or (when it gathered the channels'
/// statistics and they chose another downmix) the downmix to convert again with.
// One per conversion, returned once: not worth a box.
#[allow(clippy::large_enum_variant)]
enum Streamed {
    Done(Converted),
    Again((Downmix, Option<Notice>)),
}

/// The path of [`convert_via`] without finishing: one pass, streamed, mixed to mono by
/// `downmix` (with its warning). With `gather`, the pass also gathers the channels' statistics,
/// and when they choose another downmix than `downmix`, the output is dropped and that choice is
/// returned to convert again with.
#[allow(clippy::too_many_arguments)]
fn convert_streamed(
    decoder: Decoder,
    input: &Path,
    dest: &Path,
    work_dir: &Path,
    profile: &Profile,
    settings: &Settings<'_>,
    limits: &Limits<'_>,
    (downmix, downmix_warning): (Downmix, Option<Notice>),
    gather: bool,
) -> Result<Streamed> {
    limits.judge_declared(decoder.info(), input)?;
    let mut tmp = TempFile::create(work_dir).map_err(|e| write_err(dest, e))?;
    let target_rate = profile.sample_rate;
    let source_rate = decoder.info().sample_rate;
    let source = decoder.info().clone();
    let cancelled = || settings.cancel.is_some_and(|c| c.load(Ordering::Relaxed));

    let law = limits.law;
    let mut clips = source_clip_counter(&source, profile.content.clip_run);
    if gather {
        clips = clips.with_channel_stats();
    }
    let (stats, output_frames, output_clipped, invalid, counter) =
        with_resampler(source_rate, target_rate, |resampler| {
            let writer = WavWriter::new(Writeback::new(tmp.file()), target_rate, law)
                .map_err(|e| write_err(dest, e))?;
            let encoder = Encoder::new(writer, limits);
            let mix = (downmix, clips);
            if settings.two_threads {
                run_pipelined(decoder, resampler, encoder, &cancelled, input, dest, mix)
            } else {
                run_inline(decoder, resampler, encoder, &cancelled, input, dest, mix)
            }
        })
        .map_err(|e| unsupported_rate(input, e))??;
    if let Some(choice) = counter.downmix().filter(|(chosen, _)| *chosen != downmix)
        && !settings.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    {
        // The temporary file goes with `tmp`; the caller converts again by the choice.
        return Ok(Streamed::Again(choice));
    }
    let clipping = counter.clipping();
    let written =
        Written { source, stats, invalid, frames: output_frames, output_clipped, clipping };
    end_conversion(
        tmp,
        written,
        downmix_warning.into_iter().collect(),
        None,
        input,
        dest,
        settings,
        limits,
    )
    .map(Streamed::Done)
}

/// Gives the complete temporary file its final name, creating the folders between (never
/// through a link: see [`TempFile::commit`]).
/// Or leaves it in `settings.hold`.
fn publish(tmp: TempFile, dest: &Path, settings: &Settings<'_>) -> Result<()> {
    match settings.hold {
        Some(held) => {
            held.put(tmp);
            Ok(())
        }
        None => tmp.commit(dest, settings.overwrite).map_err(|e| commit_error(dest, e)),
    }
}

/// The error of a failed commit of `dest`.
pub(crate) fn commit_error(dest: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        Error::new(dest, Stage::Write, "output already exists (use --force to overwrite)")
            .of_kind(ErrorKind::OutputExists)
    } else {
        write_err(dest, e)
    }
}

/// Mono samples at the output rate kept in memory between passes, at most: 16 MiB. Longer
/// files are decoded again for each pass.
pub const CACHE_SAMPLES: usize = 1 << 22;

pub use crate::finish::{LOUDNESS_TOLERANCE_LU, MAX_EXTRA_GAIN_DB, MAX_RENDERS};

/// A result further than this from the target (the limit the tests hold) gets a warning.
pub const LOUDNESS_WARNING_LU: f64 = 0.5;

/// Room left under the true-peak ceiling for the limiter's first try (dB): the codec's own
/// error moves peaks (G.711's top step is about 3% of the value).
fn ceiling_margin(law: Option<G711>) -> f64 {
    if law.is_some() { 0.3 } else { 0.05 }
}

/// The mono signal of a file at the output rate, for as many passes as finishing needs: decoded
/// on the first, replayed from memory after it if it fit in [`CACHE_SAMPLES`], else decoded
/// again.
struct Source<'a> {
    input: &'a Path,
    rate: u32,
    downmix: Downmix,
    cancel: Option<&'a AtomicBool>,
    info: SourceInfo,
    /// The first decode's statistics.
    stats: Option<DecodeStats>,
    /// Channel statistics of the first decode (for the smart downmix).
    channels: ChannelStats,
    /// Invalid samples of the first decode.
    invalid: Invalid,
    /// Clipping in the source, counted in the first decode.
    clips: ClipCounter,
    /// The whole signal, when it fit.
    cache: Option<Vec<f32>>,
    /// Whether the signal may fit: false once it did not.
    cacheable: bool,
    decoder: Option<Decoder>,
}

impl<'a> Source<'a> {
    fn open(
        input: &'a Path,
        profile: &Profile,
        cancel: Option<&'a AtomicBool>,
    ) -> Result<Source<'a>> {
        let decoder = Decoder::open(input)?;
        let clip_run = profile.content.clip_run;
        Ok(Source {
            input,
            rate: profile.sample_rate,
            downmix: Downmix::Standard,
            cancel,
            info: decoder.info().clone(),
            stats: None,
            channels: ChannelStats::default(),
            invalid: Invalid::default(),
            clips: source_clip_counter(decoder.info(), clip_run),
            cache: None,
            cacheable: true,
            decoder: Some(decoder),
        })
    }

    /// Changes the downmix; the next pass decodes again.
    fn set_downmix(&mut self, downmix: Downmix) {
        if downmix != self.downmix {
            self.downmix = downmix;
            self.cache = None;
        }
    }

    /// One pass over the whole signal, in chunks.
    fn run(&mut self, sink: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        let cancelled = || self.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        if let Some(cache) = &self.cache {
            for chunk in cache.chunks(32 * 1024) {
                if cancelled() {
                    return Err(Error::new(self.input, Stage::Cancel, "interrupted"));
                }
                sink(chunk)?;
            }
            return Ok(());
        }
        let mut decoder = match self.decoder.take() {
            Some(d) => d,
            None => Decoder::open(self.input)?,
        };
        let first = self.stats.is_none();
        let source_rate = self.info.sample_rate;
        // Room for the whole signal when the container says it fits; none when it says not.
        let expected = self
            .info
            .declared_frames
            .map(|f| crate::resample::output_len(f, source_rate, self.rate) as usize);
        let mut cache = match expected {
            _ if !self.cacheable => None,
            Some(n) if n > CACHE_SAMPLES => None,
            Some(n) => Some(Vec::with_capacity(n)),
            None => Some(Vec::new()),
        };
        let mut channels = ChannelStats::default();
        let mut invalid = Invalid::default();
        let mut clips = self.clips.clone();
        let (input, downmix, rate) = (self.input, self.downmix, self.rate);
        with_resampler(source_rate, rate, |resampler| {
            let mut mono = Vec::new();
            let mut resampled = Vec::with_capacity(BATCH_ROOM);
            let mut deliver = |resampled: &mut Vec<f32>| -> Result<()> {
                if let Some(c) = &mut cache {
                    if c.len() + resampled.len() <= CACHE_SAMPLES {
                        c.extend_from_slice(resampled);
                    } else {
                        cache = None;
                    }
                }
                sink(resampled)?;
                resampled.clear();
                Ok(())
            };
            while let Some(chunk) = decoder.next_chunk()? {
                if cancelled() {
                    return Err(Error::new(input, Stage::Cancel, "interrupted"));
                }
                if first {
                    channels.push(chunk.planes, chunk.frames);
                    clips.push_planar(chunk.planes, chunk.frames);
                }
                mono.clear();
                mix::to_mono_as(
                    chunk.planes,
                    chunk.speakers,
                    chunk.frames,
                    downmix,
                    &mut mono,
                    &mut invalid,
                );
                resampler.push(&mono, &mut resampled);
                if resampled.len() >= 32 * 1024 {
                    deliver(&mut resampled)?;
                }
            }
            resampler.finish(&mut resampled);
            deliver(&mut resampled)
        })
        .map_err(|e| unsupported_rate(input, e))??;
        if first {
            self.stats = Some(decoder.stats().clone());
            self.channels = channels;
            self.invalid = invalid;
            self.clips = clips;
        }
        self.cacheable = cache.is_some();
        self.cache = cache;
        Ok(())
    }
}

/// The measuring pass (repeated when the smart downmix or DC removal changes the signal): the
/// measurement, the DC removal decided (the mean the high-pass starts from), and warnings.
fn measure(
    source: &mut Source<'_>,
    finish: &FinishOptions,
    profile: &Profile,
) -> Result<(finish::Measurement, Option<f64>, Vec<Notice>)> {
    let mut warnings = Vec::new();
    let pass = |source: &mut Source<'_>, dc: Option<f64>| -> Result<finish::Measurement> {
        let mut meter = finish::Meter::new(source.rate);
        let mut hp = dc.map(|m| finish::HighPass::new(finish::DC_CUTOFF_HZ, source.rate, m));
        let mut filtered = Vec::new();
        source.run(&mut |chunk| {
            match &mut hp {
                Some(hp) => {
                    filtered.clear();
                    filtered.extend(chunk.iter().map(|&x| hp.process(x)));
                    meter.push(&filtered);
                }
                None => meter.push(chunk),
            }
            Ok(())
        })?;
        Ok(meter.finish())
    };
    let mut m = pass(source, None)?;
    if finish.smart_downmix {
        let (downmix, why) = source.channels.decide();
        if downmix != Downmix::Standard {
            source.set_downmix(downmix);
            m = pass(source, None)?;
        }
        warnings.extend(why);
    }
    let auto = m.dc.abs() > profile.content.max_dc_offset;
    let dc = (finish.remove_dc || auto).then_some(m.dc);
    if let Some(mean) = dc {
        if auto {
            let offset = if mean.abs() > 1.0 {
                format!("{}100%", if mean > 0.0 { "over +" } else { "over -" })
            } else {
                format!("{:+.1}%", mean * 100.0)
            };
            warnings.push(Notice::DcRemoved { offset, cutoff_hz: finish::DC_CUTOFF_HZ });
        }
        m = pass(source, dc)?;
    }
    Ok((m, dc, warnings))
}

/// Measures the loudness (LUFS) of `input` as finishing would see it before any gain: after the
/// downmix (smart when asked), resampling to the profile's rate and DC removal. `None` for
/// silence.
pub fn measure_loudness(
    input: &Path,
    profile: &Profile,
    finish: &FinishOptions,
    cancel: Option<&AtomicBool>,
) -> Result<Option<f64>> {
    let mut source = Source::open(input, profile, cancel)?;
    let (m, _, _) = measure(&mut source, finish, profile)?;
    Ok(m.loudness.lufs)
}

/// The target of `--match-loudness`: the median loudness of `inputs` (those that can be
/// measured and are not silent), measured on `jobs` threads (0: one per core), brought into the
/// range of a loudness target (see [`finish::matched_target`]). `None` when no file has a
/// loudness.
pub fn batch_loudness_target(
    inputs: &[&Path],
    profile: &Profile,
    finish: &FinishOptions,
    jobs: usize,
    cancel: Option<&AtomicBool>,
) -> Option<BatchTarget> {
    let measured = crate::parallel::ordered(
        inputs,
        jobs,
        |_, p| measure_loudness(p, profile, finish, cancel).ok().flatten(),
        |_, _| None,
        &mut |_| {},
        &mut |_| {},
    );
    let values: Vec<f64> = measured.into_iter().flatten().collect();
    let median = finish::median(&values)?;
    let (lufs, warning) = finish::matched_target(median);
    Some(BatchTarget { lufs, median, warning })
}

/// The loudness every file of a `--match-loudness` batch is brought to.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchTarget {
    /// The target, LUFS: the median, within the range a target may have.
    pub lufs: f64,
    /// The batch's median loudness, LUFS.
    pub median: f64,
    /// When the median was out of range: the warning for every record.
    pub warning: Option<String>,
}

/// What one render wrote, measured as written (after quantization and the codec).
struct Rendered {
    after: finish::Loudness,
    frames: u64,
    clipped: u64,
    reduction_db: f64,
}

/// Renders `plan` into `file` (from its start, replacing what is there) and measures it.
fn render(
    source: &mut Source<'_>,
    plan: &Plan,
    file: &mut std::fs::File,
    limits: &Limits<'_>,
    dest: &Path,
) -> Result<Rendered> {
    let law = limits.law;
    use std::io::Seek;
    let rate = source.rate;
    file.set_len(0).map_err(|e| write_err(dest, e))?;
    file.seek(std::io::SeekFrom::Start(0)).map_err(|e| write_err(dest, e))?;
    let writer = WavWriter::new(Writeback::new(file), rate, law).map_err(|e| write_err(dest, e))?;
    let mut encoder = Encoder::new(writer, limits);
    let mut chain = finish::Render::new(plan, rate);
    let mut meter = finish::LoudnessMeter::new(rate);
    let mut done = Vec::new();
    let mut stored = Vec::new();
    // Writes what is done and measures it as stored (after the codec).
    let mut flush = |done: &mut Vec<f32>, encoder: &mut Encoder<Writeback<'_>>| {
        let pcm = encoder.write(done, dest)?;
        stored.clear();
        stored.extend(pcm.iter().map(|&s| f32::from(law.map_or(s, |l| l.round_trip(s))) / 32768.0));
        meter.push(&stored);
        done.clear();
        Ok::<(), Error>(())
    };
    source.run(&mut |chunk| {
        chain.push(chunk, &mut done);
        if done.len() >= WRITE_BATCH { flush(&mut done, &mut encoder) } else { Ok(()) }
    })?;
    chain.finish(&mut done);
    flush(&mut done, &mut encoder)?;
    let (frames, clipped) = encoder.finish(dest)?;
    Ok(Rendered {
        after: meter.finish(),
        frames,
        clipped,
        reduction_db: chain.limiter_reduction_db(),
    })
}

/// The finishing path of [`convert_via`]: measure, plan, render until the result is right.
fn convert_finished(
    mut source: Source<'_>,
    dest: &Path,
    work_dir: &Path,
    profile: &Profile,
    settings: &Settings<'_>,
    finish: &FinishOptions,
    limits: &Limits<'_>,
) -> Result<Converted> {
    let (input, law) = (source.input, limits.law);
    let rate = profile.sample_rate;
    if finish.trim.is_none() {
        // Without trimming the output is as long as the source says: judged before decoding.
        limits.judge_declared(&source.info, input)?;
    }
    let (m, dc, mut warnings) = measure(&mut source, finish, profile)?;
    let before = m.loudness;

    let (start, end) = match &finish.trim {
        Some(trim) => match m.trim_range(trim) {
            Some(range) => range,
            None => {
                if m.frames > 0 {
                    warnings.push(Notice::NothingTrimmed);
                }
                (0, m.frames)
            }
        },
        None => (0, m.frames),
    };
    // The output's length is known now, trimming done: judged before anything is written. A
    // source that does not declare its length fails as it does without finishing ("longer than").
    if source.info.declared_frames.is_none() && end - start > limits.max_frames {
        return Err(Error::new(input, Stage::Limits, limits.cap_reason()));
    }
    limits.judge(end - start, input)?;
    let mut tmp = TempFile::create(work_dir).map_err(|e| write_err(dest, e))?;
    let (fade, shortened) = finish::fade_len(finish.fade(), end - start, rate);
    warnings.extend(shortened);
    let target = finish.loudness;
    let ceiling = finish.ceiling();
    if target.is_some() || finish.match_loudness {
        match before.lufs {
            None => warnings.push(Notice::SilentLoudness),
            Some(_) if !before.integrated => {
                warnings.push(Notice::ShortForGating { block_s: finish::GATING_BLOCK_S })
            }
            Some(_) => {}
        }
    }
    let mut search = finish::GainSearch::new(target, ceiling, ceiling_margin(law), &before);
    let mut next = search.first();
    let (plan, outcome) = loop {
        let plan =
            Plan { start, end, gain_db: next.gain_db, limit_dbtp: next.limit_dbtp, fade, dc };
        let outcome = render(&mut source, &plan, tmp.file(), limits, dest)?;
        match search.next(&outcome.after) {
            Step::Render(t) => next = t,
            Step::Done => break (plan, outcome),
        }
    };
    if let (Some(t), Some(l)) = (target, outcome.after.lufs)
        && before.lufs.is_some()
        && (t - l).abs() > LOUDNESS_WARNING_LU
    {
        let ceiling = match ceiling {
            Some(c) if t > l => Some(finish::round_for_people(c)),
            _ => None,
        };
        let asked = finish::round_for_people(t);
        warnings.push(Notice::LoudnessMissed { reached: l, asked, ceiling });
    }
    let seconds = |frames: u64| frames as f64 / f64::from(rate.max(1));
    let report = FinishReport {
        loudness_before: before.lufs,
        true_peak_before: before.true_peak,
        loudness_after: outcome.after.lufs,
        true_peak_after: outcome.after.true_peak,
        gain_db: plan.gain_db,
        limiter_db: outcome.reduction_db,
        trimmed_start_s: seconds(plan.start),
        trimmed_end_s: seconds(m.frames - plan.end),
        renders: search.renders(),
    };
    let written = Written {
        source: source.info.clone(),
        stats: source.stats.clone().unwrap_or_default(),
        invalid: std::mem::take(&mut source.invalid),
        frames: outcome.frames,
        output_clipped: outcome.clipped,
        clipping: source.clips.clipping(),
    };
    end_conversion(tmp, written, warnings, Some(report), input, dest, settings, limits)
}

/// What a conversion wrote, for [`end_conversion`].
struct Written {
    /// What the source was.
    source: SourceInfo,
    /// The (first) decode's statistics.
    stats: DecodeStats,
    /// Invalid samples met.
    invalid: Invalid,
    /// Frames written.
    frames: u64,
    /// Output samples clipped at the 16-bit conversion.
    output_clipped: u64,
    /// The source's clipping (the definition `check` uses).
    clipping: Clipping,
}

/// The ending both paths share, once the temporary file is complete: the warnings of the
/// source and the pipeline (after the path's own `warnings`, a lying extension first), then a
/// cancel asked for, then the output's limits as written (a minimum length can only be judged
/// at the end), then the output published under its name.
#[allow(clippy::too_many_arguments)]
fn end_conversion(
    tmp: TempFile,
    written: Written,
    mut warnings: Vec<Notice>,
    finish: Option<FinishReport>,
    input: &Path,
    dest: &Path,
    settings: &Settings<'_>,
    limits: &Limits<'_>,
) -> Result<Converted> {
    let Written { source, stats, invalid, frames, output_clipped, clipping } = written;
    if let Some(w) = extension_mismatch(input, &source.format) {
        warnings.insert(0, w);
    }
    warnings.extend(source.warnings.iter().cloned().map(Notice::Other));
    warnings.extend(invalid.warning().map(Notice::Other));
    if stats.bad_packets > 0 {
        warnings.push(Notice::DamagedPackets { bad: stats.bad_packets, total: stats.packets });
    }
    warnings.extend(clipping_warnings(&clipping, output_clipped, limits.profile));
    if settings.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(Error::new(input, Stage::Cancel, "interrupted"));
    }
    limits.judge(frames, input)?;
    publish(tmp, dest, settings)?;
    Ok(Converted {
        source,
        source_frames: stats.frames,
        output_frames: frames,
        output_rate: limits.profile.sample_rate,
        output_bytes: encode::wav_bytes(limits.law, frames),
        clipped_samples: clipping.samples,
        clip_runs: clipping.runs,
        output_clipped_samples: output_clipped,
        warnings: warnings.iter().map(Notice::english).collect(),
        notices: warnings,
        finish,
    })
}

/// What the pipeline hands back: decoding statistics, frames written, output samples clipped at
/// the 16-bit conversion, invalid samples met, clipping in the source.
type Outcome = (DecodeStats, u64, u64, Invalid, ClipCounter);

/// A counter of the source's clipping (the definition `check` uses): runs of `clip_run`
/// samples at the source's full scale.
fn source_clip_counter(info: &SourceInfo, clip_run: u32) -> ClipCounter {
    ClipCounter::new(clip_run, mix::full_scale(&info.codec, info.bits_per_sample))
}

/// The warnings of a conversion's clipping: the source's (whatever finishing did to the level),
/// and the output's own when the source had none (mixing or resampling went past full scale).
fn clipping_warnings(source: &Clipping, output_clipped: u64, profile: &Profile) -> Vec<Notice> {
    let mut warnings: Vec<Notice> = source.notice(profile.content.clip_run).into_iter().collect();
    if source.runs == 0 && output_clipped > 0 {
        warnings.push(Notice::OutputClipped { samples: output_clipped });
    }
    warnings
}

/// Resampled samples are handed to the encoder in batches of this many (64 KB of output).
const WRITE_BATCH: usize = 32 * 1024;

/// Room made at the start of a file in each buffer that holds a write batch: a batch, and what
/// one push past it may add, so that no buffer grows (copying itself and faulting in fresh pages)
/// during every file of a batch. 200 five-second prompts: 8,300 page faults before, 2,300 after;
/// CPU time 1 % less (`perf stat -r 9`), within the noise.
const BATCH_ROOM: usize = 2 * WRITE_BATCH;

/// Decoded mono samples are handed to the resampler in batches of at least this many.
const DECODE_BATCH: usize = 8 * 1024;

/// Chunks in flight between two threads: enough to ride out jitter, few enough to keep memory
/// flat.
const IN_FLIGHT: usize = 4;

/// Worker threads decoding a file converted alone, for the codecs where that gives exactly the
/// output of one thread (MP3, FLAC, ALAC; see `decode::ahead`): with the demuxing and
/// resampling threads they keep two cores busy.
const DECODE_THREADS: usize = 2;

/// Quantizes and writes resampled samples, stopping at the output's limits.
struct Encoder<W: std::io::Write + std::io::Seek> {
    writer: WavWriter<W>,
    quantizer: Quantizer,
    pcm: Vec<i16>,
    /// The most frames that may be written ([`Limits::max_frames`]).
    max_frames: u64,
    /// Why no more may be written.
    over: String,
}

impl<W: std::io::Write + std::io::Seek> Encoder<W> {
    fn new(mut writer: WavWriter<W>, limits: &Limits<'_>) -> Self {
        writer.reserve(BATCH_ROOM);
        Encoder {
            writer,
            quantizer: Quantizer::new(),
            pcm: Vec::with_capacity(BATCH_ROOM),
            max_frames: limits.max_frames,
            over: limits.cap_reason(),
        }
    }

    /// Quantizes and writes `samples`; returns the 16-bit values, as quantized (before a G.711
    /// codec: see [`G711::round_trip`]). Fails, writing nothing more, when they would take the
    /// output past its limits.
    fn write(&mut self, samples: &[f32], dest: &Path) -> Result<&[i16]> {
        if self.writer.samples().saturating_add(samples.len() as u64) > self.max_frames {
            return Err(Error::new(dest, Stage::Limits, self.over.clone()));
        }
        let pcm = encode::grown(&mut self.pcm, samples.len());
        self.quantizer.quantize_into(samples, pcm);
        self.writer.write(pcm).map_err(|e| write_err(dest, e))?;
        Ok(pcm)
    }

    /// Completes the file; returns (frames written, samples clipped).
    fn finish(self, dest: &Path) -> Result<(u64, u64)> {
        let frames = self.writer.samples();
        let clipped = self.quantizer.clipped();
        self.writer.finish().map_err(|e| write_err(dest, e))?;
        Ok((frames, clipped))
    }
}

/// Everything on this thread: decode, mix, resample, quantize, write.
fn run_inline<W: std::io::Write + std::io::Seek>(
    mut decoder: Decoder,
    resampler: &mut Resampler,
    mut encoder: Encoder<W>,
    cancelled: &dyn Fn() -> bool,
    input: &Path,
    dest: &Path,
    (downmix, mut clips): (Downmix, ClipCounter),
) -> Result<Outcome> {
    let (mut mono, mut resampled) = (Vec::new(), Vec::with_capacity(BATCH_ROOM));
    let mut invalid = Invalid::default();
    while let Some(chunk) = decoder.next_chunk()? {
        if cancelled() {
            return Err(Error::new(input, Stage::Cancel, "interrupted"));
        }
        mono.clear();
        let (planes, speakers, frames) = (chunk.planes, chunk.speakers, chunk.frames);
        mix::count_and_mix(&mut clips, planes, speakers, frames, downmix, &mut mono, &mut invalid);
        resampler.push(&mono, &mut resampled);
        if resampled.len() >= WRITE_BATCH {
            encoder.write(&resampled, dest)?;
            resampled.clear();
        }
    }
    resampler.finish(&mut resampled);
    encoder.write(&resampled, dest)?;
    let (frames, clipped) = encoder.finish(dest)?;
    Ok((decoder.stats().clone(), frames, clipped, invalid, clips))
}

/// A pipeline of threads joined by bounded channels that pass buffers back and forth (nothing
/// is allocated per chunk): decode and mix ► resample (this thread) ► quantize and write, the
/// last on a third thread when decoding is cheap (see [`cheap_to_decode`]). For a file
/// converted alone, the total comes close to the slowest stage.
fn run_pipelined<W: std::io::Write + std::io::Seek + Send>(
    mut decoder: Decoder,
    resampler: &mut Resampler,
    encoder: Encoder<W>,
    cancelled: &(dyn Fn() -> bool + Sync),
    input: &Path,
    dest: &Path,
    (downmix, mut clips): (Downmix, ClipCounter),
) -> Result<Outcome> {
    let separate_writer = cheap_to_decode(decoder.info());
    decoder.decode_ahead(DECODE_THREADS);
    let internal = || {
        Error::new(input, Stage::Decode, "internal error while converting; please report this file")
            .of_kind(ErrorKind::Internal)
    };
    std::thread::scope(|scope| {
        let (mono_tx, mono_rx) = mpsc::sync_channel::<Result<Vec<f32>>>(IN_FLIGHT);
        let (mono_back_tx, mono_back_rx) = mpsc::channel::<Vec<f32>>();
        let (out_tx, out_rx) = mpsc::sync_channel::<Vec<f32>>(IN_FLIGHT);
        let (out_back_tx, out_back_rx) = mpsc::channel::<Vec<f32>>();

        let decoding = scope.spawn(move || {
            // Packets are small (1024 frames of AAC, 1152 of MP3): they are gathered into
            // batches so the threads synchronize a few hundred times a minute of audio, not
            // thousands.
            let mut mono: Vec<f32> = Vec::new();
            let mut invalid = Invalid::default();
            while !cancelled() {
                match decoder.next_chunk() {
                    Ok(Some(chunk)) => {
                        let (planes, speakers, frames) =
                            (chunk.planes, chunk.speakers, chunk.frames);
                        mix::count_and_mix(
                            &mut clips,
                            planes,
                            speakers,
                            frames,
                            downmix,
                            &mut mono,
                            &mut invalid,
                        );
                        if mono.len() < DECODE_BATCH {
                            continue;
                        }
                    }
                    Ok(None) => {
                        if !mono.is_empty() {
                            let _ = mono_tx.send(Ok(mono));
                        }
                        break;
                    }
                    Err(e) => {
                        // What was decoded before the error still goes first, then the error.
                        if !mono.is_empty() {
                            let _ = mono_tx.send(Ok(std::mem::take(&mut mono)));
                        }
                        let _ = mono_tx.send(Err(e));
                        break;
                    }
                }
                let next = mono_back_rx.try_recv().unwrap_or_default();
                let full = std::mem::replace(&mut mono, next);
                mono.clear();
                // A closed channel means the other stages stopped: so do we.
                if mono_tx.send(Ok(full)).is_err() {
                    break;
                }
            }
            (decoder.stats().clone(), invalid, clips)
        });
        // Quantizing and writing get a thread of their own only when decoding is cheap; after
        // a costly decoder (MP3, FLAC, Vorbis, Opus) a third busy thread on two cores would only
        // take time from the decoder, the slowest stage.
        let mut inline: Option<Encoder<W>> = None;
        let mut encoder = Some(encoder);
        let writing = if separate_writer {
            let encoder = encoder.take();
            Some(scope.spawn(move || {
                let Some(mut encoder) = encoder else { return Err(internal()) };
                for samples in out_rx {
                    encoder.write(&samples, dest)?;
                    let _ = out_back_tx.send(samples);
                }
                encoder.finish(dest)
            }))
        } else {
            inline = encoder.take();
            None
        };

        // Resampling, here. A send fails only when the writer has stopped on an error, which
        // its join below reports.
        let mut resampled: Vec<f32> = Vec::new();
        let mut deliver = |resampled: &mut Vec<f32>| -> Result<bool> {
            if let Some(encoder) = inline.as_mut() {
                encoder.write(resampled, dest)?;
                resampled.clear();
                return Ok(true);
            }
            let next = out_back_rx.try_recv().unwrap_or_default();
            let full = std::mem::replace(resampled, next);
            resampled.clear();
            Ok(out_tx.send(full).is_ok())
        };
        let mut result: Result<()> = Ok(());
        let mut writer_alive = true;
        for message in mono_rx.iter() {
            if cancelled() {
                result = Err(Error::new(input, Stage::Cancel, "interrupted"));
                break;
            }
            match message {
                Ok(mono) => {
                    resampler.push(&mono, &mut resampled);
                    let _ = mono_back_tx.send(mono);
                    if resampled.len() >= WRITE_BATCH {
                        match deliver(&mut resampled) {
                            Ok(true) => {}
                            Ok(false) => writer_alive = false,
                            Err(e) => result = Err(e),
                        }
                        if !writer_alive || result.is_err() {
                            break;
                        }
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        drop(mono_rx);
        if result.is_ok() && writer_alive {
            resampler.finish(&mut resampled);
            if let Err(e) = deliver(&mut resampled) {
                result = Err(e);
            }
        }
        drop(out_tx);
        let (stats, invalid, counter) = decoding.join().map_err(|_| internal())?;
        let written = match writing {
            Some(handle) => handle.join().map_err(|_| internal())?,
            None => match inline.take() {
                Some(encoder) if result.is_ok() => encoder.finish(dest),
                _ => Err(internal()),
            },
        };
        result?;
        let (frames, clipped) = written?;
        Ok((stats, frames, clipped, invalid, counter))
    })
}

/// Whether decoding `source` costs less than resampling it: PCM of any kind, ADPCM, ALAC and
/// AAC decode at several hundred times real time (3 minutes of 44.1 kHz stereo: 0.03 s for PCM,
/// 0.11 s for AAC, against 0.22 s for MP3 and FLAC, 0.19 s for Vorbis, 0.74 s for Opus, and
/// 0.08 s to resample; measured with `examples/decode_only`).
fn cheap_to_decode(source: &SourceInfo) -> bool {
    let c = source.codec.as_str();
    c.starts_with("pcm") || c.starts_with("adpcm") || matches!(c, "alac" | "aac")
}

/// A source rate the resampler does not take: the source's sample rate is unsupported.
fn unsupported_rate(input: &Path, e: UnsupportedRate) -> Error {
    Error::new(input, Stage::Resample, e.to_string()).of_kind(ErrorKind::UnsupportedCodec)
}

fn write_err(dest: &Path, e: std::io::Error) -> Error {
    Error::with_source(dest, Stage::Write, io_reason(&e), e)
}

/// Extensions that name each container, for telling a person the name lies.
fn extension_mismatch(input: &Path, format: &str) -> Option<Notice> {
    let ext = input.extension()?.to_str()?.to_ascii_lowercase();
    let fits: &[&str] = match format {
        "wav" => &["wav", "wave", "bwf"],
        "mp3" => &["mp3", "mpga", "mpeg"],
        "mp2" | "mp1" => &["mp2", "mp1", "mpa", "mpga", "mp3"],
        "mp4" => &["m4a", "mp4", "m4b", "m4v", "mov", "3gp", "3g2", "3ga", "aac", "m4r"],
        "ogg" => &["ogg", "oga", "opus", "ogv", "spx"],
        "webm" => &["webm", "weba", "mkv", "mka"],
        "mkv" => &["mkv", "mka", "webm"],
        "flac" => &["flac", "fla"],
        "aiff" => &["aif", "aiff", "aifc"],
        "caf" => &["caf"],
        "aac" => &["aac", "adts"],
        "amr" => &["amr", "awb", "3ga"],
        _ => return None,
    };
    if fits.contains(&ext.as_str()) {
        None
    } else {
        Some(Notice::NamedAs { ext, format: format.to_uppercase() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_know_the_wav_size_and_every_profile_before_writing() {
        // Issue 11: 13 hours at 48 kHz is past what a 16-bit WAV holds (4 GiB).
        let ct = Limits::new(&crate::profile::CHANNELTALK, None);
        assert_eq!(ct.max_frames, encode::MAX_SAMPLES);
        assert_eq!(
            ct.breach(13 * 3600 * 48_000).as_deref(),
            Some("13 h 0 min long: a 48 kHz 16-bit mono WAV holds at most 12 h 25 min")
        );
        assert_eq!(
            ct.cap_reason(),
            "longer than 12 h 25 min: a 48 kHz 16-bit mono WAV holds at most 12 h 25 min"
        );
        // Every profile: the most frames allowed pass, one more does not, and what is allowed
        // is what `check` accepts of the file written.
        for p in crate::profile::PROFILES {
            let Ok(law) = law_of(p, Path::new("x.wav")) else { panic!("{}", p.name) };
            let l = Limits::new(p, law);
            assert_eq!(l.breach(l.max_frames), None, "{}", p.name);
            assert!(l.breach(l.max_frames + 1).is_some(), "{}", p.name);
            let seconds = l.max_frames as f64 / f64::from(p.sample_rate);
            assert_eq!(p.duration_breach(seconds), None, "{}", p.name);
            assert_eq!(p.size_breach(encode::wav_bytes(law, l.max_frames)), None, "{}", p.name);
        }
        let amazon = Limits::new(&crate::profile::AMAZON_CONNECT, Some(G711::Mulaw));
        assert_eq!(amazon.max_frames, 300 * 8000 - 1);
        let teams = Limits::new(&crate::profile::TEAMS, None);
        assert_eq!(teams.max_frames, (5_000_000 - 44) / 2);
        assert!(teams.breach(160 * 16_000).unwrap().starts_with(
            "2 min 40 s long: Microsoft Teams accepts files of at most 5 MB (5000000 bytes), \
             which hold at most 2 min 36.2 s of 16 kHz 16-bit mono WAV"
        ));
    }

    #[test]
    fn the_encoder_stops_at_the_limit() {
        let short = Profile { max_duration_s: Some(0.001), ..crate::profile::CHANNELTALK };
        let limits = Limits::new(&short, None);
        assert_eq!(limits.max_frames, 48);
        let writer = WavWriter::new(std::io::Cursor::new(Vec::new()), 48_000, None).unwrap();
        let mut e = Encoder::new(writer, &limits);
        let dest = Path::new("x.wav");
        assert!(e.write(&[0.0; 40], dest).is_ok());
        let err = e.write(&[0.0; 9], dest).unwrap_err();
        assert_eq!((err.stage(), err.kind()), (Stage::Limits, ErrorKind::TooLong));
        assert!(err.reason().starts_with("longer than 0 s: Channel Talk accepts prompts"), "{err}");
        assert_eq!(e.writer.samples(), 40);
    }

    /// Every committed fixture format through the library: the output has the documented
    /// length and the plain header, and the report matches the file.
    #[test]
    fn every_fixture_format_converts_through_the_library() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
        let out = tempfile::tempdir().unwrap();
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        files.sort();
        assert!(files.len() >= 40, "fixtures missing: {}", files.len());
        for f in files {
            let dest = out.path().join("out.wav");
            let c = convert_file(&f, &dest, &Profile::default(), true)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert_eq!(
                c.output_frames,
                output_len(c.source_frames, c.source.sample_rate, 48_000),
                "{}",
                f.display()
            );
            let bytes = std::fs::read(&dest).unwrap();
            assert_eq!(bytes.len() as u64, 44 + 2 * c.output_frames);
            assert_eq!(
                bytes[..44],
                crate::encode::pcm16_header(48_000, 1, (2 * c.output_frames) as u32)
            );
        }
    }
}
