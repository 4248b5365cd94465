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
        let writer = Pcm16Writer::new(tmp.file(), target_rate).map_err(|e| write_err(dest, e))?;
        if settings.two_threads {
            run_pipelined(decoder, resampler, writer, &cancelled, input, dest)
        } else {
            run_inline(decoder, resampler, writer, &cancelled, input, dest)
        }
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

/// What the pipeline hands back: decoding statistics, frames written, samples clipped.
type Outcome = (DecodeStats, u64, u64);

/// Resampled samples are handed to the encoder in batches of this many (64 KB of output).
const WRITE_BATCH: usize = 32 * 1024;

/// Chunks in flight between two threads: enough to ride out jitter, few enough to keep memory
/// flat.
const IN_FLIGHT: usize = 4;

/// Quantizes and writes resampled samples.
struct Encoder<W: std::io::Write + std::io::Seek> {
    writer: Pcm16Writer<W>,
    quantizer: Quantizer,
    pcm: Vec<i16>,
}

impl<W: std::io::Write + std::io::Seek> Encoder<W> {
    fn new(writer: Pcm16Writer<W>) -> Self {
        Encoder { writer, quantizer: Quantizer::new(), pcm: Vec::new() }
    }

    fn write(&mut self, samples: &[f32], dest: &Path) -> Result<()> {
        self.pcm.clear();
        self.quantizer.quantize(samples, &mut self.pcm);
        self.writer.write(&self.pcm).map_err(|e| write_err(dest, e))
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
    writer: Pcm16Writer<W>,
    cancelled: &dyn Fn() -> bool,
    input: &Path,
    dest: &Path,
) -> Result<Outcome> {
    let mut encoder = Encoder::new(writer);
    let (mut mono, mut resampled) = (Vec::new(), Vec::new());
    while let Some(chunk) = decoder.next_chunk()? {
        if cancelled() {
            return Err(Error::new(input, Stage::Decode, "interrupted"));
        }
        mono.clear();
        mix::to_mono(chunk.planes, chunk.speakers, chunk.frames, &mut mono);
        resampler.push(&mono, &mut resampled);
        if resampled.len() >= WRITE_BATCH {
            encoder.write(&resampled, dest)?;
            resampled.clear();
        }
    }
    resampler.finish(&mut resampled);
    encoder.write(&resampled, dest)?;
    let (frames, clipped) = encoder.finish(dest)?;
    Ok((decoder.stats().clone(), frames, clipped))
}

/// Three stages on three threads, joined by bounded channels that pass buffers back and forth
/// (nothing is allocated per chunk): decode and mix ► resample (this thread) ► quantize and
/// write. For a file converted alone, the total comes close to the slowest stage, usually
/// decoding.
fn run_pipelined<W: std::io::Write + std::io::Seek + Send>(
    mut decoder: Decoder,
    resampler: &mut Resampler,
    writer: Pcm16Writer<W>,
    cancelled: &(dyn Fn() -> bool + Sync),
    input: &Path,
    dest: &Path,
) -> Result<Outcome> {
    let internal = || {
        Error::new(input, Stage::Decode, "internal error while converting; please report this file")
    };
    std::thread::scope(|scope| {
        let (mono_tx, mono_rx) = mpsc::sync_channel::<Result<Vec<f32>>>(IN_FLIGHT);
        let (mono_back_tx, mono_back_rx) = mpsc::channel::<Vec<f32>>();
        let (out_tx, out_rx) = mpsc::sync_channel::<Vec<f32>>(IN_FLIGHT);
        let (out_back_tx, out_back_rx) = mpsc::channel::<Vec<f32>>();

        let decoding = scope.spawn(move || {
            while !cancelled() {
                let mut mono = mono_back_rx.try_recv().unwrap_or_default();
                mono.clear();
                let message = match decoder.next_chunk() {
                    Ok(Some(chunk)) => {
                        mix::to_mono(chunk.planes, chunk.speakers, chunk.frames, &mut mono);
                        Ok(mono)
                    }
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let failed = message.is_err();
                // A closed channel means the other stages stopped: so do we.
                if mono_tx.send(message).is_err() || failed {
                    break;
                }
            }
            decoder.stats().clone()
        });
        let writing = scope.spawn(move || {
            let mut encoder = Encoder::new(writer);
            for samples in out_rx {
                encoder.write(&samples, dest)?;
                let _ = out_back_tx.send(samples);
            }
            encoder.finish(dest)
        });

        // Resampling, here. A send fails only when the writer has stopped on an error, which
        // its join below reports.
        let mut resampled: Vec<f32> = Vec::new();
        let hand_over = |resampled: &mut Vec<f32>| -> bool {
            let next = out_back_rx.try_recv().unwrap_or_default();
            let full = std::mem::replace(resampled, next);
            resampled.clear();
            out_tx.send(full).is_ok()
        };
        let mut result: Result<()> = Ok(());
        let mut writer_alive = true;
        for message in mono_rx.iter() {
            if cancelled() {
                result = Err(Error::new(input, Stage::Decode, "interrupted"));
                break;
            }
            match message {
                Ok(mono) => {
                    resampler.push(&mono, &mut resampled);
                    let _ = mono_back_tx.send(mono);
                    if resampled.len() >= WRITE_BATCH && !hand_over(&mut resampled) {
                        writer_alive = false;
                        break;
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
            hand_over(&mut resampled);
        }
        drop(out_tx);
        let stats = decoding.join().map_err(|_| internal())?;
        let written = writing.join().map_err(|_| internal())?;
        result?;
        let (frames, clipped) = written?;
        Ok((stats, frames, clipped))
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
