//! One file through the whole pipeline: decode ► mix ► resample ► encode ► output.
//!
//! Guarantees: the input is only read; the output appears under its final name only when it is
//! complete (see [`crate::output`]); on any failure nothing is left behind. Memory is bounded by
//! a few packets' worth of samples, whatever the input's length.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::BufWriter;
use std::path::Path;

use crate::decode::{Decoder, SourceInfo};
use crate::encode::{Pcm16Writer, Quantizer};
use crate::error::{Error, Result, Stage, io_reason};
use crate::mix;
use crate::output::TempFile;
use crate::profile::Profile;
use crate::resample::Resampler;

/// What converting one file found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// What the source was.
    pub source: SourceInfo,
    /// Source frames decoded (after gapless trimming).
    pub source_frames: u64,
    /// Frames written at the target rate.
    pub output_frames: u64,
    /// Samples clipped at the 16-bit conversion.
    pub clipped_samples: u64,
    /// Things a person may want to know, that did not stop the conversion.
    pub warnings: Vec<String>,
}

impl Converted {
    /// The source's duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.source_frames as f64 / f64::from(self.source.sample_rate.max(1))
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
) -> std::result::Result<T, String> {
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
    convert_via(input, dest, dir, profile, overwrite)
}

/// Like [`convert_file`], with the temporary file in `work_dir` (on the same file system as
/// `dest`); the folder of `dest` is created only when the output is complete, so a failed
/// conversion leaves no empty folder behind.
pub fn convert_via(
    input: &Path,
    dest: &Path,
    work_dir: &Path,
    profile: &Profile,
    overwrite: bool,
) -> Result<Converted> {
    let mut decoder = Decoder::open(input)?;
    let write_err = |e: std::io::Error| Error::with_source(dest, Stage::Write, io_reason(&e), e);
    let mut tmp = TempFile::create(work_dir).map_err(write_err)?;
    let target_rate = profile.sample_rate;
    let source_rate = decoder.info().sample_rate;

    let mut converted = with_resampler(source_rate, target_rate, |resampler| {
        let file = tmp.file();
        let mut writer = Pcm16Writer::new(BufWriter::with_capacity(256 * 1024, file), target_rate)
            .map_err(|e| hound_err(dest, e))?;
        let mut quantizer = Quantizer::new();
        let mut mono = Vec::new();
        let mut resampled = Vec::new();
        let mut pcm = Vec::new();
        let mut flush =
            |resampled: &mut Vec<f32>, writer: &mut Pcm16Writer<_>, q: &mut Quantizer| {
                pcm.clear();
                q.quantize(resampled, &mut pcm);
                resampled.clear();
                writer.write(&pcm).map_err(|e| hound_err(dest, e))
            };
        while let Some(chunk) = decoder.next_chunk()? {
            mono.clear();
            mix::to_mono(chunk.planes, chunk.speakers, chunk.frames, &mut mono);
            resampler.push(&mono, &mut resampled);
            if resampled.len() >= 16 * 1024 {
                flush(&mut resampled, &mut writer, &mut quantizer)?;
            }
        }
        resampler.finish(&mut resampled);
        flush(&mut resampled, &mut writer, &mut quantizer)?;
        let output_frames = writer.samples();
        writer.finish().map_err(|e| hound_err(dest, e))?;
        let stats = decoder.stats().clone();
        let mut warnings = Vec::new();
        if stats.bad_packets > 0 {
            warnings.push(format!(
                "{} damaged packet(s) of {} skipped",
                stats.bad_packets, stats.packets
            ));
        }
        if quantizer.clipped() > 0 {
            warnings.push(format!(
                "{} sample(s) clipped at full scale",
                quantizer.clipped()
            ));
        }
        Ok::<_, Error>(Converted {
            source: decoder.info().clone(),
            source_frames: stats.frames,
            output_frames,
            clipped_samples: quantizer.clipped(),
            warnings,
        })
    })
    .map_err(|e| Error::new(input, Stage::Resample, e))??;

    if let Some(w) = extension_mismatch(input, &converted.source.format) {
        converted.warnings.insert(0, w);
    }
    if let Some(parent) = dest.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::with_source(
                parent,
                Stage::Write,
                format!("cannot create folder: {}", io_reason(&e)),
                e,
            )
        })?;
    }
    tmp.commit(dest, overwrite).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::new(
                dest,
                Stage::Write,
                "output already exists (use --force to overwrite)",
            )
        } else {
            write_err(e)
        }
    })?;
    Ok(converted)
}

fn hound_err(dest: &Path, e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) => Error::with_source(dest, Stage::Write, io_reason(&io), io),
        hound::Error::TooWide => {
            Error::new(dest, Stage::Write, "too long for a WAV file (over 4 GB)")
        }
        other => Error::with_source(dest, Stage::Write, "cannot write WAV", other),
    }
}

/// Extensions that name each container, for telling a person the name lies.
fn extension_mismatch(input: &Path, format: &str) -> Option<String> {
    let ext = input.extension()?.to_str()?.to_ascii_lowercase();
    let fits: &[&str] = match format {
        "wav" => &["wav", "wave", "bwf"],
        "mp3" => &["mp3", "mpga", "mpeg"],
        "mp2" | "mp1" => &["mp2", "mp1", "mpa", "mpga", "mp3"],
        "mp4" => &[
            "m4a", "mp4", "m4b", "m4v", "mov", "3gp", "3g2", "aac", "m4r",
        ],
        "ogg" => &["ogg", "oga", "opus", "ogv", "spx"],
        "webm" => &["webm", "weba", "mkv", "mka"],
        "mkv" => &["mkv", "mka", "webm"],
        "flac" => &["flac", "fla"],
        "aiff" => &["aif", "aiff", "aifc"],
        "caf" => &["caf"],
        "aac" => &["aac", "adts"],
        "amr" => &["amr", "3ga"],
        _ => return None,
    };
    if fits.contains(&ext.as_str()) {
        None
    } else {
        Some(format!("named .{ext} but is {}", format.to_uppercase()))
    }
}
