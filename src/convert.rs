//! One file through the whole pipeline: decode ► mix ► resample ► encode ► output.
//!
//! Guarantees: the input is only read; the output appears under its final name only when it is
//! complete (see [`crate::output`]); on any failure nothing is left behind. Memory is bounded by
//! a few packets' worth of samples, whatever the input's length.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::decode::{DecodeStats, Decoder, SourceInfo};
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

/// How to run one conversion, beyond the target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings<'a> {
    /// Replace an existing output.
    pub overwrite: bool,
    /// Decode (and mix) on a second thread while this one resamples and writes: for a file
    /// converted alone, this brings the total time close to the decoding time.
    pub two_threads: bool,
    /// When set (by Ctrl-C, say), the conversion stops at the next chunk and leaves nothing.
    pub cancel: Option<&'a AtomicBool>,
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
    let decoder = Decoder::open(input)?;
    let mut tmp = TempFile::create(work_dir).map_err(|e| write_err(dest, e))?;
    let target_rate = profile.sample_rate;
    let source_rate = decoder.info().sample_rate;
    let source = decoder.info().clone();
    let cancelled = || settings.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let interrupted = || Error::new(input, Stage::Decode, "interrupted");

    let (stats, output_frames, clipped) = with_resampler(source_rate, target_rate, |resampler| {
        let file = tmp.file();
        let mut writer = Pcm16Writer::new(file, target_rate).map_err(|e| write_err(dest, e))?;
        let mut quantizer = Quantizer::new();
        let mut resampled = Vec::new();
        let mut pcm = Vec::new();
        // Resamples, quantizes and writes one mono chunk (`None`: the end).
        let mut sink = |mono: Option<&[f32]>| -> Result<()> {
            match mono {
                Some(mono) => resampler.push(mono, &mut resampled),
                None => resampler.finish(&mut resampled),
            }
            // Writes of 64 KB or more go straight to the file: no buffering layer needed.
            if resampled.len() >= 32 * 1024 || mono.is_none() {
                pcm.clear();
                quantizer.quantize(&resampled, &mut pcm);
                resampled.clear();
                writer.write(&pcm).map_err(|e| write_err(dest, e))?;
            }
            Ok(())
        };
        let stats = if settings.two_threads {
            decode_on_thread(decoder, &mut sink, &cancelled, input)?
        } else {
            let mut decoder = decoder;
            let mut mono = Vec::new();
            while let Some(chunk) = decoder.next_chunk()? {
                if cancelled() {
                    return Err(interrupted());
                }
                mono.clear();
                mix::to_mono(chunk.planes, chunk.speakers, chunk.frames, &mut mono);
                sink(Some(&mono))?;
            }
            decoder.stats().clone()
        };
        sink(None)?;
        let output_frames = writer.samples();
        writer.finish().map_err(|e| write_err(dest, e))?;
        Ok::<_, Error>((stats, output_frames, quantizer.clipped()))
    })
    .map_err(|e| Error::new(input, Stage::Resample, e))??;

    let mut warnings = Vec::new();
    if let Some(w) = extension_mismatch(input, &source.format) {
        warnings.push(w);
    }
    if stats.bad_packets > 0 {
        warnings
            .push(format!("{} damaged packet(s) of {} skipped", stats.bad_packets, stats.packets));
    }
    if clipped > 0 {
        warnings.push(format!("{clipped} sample(s) clipped at full scale"));
    }
    if cancelled() {
        return Err(interrupted());
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
    tmp.commit(dest, settings.overwrite).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::new(dest, Stage::Write, "output already exists (use --force to overwrite)")
        } else {
            write_err(dest, e)
        }
    })?;
    Ok(Converted {
        source,
        source_frames: stats.frames,
        output_frames,
        clipped_samples: clipped,
        warnings,
    })
}

/// Chunks in flight between the decoding thread and the writing one: enough to ride out
/// jitter, few enough to keep memory flat.
const IN_FLIGHT: usize = 4;

/// Runs `decoder` (and the downmix) on a scoped thread, feeding mono chunks to `sink` on this
/// one through a bounded channel. Buffers go back and forth, so nothing is allocated per chunk.
fn decode_on_thread(
    mut decoder: Decoder,
    sink: &mut dyn FnMut(Option<&[f32]>) -> Result<()>,
    cancelled: &(dyn Fn() -> bool + Sync),
    input: &Path,
) -> Result<DecodeStats> {
    let (full_tx, full_rx) = mpsc::sync_channel::<Result<Vec<f32>>>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<f32>>();
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            loop {
                if cancelled() {
                    return decoder.stats().clone();
                }
                let mut mono = empty_rx.try_recv().unwrap_or_default();
                mono.clear();
                match decoder.next_chunk() {
                    Ok(Some(chunk)) => {
                        mix::to_mono(chunk.planes, chunk.speakers, chunk.frames, &mut mono);
                        if full_tx.send(Ok(mono)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        break;
                    }
                }
            }
            decoder.stats().clone()
        });
        let mut result = Ok(());
        for message in full_rx.iter() {
            if cancelled() {
                result = Err(Error::new(input, Stage::Decode, "interrupted"));
                break;
            }
            match message {
                Ok(mono) => {
                    if let Err(e) = sink(Some(&mono)) {
                        result = Err(e);
                        break;
                    }
                    let _ = empty_tx.send(mono);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Dropping the receiver stops the producer at its next send.
        drop(full_rx);
        let stats = producer.join().map_err(|_| {
            Error::new(
                input,
                Stage::Decode,
                "internal error while decoding; please report this file",
            )
        })?;
        result.map(|()| stats)
    })
}

fn write_err(dest: &Path, e: std::io::Error) -> Error {
    Error::with_source(dest, Stage::Write, io_reason(&e), e)
}

/// Extensions that name each container, for telling a person the name lies.
fn extension_mismatch(input: &Path, format: &str) -> Option<String> {
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
        Some(format!("named .{ext} but is {}", format.to_uppercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resample::output_len;

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
