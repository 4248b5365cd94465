//! Checking: a file ► the facts about it and its problems, each with a stable code, a severity
//! and a one-line fix, against a [`Profile`].
//!
//! Guarantees:
//! - A checked file is only read, never written (opened read-only, no metadata changed).
//! - No input makes it panic or allocate by a size read from the file: the header reader
//!   ([`riff`]) bounds-checks every field against the real file length.
//! - A WAV is read the way `convert` reads it: [`riff`] is the decoder's layout reader too. What
//!   convert refuses (two fmt chunks, no complete frame, a cut-off file, audio it does not
//!   decode) is an error here whose fix never says "run convert"; what convert reads (a WAV
//!   written to a pipe, with its sizes unset) is read here too, to the end of the file.
//! - Every file `convert` writes passes (no error; content warnings are possible, such as a
//!   source that was clipped already).
//! - A fix that can be done with promptwav is the exact command, on the file's real path
//!   (shell-quoted) and with the flag that does it (`--remove-dc`, `--trim-silence`,
//!   `--loudness`); it is given only when convert reads the file ([`convert_reads`]).
//! - The codes, their default severities and fixes are one table: [`Code`] (printed by
//!   `promptwav check --codes`, copied in the README). A profile may change a code's severity.
//!
//! The examination, in order: the name; the container (is it a WAV at all? if not, what it
//! really is, from the decoder's probe); the RIFF layout and header; the format against the
//! profile; the content (loudness and true peak always, silence, clipping, DC offset, leading
//! and trailing silence); the profile's limits (duration, file size).

mod analysis;
mod name;
pub mod report;
/// The RIFF/WAVE layout reader, shared with the decoder so that both read a WAV the same way.
pub use crate::decode::riff;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use analysis::Content;

use crate::decode::{self, Decoder};
use crate::error::io_reason;
use crate::parallel;
use crate::profile::{Codec, Profile};
use crate::schema::Schema;
use crate::walk::{self, Skip, SkipKind};

use crate::notice::Notice;
pub use crate::problem::{Code, Detail, Fix, Problem, Severity};

/// What was measured about a file (what could be), named as the report schema names it (see
/// [`crate::schema`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Facts {
    /// The container, from the content (`wav`, `mp3`, ...).
    pub format: Option<String>,
    /// The codec (`pcm_s16le`, `pcm_mulaw`, `mp3`, ...).
    pub codec: Option<String>,
    /// Sample rate in Hz.
    pub sample_rate_hz: Option<u32>,
    /// Channels.
    pub channels: Option<u16>,
    /// Bits per sample, where the codec has such a thing.
    pub bits_per_sample: Option<u16>,
    /// Duration in seconds, of the audio really present.
    pub duration_s: Option<f64>,
    /// Integrated loudness, LUFS (EBU R128); null for silence or audio under 0.4 s.
    pub loudness_lufs: Option<f64>,
    /// True peak, dBTP; null for digital silence.
    pub true_peak_dbtp: Option<f64>,
    /// Sample peak, dBFS (the largest sample, not interpolated); null for digital silence.
    pub peak_dbfs: Option<f64>,
    /// File size in bytes.
    pub size_bytes: Option<u64>,
}

/// The result of checking one file. Its JSON (`check --json`) is the report schema's: the file
/// is the `input`, as in `convert`'s records.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// The report schema's version (serialized first, as `"schema": 1`).
    pub schema: Schema,
    /// The path, as given or found by walking (lossy UTF-8 if it is not UTF-8).
    pub input: String,
    /// Whether the file passes: no error (and no warning, with `strict`).
    pub ok: bool,
    /// Why the file was not checked (found by walking a folder: hidden, not audio by its
    /// extension); such a file is ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The typed key of `skipped` (not serialized: `skipped` holds its English text).
    #[serde(skip)]
    pub skip_notice: Option<Notice>,
    /// The problems, in the order examined.
    pub problems: Vec<Problem>,
    /// What was measured.
    #[serde(flatten)]
    pub facts: Facts,
    /// The path as an OS path (not serialized).
    #[serde(skip)]
    pub input_path: PathBuf,
    /// Seconds the check took (not serialized; JUnit reports it).
    #[serde(skip)]
    pub seconds: f64,
}

impl Report {
    /// The report of `path` before it is examined: ok, no problem, no fact.
    pub fn new(path: &Path) -> Report {
        Report {
            schema: Schema,
            input: path.to_string_lossy().into_owned(),
            ok: true,
            skipped: None,
            skip_notice: None,
            problems: Vec::new(),
            facts: Facts::default(),
            input_path: path.to_path_buf(),
            seconds: 0.0,
        }
    }

    /// How many problems of `severity` it has.
    pub fn count(&self, severity: Severity) -> usize {
        self.problems.iter().filter(|p| p.severity == severity).count()
    }

    /// Whether it has `code`.
    pub fn has(&self, code: Code) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }
}

/// Options of a check run. The command line builds one; library users too.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// What to require (default: Channel Talk).
    pub profile: Profile,
    /// Warnings fail too.
    pub strict: bool,
    /// Worker threads; 0 means one per CPU core.
    pub jobs: usize,
    /// Header only: the name, the container, the header and format, and the limits, with the
    /// duration from the header; the audio is not decoded, so no content problem (silence,
    /// clipping, DC offset, loudness) is looked for. For CI runs that only need the format.
    pub quick: bool,
}

/// A path quoted for a POSIX shell, only when it needs it.
pub fn shell_quote(path: &str) -> String {
    if !path.is_empty()
        && path.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/+,:@%=".contains(&b))
    {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

/// The exact convert command for `path` under `profile`, in backquotes:
/// `` `promptwav convert [--profile NAME] PATH -o DIR[ FLAGS]` `` (the path shell-quoted, the
/// profile named unless it is the default).
pub fn convert_command(path: &str, profile: &Profile, flags: &str) -> String {
    let profile_arg = if profile.name == Profile::default().name {
        String::new()
    } else {
        format!("--profile {} ", profile.name)
    };
    let flags = if flags.is_empty() { String::new() } else { format!(" {flags}") };
    format!("`promptwav convert {profile_arg}{} -o DIR{flags}`", shell_quote(path))
}

/// Whether `convert` can read the file `report` is about, judged from what `check` found: not
/// when it is unreadable, cut off (`truncated-data`, `truncated-chunk`), without a format or
/// audio (`fmt-missing`, `data-missing`, `data-size-zero`), ambiguous (`fmt-duplicate`), not
/// decodable (`undecodable`), or no WAV and no audio promptwav decodes (`not-wav` with no
/// format measured). Fixes suggest `promptwav convert` only where this holds.
pub fn convert_reads(report: &Report) -> bool {
    !report.problems.iter().any(|p| match p.code {
        Code::Unreadable
        | Code::TruncatedData
        | Code::TruncatedChunk
        | Code::FmtMissing
        | Code::DataMissing
        | Code::DataSizeZero
        | Code::FmtDuplicate
        | Code::Undecodable => true,
        Code::NotWav => report.facts.sample_rate_hz.is_none(),
        _ => false,
    })
}

/// The problem code of a layout fault.
fn fault_code(fault: riff::Fault) -> Code {
    use riff::Fault as F;
    match fault {
        F::BadChunk => Code::BadChunk,
        F::ChunkOrder => Code::ChunkOrder,
        F::DataMissing => Code::DataMissing,
        F::DataPartialFrame => Code::DataPartialFrame,
        F::DataSizeUnset => Code::DataSizeUnset,
        F::DataSizeZero => Code::DataSizeZero,
        F::ExtraChunk => Code::ExtraChunk,
        F::FmtDuplicate => Code::FmtDuplicate,
        F::FmtInconsistent => Code::FmtInconsistent,
        F::FmtMissing => Code::FmtMissing,
        F::MissingPadByte => Code::MissingPadByte,
        F::RiffSizeMismatch => Code::RiffSizeMismatch,
        F::TruncatedChunk => Code::TruncatedChunk,
        F::TruncatedData => Code::TruncatedData,
    }
}

fn codec_name(fmt: &riff::Fmt) -> String {
    let bits = fmt.bits;
    match fmt.codec_tag() {
        1 if bits <= 8 => "pcm_u8".into(),
        1 => format!("pcm_s{}le", u32::from(fmt.sample_bytes()) * 8),
        3 => format!("pcm_f{bits}le"),
        6 => "pcm_alaw".into(),
        7 => "pcm_mulaw".into(),
        2 => "adpcm_ms".into(),
        0x11 => "adpcm_ima_wav".into(),
        0x31 => "gsm_ms".into(),
        0x50 => "mp2".into(),
        0x55 => "mp3".into(),
        tag => format!("tag_{tag:#06x}"),
    }
}

fn codec_describe(tag: u16) -> String {
    let name = match tag {
        1 => "PCM",
        2 => "Microsoft ADPCM",
        3 => "floating-point PCM",
        6 => "G.711 A-law",
        7 => "G.711 u-law",
        0x11 => "IMA ADPCM",
        0x31 => "GSM 6.10",
        0x50 => "MPEG audio",
        0x55 => "MP3",
        riff::TAG_EXTENSIBLE => "an unknown WAVE_FORMAT_EXTENSIBLE subformat",
        _ => "an unknown codec",
    };
    format!("{name} (format tag {tag:#06x})")
}

/// The container's name for people.
fn format_describe(format: &str) -> String {
    match format {
        "mp3" | "mp2" | "mp1" | "amr" => format!("an {}", format.to_uppercase()),
        "aac" => "an AAC (ADTS)".into(),
        "mp4" => "an MP4/M4A".into(),
        "ogg" => "an Ogg".into(),
        "webm" => "a WebM".into(),
        "mkv" => "a Matroska (MKV)".into(),
        "flac" => "a FLAC".into(),
        "aiff" => "an AIFF".into(),
        "caf" => "a CAF".into(),
        other => format!("a {}", other.to_uppercase()),
    }
}

/// Checks one file against `opts.profile`: whether the platform takes it as it is, and if not,
/// why ([`Problem`]s with their [`Code`], [`Severity`] and fix). Never fails: a file that
/// cannot be read is a report with that problem.
///
/// # Examples
///
/// ```
/// use promptwav::{CheckOptions, Code, Severity, check_file};
///
/// let wav = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/check/channels.wav");
/// let report = check_file(wav.as_ref(), &CheckOptions::default());
/// assert!(!report.ok);
/// assert!(report.has(Code::Channels));
/// assert!(report.count(Severity::Error) >= 1);
/// for p in &report.problems {
///     println!("{} {}: {} ({})", p.severity.as_str(), p.code.as_str(), p.message, p.fix);
/// }
/// ```
pub fn check_file(path: &Path, opts: &CheckOptions) -> Report {
    let started = Instant::now();
    let mut report = Report::new(path);
    let profile = &opts.profile;
    let fix = Fix::Run(convert_command(&report.input, profile, ""));

    if let Some(file_name) = path.file_name() {
        report.problems.extend(name::check(file_name, profile));
    }
    examine(path, profile, &fix, opts.quick, &mut report);
    if !convert_reads(&report) {
        // Convert refuses the file as it is: no fix may send the user to it.
        for p in &mut report.problems {
            if p.fix_key == fix {
                p.fix = Fix::ExportAgain.english().unwrap_or_default();
                p.fix_key = Fix::ExportAgain;
            }
        }
    }
    // Container and header first, then format, name, content, limits (the table's order).
    report.problems.sort_by_key(|p| Code::ALL.iter().position(|c| *c == p.code));

    for p in &mut report.problems {
        if let Some((_, s)) = profile.severities.iter().find(|(c, _)| *c == p.code) {
            p.severity = *s;
        }
    }
    report.ok = !report
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error || (opts.strict && p.severity == Severity::Warning));
    report.seconds = started.elapsed().as_secs_f64();
    report
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// Container, header, format, content, limits.
fn examine(path: &Path, profile: &Profile, fix: &Fix, quick: bool, report: &mut Report) {
    let unreadable = |report: &mut Report, why: String| {
        report
            .problems
            .insert(0, Problem::new(Code::Unreadable, why, "fix the path or the permissions"));
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return unreadable(report, format!("cannot open: {}", io_reason(&e))),
    };
    let size = match file.metadata() {
        Ok(m) if m.is_dir() => return unreadable(report, "is a folder, not a file".into()),
        Ok(m) => m.len(),
        Err(e) => return unreadable(report, format!("cannot read: {}", io_reason(&e))),
    };
    report.facts.size_bytes = Some(size);
    let mut head = Vec::with_capacity(4096);
    if let Err(e) = (&mut file).take(4096).read_to_end(&mut head) {
        return unreadable(report, format!("cannot read: {}", io_reason(&e)));
    }

    let is_wave = head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE";
    let content = if is_wave {
        examine_wav(path, &mut file, size, profile, fix, quick, report)
    } else {
        examine_other(path, &head, profile, fix, report)
    };

    if let Some(c) = &content {
        report.facts.duration_s = Some(round(c.duration_s(), 3));
        report.facts.loudness_lufs = c.loudness_lufs.map(|l| round(l, 2));
        report.facts.true_peak_dbtp = c.true_peak_dbtp.map(|p| round(p, 2));
        report.facts.peak_dbfs = c.sample_peak_dbfs().map(|p| round(p, 2));
        // The content of a file that is no WAV is measured, not judged: it must be converted
        // anyway, and the conversion is what will be checked.
        if is_wave && !quick {
            content_problems(c, profile, report);
        }
        // The same judgement as `convert` makes of what it writes (see `Profile::duration_breach`).
        if let Some(why) = profile.duration_breach(c.duration_s()) {
            let fix = match profile.min_duration_s {
                Some(min) if c.duration_s() < min => "lengthen the prompt",
                _ => "shorten the prompt",
            };
            report.problems.push(Problem::new(Code::Duration, why, fix));
        }
    }
    if let Some(why) = profile.size_breach(size) {
        report.problems.push(Problem::new(Code::FileSize, why, "shorten the prompt"));
    }
}

/// The content findings of a WAV. Their fixes name promptwav's own flags with the exact command
/// (`--remove-dc`, `--trim-silence`) when convert reads the file, else what to do by hand.
fn content_problems(c: &Content, profile: &Profile, report: &mut Report) {
    let rules = &profile.content;
    // The exact command when convert reads the file, else what to do by hand.
    // `run` says how the command is given (`Fix::Run`, or with why it helps).
    let problem_with = |report: &Report,
                        code: Code,
                        message: String,
                        flag: &str,
                        by_hand: &str,
                        run: fn(String) -> Fix| {
        if convert_reads(report) {
            Problem::fixed(code, message, run(convert_command(&report.input, profile, flag)))
        } else {
            Problem::new(code, message, by_hand)
        }
    };
    let problem = |report: &Report, code: Code, message: String, flag: &str, by_hand: &str| {
        problem_with(report, code, message, flag, by_hand, Fix::Run)
    };
    let header_says_empty = report.has(Code::DataSizeZero) || report.has(Code::DataMissing);
    if c.frames == 0 {
        if !header_says_empty {
            report.problems.push(Problem::new(
                Code::Silent,
                "there are no samples at all",
                "check the source: export it again",
            ));
        }
        return;
    }
    if c.first_loud.is_none() {
        report.problems.push(
            Problem::new(
                Code::Silent,
                format!(
                    "all silence: no sample above {} dBFS in {:.2} s",
                    rules.silence_dbfs,
                    c.duration_s()
                ),
                "check the source: the recording is empty or muted",
            )
            .with_detail(Detail::Silent {
                threshold_dbfs: rules.silence_dbfs,
                seconds: c.duration_s(),
            }),
        );
        return;
    }
    if c.clip_runs > 0 {
        let at = c.first_clip.unwrap_or(0) as f64 / f64::from(c.rate.max(1));
        report.problems.push(
            Problem::new(
                Code::Clipping,
                format!(
                    "clipped: {} run(s) of {}+ full-scale samples ({} samples), the first at \
                     {at:.2} s",
                    c.clip_runs, rules.clip_run, c.clipped_samples
                ),
                "record or export again at a lower level; converting does not undo clipping",
            )
            .with_detail(Detail::Clipping {
                runs: c.clip_runs,
                run_len: rules.clip_run,
                samples: c.clipped_samples,
                first_s: at,
            }),
        );
    }
    if let Some(loss) = &c.average_loss {
        // Converting with the default downmix is the fix: the exact command.
        let message = format!("{loss}: the plain average would lose level");
        let (code, by_hand) = (Code::StereoDownmix, Code::StereoDownmix.fix());
        let p = problem_with(report, code, message, "", by_hand, Fix::RunSmartDownmix);
        report.problems.push(p);
    }
    if c.dc_offset.abs() > rules.max_dc_offset {
        let p = problem(
            report,
            Code::DcOffset,
            format!(
                "DC offset of {} of full scale (over {}%)",
                percent_for_people(c.dc_offset),
                rules.max_dc_offset * 100.0
            ),
            "--remove-dc",
            "remove it with a high-pass filter in an audio editor",
        );
        report.problems.push(p);
    }
    let lead = c.leading_silence_s();
    if lead > rules.max_leading_silence_s {
        let p = problem(
            report,
            Code::LeadingSilence,
            format!(
                "{lead:.2} s of silence before the first sound (over {} s)",
                rules.max_leading_silence_s
            ),
            "--trim-silence",
            "trim the start in an audio editor",
        );
        let limit = rules.max_leading_silence_s;
        report.problems.push(p.with_detail(Detail::LeadingSilence { seconds: lead, limit }));
    }
    let trail = c.trailing_silence_s();
    if trail > rules.max_trailing_silence_s {
        let p = problem(
            report,
            Code::TrailingSilence,
            format!(
                "{trail:.2} s of silence after the last sound (over {} s)",
                rules.max_trailing_silence_s
            ),
            "--trim-silence",
            "trim the end in an audio editor",
        );
        let limit = rules.max_trailing_silence_s;
        report.problems.push(p.with_detail(Detail::TrailingSilence { seconds: trail, limit }));
    }
}

/// Whether `code` is one of the file name rules.
fn is_name_code(code: Code) -> bool {
    matches!(
        code,
        Code::NameNonAscii
            | Code::NameUnsafeChars
            | Code::NameReserved
            | Code::NameExtension
            | Code::NameTooLong
    )
}

/// A file that does not start `RIFF....WAVE`: what is it really? Its audio is measured when the
/// decoder reads it.
fn examine_other(
    path: &Path,
    head: &[u8],
    profile: &Profile,
    fix: &Fix,
    report: &mut Report,
) -> Option<Content> {
    let mut decodable = false;
    let mut detail = None;
    let named =
        path.extension().map(|e| format!(" named .{}", e.to_string_lossy())).unwrap_or_default();
    let message = if head.starts_with(b"RF64") || head.starts_with(b"BW64") {
        format!("this is an RF64 file (64-bit WAV){named}, which phone platforms do not read")
    } else if head.starts_with(b"RIFX") {
        format!("this is a big-endian WAV (RIFX){named}, which phone platforms do not read")
    } else if let Some(codec) = decode::unsupported_audio(head) {
        format!("this is {codec} audio{named}, not a WAV, and promptwav cannot read it")
    } else {
        match Decoder::open(path) {
            Ok(d) => {
                decodable = true;
                let info = d.info();
                let f = &mut report.facts;
                f.format = Some(info.format.clone());
                f.codec = Some(info.codec.clone());
                f.sample_rate_hz = Some(info.sample_rate);
                f.channels = Some(info.channels);
                f.bits_per_sample = info.bits_per_sample.and_then(|b| u16::try_from(b).ok());
                detail = Some(Detail::NotWavAudio {
                    format: info.format.clone(),
                    codec: info.codec.clone(),
                    rate: info.sample_rate,
                    channels: info.channels,
                });
                format!(
                    "this is {} ({}, {} Hz, {} channel(s)){named}, not a WAV",
                    format_describe(&info.format),
                    info.codec,
                    info.sample_rate,
                    info.channels
                )
            }
            Err(e) => {
                let what =
                    if head.is_empty() { decode::describe_non_audio(head) } else { e.reason() };
                format!("not a WAV file: {what}")
            }
        }
    };
    if !decodable {
        // Convert cannot read it either: no "run convert", and no "rename it to NAME.wav"
        // (the name convert would give a file it cannot make).
        let fix = match decode::unsupported_audio(head) {
            _ if head.starts_with(b"RF64")
                || head.starts_with(b"BW64")
                || head.starts_with(b"RIFX") =>
            {
                "export it again as a plain (RIFF) WAV, or convert it with another tool".to_string()
            }
            Some(_) => "convert it to WAV or MP3 with another tool (for example ffmpeg), then \
                        convert or check that file"
                .to_string(),
            None if head.is_empty() => "export the file again from its source".to_string(),
            None => "use the real recording: promptwav cannot read this file".to_string(),
        };
        report.problems.retain(|p| !is_name_code(p.code));
        report.problems.insert(0, Problem::new(Code::NotWav, message, fix));
        return None;
    }
    let mut p = Problem::fixed(Code::NotWav, message, fix.clone());
    p.detail = detail;
    report.problems.insert(0, p);
    match analysis::analyze_decoded(path, &profile.content) {
        Ok((c, _)) if c.frames > 0 => Some(c),
        _ => None,
    }
}

fn examine_wav(
    path: &Path,
    file: &mut File,
    size: u64,
    profile: &Profile,
    fix: &Fix,
    quick: bool,
    report: &mut Report,
) -> Option<Content> {
    let wav = match riff::parse(file, size) {
        Ok(w) => w,
        Err(e) => {
            report.problems.insert(
                0,
                Problem::new(
                    Code::Unreadable,
                    format!("cannot read: {}", io_reason(&e)),
                    "fix the path or the permissions",
                ),
            );
            return None;
        }
    };
    report.facts.format = Some("wav".into());
    report.problems.extend(wav.findings.iter().map(|f| {
        let code = fault_code(f.fault);
        // Only the faults convert can repair get "run convert"; convert refuses the others.
        let message = f.message.clone();
        match code {
            Code::TruncatedData | Code::TruncatedChunk => {
                Problem::new(code, message, "export or copy the file again (it was cut off)")
            }
            Code::FmtMissing | Code::DataMissing | Code::DataSizeZero | Code::FmtDuplicate => {
                Problem::new(code, message, "export the file again from its source")
            }
            _ => Problem::fixed(code, message, fix.clone()),
        }
    }));

    if let Some(fact) = &wav.fact
        && profile.codec == Codec::Pcm
    {
        report.problems.push(Problem::fixed(
            Code::ExtraChunk,
            format!(
                "a fact chunk ({} bytes) besides fmt and data: strict parsers (Asterisk, Python's \
                 wave, embedded players) may refuse it",
                fact.size
            ),
            fix.clone(),
        ));
    }

    let fmt = wav.fmt.as_ref()?;
    if profile.codec != Codec::Pcm && fmt.codec_tag() == profile.codec.format_tag() {
        g711_layout_problems(&wav, fmt, fix, report);
    }
    let f = &mut report.facts;
    f.codec = Some(codec_name(fmt));
    f.sample_rate_hz = Some(fmt.rate);
    f.channels = Some(fmt.channels);
    f.bits_per_sample =
        Some(fmt.valid_bits.filter(|&v| v > 0).unwrap_or(fmt.bits)).filter(|&b| b > 0);
    format_problems(fmt, profile, fix, report);
    // Audio this reader takes may still be audio the decoder refuses (12-bit samples in a
    // plain PCM header, hundreds of channels): before any fix sends the user to convert, the
    // decoder is opened as convert opens it, and a refusal is a problem of its own (which
    // turns the fixes to exporting again, see `convert_reads`). Audio this reader does not
    // take is analysed through the decoder below, which tells its own failure.
    if analysis::can_read(fmt)
        && convert_reads(report)
        && report.problems.iter().any(|p| p.fix_key == *fix)
        && let Err(e) = crate::decode::Decoder::open(path)
    {
        report.problems.push(Problem::new(
            Code::Undecodable,
            format!("promptwav cannot decode this WAV: {}", e.reason()),
            "export it again from its source as 16-bit PCM WAV, or convert it with another tool \
             (promptwav cannot read it)",
        ));
    }

    let data = wav.data?;
    if quick {
        // The length the header gives, nothing decoded: only the limits are judged on it.
        let frames = data.available / u64::from(fmt.block_align.max(1));
        return Some(Content {
            rate: fmt.rate,
            frames,
            loudness_lufs: None,
            true_peak_dbtp: None,
            sample_peak: 0.0,
            first_loud: None,
            last_loud: None,
            dc_offset: 0.0,
            clip_runs: 0,
            clipped_samples: 0,
            first_clip: None,
            average_loss: None,
        });
    }
    if analysis::can_read(fmt) {
        match analysis::analyze_wav(file, fmt, &data, &profile.content) {
            Ok(c) => c,
            Err(e) => {
                report.problems.push(Problem::new(
                    Code::Unreadable,
                    format!("cannot read the audio: {}", io_reason(&e)),
                    "fix the path or the permissions",
                ));
                None
            }
        }
    } else {
        match analysis::analyze_decoded(path, &profile.content) {
            Ok((c, None)) => Some(c),
            Ok((c, Some(why))) => {
                report.problems.push(Problem::fixed(
                    Code::Undecodable,
                    format!("the audio cannot be fully decoded: {why}"),
                    fix.clone(),
                ));
                Some(c).filter(|c| c.frames > 0)
            }
            Err(why) => {
                report.problems.push(Problem::new(
                    Code::Undecodable,
                    format!("the audio cannot be decoded: {why}"),
                    "export it again from its source as PCM WAV, or convert it with another tool \
                     (promptwav cannot read it either)",
                ));
                None
            }
        }
    }
}

/// The layout strict parsers expect of a G.711 WAV: the 18-byte fmt chunk with cbSize 0, and a
/// fact chunk whose sample count is the data's.
fn g711_layout_problems(wav: &riff::Wav, fmt: &riff::Fmt, fix: &Fix, report: &mut Report) {
    if fmt.chunk_size != 18 || fmt.cb_size != Some(0) {
        let cb = match fmt.cb_size {
            Some(cb) => format!("cbSize {cb}"),
            None => "no cbSize".to_string(),
        };
        report.problems.push(Problem::fixed(
            Code::FmtSize,
            format!(
                "the fmt chunk is {} bytes ({cb}); G.711 needs 18 bytes with cbSize 0",
                fmt.chunk_size
            ),
            fix.clone(),
        ));
    }
    let frame_bytes = u64::from(fmt.block_align.max(1));
    let frames = wav.data.map(|d| {
        let bytes = if d.unknown_length { d.available } else { u64::from(d.declared) };
        bytes / frame_bytes
    });
    let message = match (wav.fact, frames) {
        (None, _) => Some("no fact chunk, which a G.711 WAV must have".to_string()),
        (Some(fact), _) if fact.samples.is_none() => {
            Some(format!("the fact chunk is {} bytes, too short for a sample count", fact.size))
        }
        (Some(fact), Some(n)) if fact.samples.map(u64::from) != Some(n) => Some(format!(
            "the fact chunk says {} samples, the data holds {n}",
            fact.samples.unwrap_or(0)
        )),
        _ => None,
    };
    if let Some(message) = message {
        report.problems.push(Problem::fixed(Code::FactChunk, message, fix.clone()));
    }
}

fn format_problems(fmt: &riff::Fmt, profile: &Profile, fix: &Fix, report: &mut Report) {
    let mut say = |code: Code, message: String, detail: Option<Detail>| {
        let mut p = Problem::fixed(code, message, fix.clone());
        p.detail = detail;
        report.problems.push(p);
    };
    if fmt.tag == riff::TAG_EXTENSIBLE && !profile.allow_extensible {
        say(
            Code::ExtensibleFormat,
            format!(
                "WAVE_FORMAT_EXTENSIBLE (format tag 0xfffe), needs the plain format tag {}",
                profile.codec.format_tag()
            ),
            None,
        );
    }
    let want_tag = profile.codec.format_tag();
    let codec_ok = fmt.codec_tag() == want_tag;
    if !codec_ok {
        say(
            Code::Codec,
            format!(
                "codec {}, needs {} (format tag {want_tag})",
                codec_describe(fmt.codec_tag()),
                profile.codec.describe()
            ),
            None,
        );
    } else if fmt.bits != profile.bits_per_sample && !(profile.codec != Codec::Pcm && fmt.bits == 8)
    {
        say(
            Code::BitDepth,
            format!("{}-bit samples, needs {}-bit", fmt.bits, profile.bits_per_sample),
            Some(Detail::BitDepth { found: fmt.bits, needs: profile.bits_per_sample }),
        );
    }
    if fmt.channels != profile.channels && fmt.channels > 0 {
        let what = |n: u16| match n {
            1 => "mono".to_string(),
            2 => "stereo".to_string(),
            n => format!("{n} channels"),
        };
        say(
            Code::Channels,
            format!("{}, needs {}", what(fmt.channels), what(profile.channels)),
            Some(Detail::Channels { found: fmt.channels, needs: profile.channels }),
        );
    }
    if fmt.rate != profile.sample_rate && fmt.rate > 0 {
        say(
            Code::SampleRate,
            format!("sample rate {} Hz, needs {} Hz", fmt.rate, profile.sample_rate),
            Some(Detail::SampleRate { found: fmt.rate, needs: profile.sample_rate }),
        );
    }
}

/// A report for a walked entry that was skipped or could not be read.
fn from_skip(skip: &Skip) -> Report {
    let mut report = Report::new(&skip.path);
    match skip.kind {
        SkipKind::Skipped => {
            report.skipped = Some(skip.reason.clone());
            report.skip_notice = skip.notice.clone();
        }
        SkipKind::Unreadable => {
            report.ok = false;
            report.problems.push(Problem::new(
                Code::Unreadable,
                skip.reason.clone(),
                "fix the path or the permissions",
            ));
        }
    }
    report
}

/// Checks files and folders (walked as `convert` walks them: recursively, sorted, hidden and
/// clearly-not-audio files skipped). `on_report` sees each report in input order as soon as it
/// and all before it are ready; every report is returned, in the same order.
pub fn run(
    inputs: &[PathBuf],
    opts: &CheckOptions,
    on_report: &mut dyn FnMut(&Report),
) -> Vec<Report> {
    let found = walk::walk(inputs, None);
    // As convert: at most parallel::MAX_THREADS threads, never more than the files.
    let files = found.iter().filter(|f| f.is_ok()).count();
    parallel::ordered(
        &found,
        parallel::threads_for(opts.jobs, files),
        |_, f| match f {
            Ok(found) => check_file(&found.path, opts),
            Err(skip) => from_skip(skip),
        },
        |_, f| {
            let path = match f {
                Ok(found) => found.path.as_path(),
                Err(skip) => skip.path.as_path(),
            };
            let mut r = Report::new(path);
            r.ok = false;
            r.problems.push(Problem::fixed(
                Code::Unreadable,
                "internal error while checking; please report this file",
                Fix::Report,
            ));
            r
        },
        &mut |_| {},
        on_report,
    )
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files checked (not skipped).
    pub checked: usize,
    /// Files that passed.
    pub ok: usize,
    /// Files that failed.
    pub failed: usize,
    /// Files skipped while walking.
    pub skipped: usize,
    /// Errors in all files.
    pub errors: usize,
    /// Warnings in all files.
    pub warnings: usize,
}

impl Summary {
    /// Counts `reports`.
    pub fn of(reports: &[Report]) -> Summary {
        let mut s = Summary::default();
        for r in reports {
            if r.skipped.is_some() {
                s.skipped += 1;
                continue;
            }
            s.checked += 1;
            if r.ok {
                s.ok += 1;
            } else {
                s.failed += 1;
            }
            s.errors += r.count(Severity::Error);
            s.warnings += r.count(Severity::Warning);
        }
        s
    }
}

/// A signed fraction as a percentage a person can read: one decimal, and "more than 1000%"
/// for the absurd values a float file can hold (1e30 is not a useful number to print).
fn percent_for_people(fraction: f64) -> String {
    let p = fraction * 100.0;
    if !p.is_finite() || p.abs() > 1000.0 {
        format!("{}more than 1000%", if p < 0.0 { "-" } else { "+" })
    } else {
        format!("{p:+.1}%")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentages_are_printed_for_people() {
        assert_eq!(super::percent_for_people(0.0234), "+2.3%");
        assert_eq!(super::percent_for_people(-0.5), "-50.0%");
        assert_eq!(super::percent_for_people(1.0e27), "+more than 1000%");
        assert_eq!(super::percent_for_people(f64::NAN), "+more than 1000%");
    }

    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{c}"
            );
            assert!(!c.what().is_empty() && !c.fix().is_empty());
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("a/b.wav"), "a/b.wav");
        assert_eq!(shell_quote("a b.wav"), "'a b.wav'");
        assert_eq!(shell_quote("it's.wav"), r"'it'\''s.wav'");
    }
}
