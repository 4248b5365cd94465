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
//! and the gain are corrected from what the previous render measured). Each pass decodes the file
//! again, except that a file whose mono signal at the output rate fits in [`CACHE_SAMPLES`] is
//! kept in memory after the first decode and replayed: memory stays bounded for any length.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::decode::{DecodeStats, Decoder, SourceInfo};
use crate::encode::{G711, Quantizer, WavWriter};
use crate::error::{Error, Result, Stage, io_reason};
use crate::finish::{self, FinishOptions, FinishReport, Plan};
use crate::mix::{self, ChannelStats, Downmix};
use crate::output::TempFile;
use crate::profile::{Codec, Profile};
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
    /// What finishing measured and did, when it ran.
    pub finish: Option<FinishReport>,
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
    /// converted alone, this brings the total time close to the decoding time. (The finishing
    /// passes run on one thread.)
    pub two_threads: bool,
    /// When set (by Ctrl-C, say), the conversion stops at the next chunk and leaves nothing.
    pub cancel: Option<&'a AtomicBool>,
    /// Finishing (loudness, trimming, fades, DC removal, smart downmix); `None` or inactive
    /// options: none.
    pub finish: Option<&'a FinishOptions>,
}

/// The G.711 law of a profile's codec (`None` for PCM); fails for a PCM bit depth the encoder
/// does not write.
fn law_of(profile: &Profile) -> std::result::Result<Option<G711>, String> {
    match (profile.codec, profile.bits_per_sample) {
        (Codec::Pcm, 16) => Ok(None),
        (Codec::Mulaw, 8) => Ok(Some(G711::Mulaw)),
        (Codec::Alaw, 8) => Ok(Some(G711::Alaw)),
        (codec, bits) => Err(format!(
            "profile {}: {bits}-bit {} cannot be written (16-bit PCM, 8-bit u-law or A-law)",
            profile.name,
            codec.describe()
        )),
    }
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
    let law = law_of(profile).map_err(|e| Error::new(dest, Stage::Write, e))?;
    if let Some(finish) = settings.finish.filter(|f| f.is_active()) {
        finish.validate().map_err(|e| Error::new(input, Stage::Resample, e))?;
        return convert_finished(input, dest, work_dir, profile, settings, finish, law);
    }
    let decoder = Decoder::open(input)?;
    let mut tmp = TempFile::create(work_dir).map_err(|e| write_err(dest, e))?;
    let target_rate = profile.sample_rate;
    let source_rate = decoder.info().sample_rate;
    let source = decoder.info().clone();
    let cancelled = || settings.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let interrupted = || Error::new(input, Stage::Decode, "interrupted");

    let (stats, output_frames, clipped) = with_resampler(source_rate, target_rate, |resampler| {
        let writer =
            WavWriter::new(tmp.file(), target_rate, law).map_err(|e| write_err(dest, e))?;
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
    warnings.extend(source.warnings.iter().cloned());
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
    publish(tmp, dest, settings.overwrite)?;
    Ok(Converted {
        source,
        source_frames: stats.frames,
        output_frames,
        clipped_samples: clipped,
        warnings,
        finish: None,
    })
}

/// Gives the complete temporary file its final name, creating the folders between (never
/// through a link: see [`TempFile::commit`]).
fn publish(tmp: TempFile, dest: &Path, overwrite: bool) -> Result<()> {
    tmp.commit(dest, overwrite).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::new(dest, Stage::Write, "output already exists (use --force to overwrite)")
        } else {
            write_err(dest, e)
        }
    })
}

/// Mono samples at the output rate kept in memory between passes, at most: 16 MiB. Longer
/// files are decoded again for each pass.
pub const CACHE_SAMPLES: usize = 1 << 22;

/// The most renders of one file (the first, then corrections).
pub const MAX_RENDERS: usize = 8;

/// A render within this many LU of the loudness target is accepted.
pub const LOUDNESS_TOLERANCE_LU: f64 = 0.1;

/// The most gain added beyond what reaches the target without limiting (dB): more would only
/// raise the noise between words for the limiter to hold down.
pub const MAX_EXTRA_GAIN_DB: f64 = 10.0;

/// When a dB more gain brings less than this many LU more loudness, the limiter takes it all:
/// the target is out of reach under the ceiling.
const MIN_LOUDNESS_SLOPE: f64 = 0.3;

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
    /// The whole signal, when it fit.
    cache: Option<Vec<f32>>,
    /// Whether the signal may fit: false once it did not.
    cacheable: bool,
    decoder: Option<Decoder>,
}

impl<'a> Source<'a> {
    fn open(input: &'a Path, rate: u32, cancel: Option<&'a AtomicBool>) -> Result<Source<'a>> {
        let decoder = Decoder::open(input)?;
        Ok(Source {
            input,
            rate,
            downmix: Downmix::Standard,
            cancel,
            info: decoder.info().clone(),
            stats: None,
            channels: ChannelStats::default(),
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
                    return Err(Error::new(self.input, Stage::Decode, "interrupted"));
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
        let (input, downmix, rate) = (self.input, self.downmix, self.rate);
        with_resampler(source_rate, rate, |resampler| {
            let mut mono = Vec::new();
            let mut resampled = Vec::new();
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
                    return Err(Error::new(input, Stage::Decode, "interrupted"));
                }
                if first {
                    channels.push(chunk.planes, chunk.frames);
                }
                mono.clear();
                mix::to_mono_as(chunk.planes, chunk.speakers, chunk.frames, downmix, &mut mono);
                resampler.push(&mono, &mut resampled);
                if resampled.len() >= 32 * 1024 {
                    deliver(&mut resampled)?;
                }
            }
            resampler.finish(&mut resampled);
            deliver(&mut resampled)
        })
        .map_err(|e| Error::new(input, Stage::Resample, e))??;
        if first {
            self.stats = Some(decoder.stats().clone());
            self.channels = channels;
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
) -> Result<(finish::Measurement, Option<f64>, Vec<String>)> {
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
            warnings.push(format!(
                "DC offset of {:+.1}% of full scale removed (high-pass below {} Hz)",
                mean * 100.0,
                finish::DC_CUTOFF_HZ
            ));
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
    let mut source = Source::open(input, profile.sample_rate, cancel)?;
    let (m, _, _) = measure(&mut source, finish, profile)?;
    Ok(m.loudness.lufs)
}

/// The target of `--match-loudness`: the median loudness of `inputs` (those that can be
/// measured and are not silent), measured on `jobs` threads (0: one per core). `None` when no
/// file has a loudness.
pub fn batch_loudness_target(
    inputs: &[&Path],
    profile: &Profile,
    finish: &FinishOptions,
    jobs: usize,
    cancel: Option<&AtomicBool>,
) -> Option<f64> {
    use rayon::prelude::*;
    let work = || {
        inputs
            .par_iter()
            .with_max_len(1)
            .filter_map(|p| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    measure_loudness(p, profile, finish, cancel).ok().flatten()
                }))
                .ok()
                .flatten()
            })
            .collect::<Vec<f64>>()
    };
    let values = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    finish::median(&values)
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
    law: Option<G711>,
    dest: &Path,
) -> Result<Rendered> {
    use std::io::Seek;
    let rate = source.rate;
    file.set_len(0).map_err(|e| write_err(dest, e))?;
    file.seek(std::io::SeekFrom::Start(0)).map_err(|e| write_err(dest, e))?;
    let writer = WavWriter::new(&mut *file, rate, law).map_err(|e| write_err(dest, e))?;
    let mut encoder = Encoder::new(writer);
    let mut chain = finish::Render::new(plan, rate);
    let mut meter = finish::LoudnessMeter::new(rate);
    let mut done = Vec::new();
    let mut stored = Vec::new();
    // Writes what is done and measures it as stored (after the codec).
    let mut flush = |done: &mut Vec<f32>, encoder: &mut Encoder<&mut std::fs::File>| {
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
    input: &Path,
    dest: &Path,
    work_dir: &Path,
    profile: &Profile,
    settings: &Settings<'_>,
    finish: &FinishOptions,
    law: Option<G711>,
) -> Result<Converted> {
    let rate = profile.sample_rate;
    let mut source = Source::open(input, rate, settings.cancel)?;
    let mut tmp = TempFile::create(work_dir).map_err(|e| write_err(dest, e))?;
    let (m, dc, mut warnings) = measure(&mut source, finish, profile)?;
    let before = m.loudness;

    let (start, end) = match &finish.trim {
        Some(trim) => match m.trim_range(trim) {
            Some(range) => range,
            None => {
                if m.frames > 0 {
                    warnings.push("no sound above the trimming threshold: nothing trimmed".into());
                }
                (0, m.frames)
            }
        },
        None => (0, m.frames),
    };
    let fade = (finish.fade() / 1000.0 * f64::from(rate)).round() as u64;
    let target = finish.loudness;
    let ceiling = finish.ceiling();
    if target.is_some() || finish.match_loudness {
        match before.lufs {
            None => warnings.push("silent: the loudness was left as it is".into()),
            Some(_) if !before.integrated => warnings.push(format!(
                "shorter than {} s: loudness measured over the whole file, without R128 gating",
                finish::GATING_BLOCK_S
            )),
            Some(_) => {}
        }
    }
    let margin = ceiling_margin(law);
    // The gain that reaches the target without limiting; limiting may need more, up to
    // MAX_EXTRA_GAIN_DB more (beyond that the ceiling leaves no room: the target is not met).
    let plain_gain = match (target, before.lufs) {
        (Some(t), Some(l)) => t - l,
        _ => 0.0,
    };
    let mut gain_db = plain_gain;
    let mut limit = match (ceiling, before.true_peak) {
        (Some(c), Some(tp)) if tp + gain_db > c - margin => Some(c - margin),
        _ => None,
    };
    // (gain, loudness, limiter threshold) of each render that met the ceiling.
    let mut tried: Vec<(f64, f64, Option<f64>)> = Vec::new();
    let mut renders = 0;
    let (plan, outcome) = loop {
        let plan = Plan { start, end, gain_db, limit_dbtp: limit, fade, dc };
        let outcome = render(&mut source, &plan, tmp.file(), law, dest)?;
        renders += 1;
        let over = match (ceiling, outcome.after.true_peak) {
            (Some(c), Some(tp)) if tp > c => Some((c, tp - c)),
            _ => None,
        };
        if let Some((c, excess)) = over {
            if renders < MAX_RENDERS {
                // The codec or the limiter's estimate let a peak through: a lower threshold.
                limit = Some(limit.unwrap_or(c - margin) - excess - 0.05);
                continue;
            }
            // Out of tries with peaks still over: plain gain brings them under.
            let plan = Plan { gain_db: gain_db - excess - 0.1, ..plan };
            let outcome = render(&mut source, &plan, tmp.file(), law, dest)?;
            renders += 1;
            break (plan, outcome);
        }
        let (Some(t), Some(l), Some(_)) = (target, outcome.after.lufs, before.lufs) else {
            break (plan, outcome);
        };
        let error = t - l;
        if error.abs() <= LOUDNESS_TOLERANCE_LU || renders >= MAX_RENDERS {
            break (plan, outcome);
        }
        tried.push((gain_db, l, limit));
        let slope = match tried.as_slice() {
            [.., (g0, l0, _), (g1, l1, _)] if (g1 - g0).abs() > 1e-6 => (l1 - l0) / (g1 - g0),
            _ => 1.0,
        };
        if error > 0.0 && slope < MIN_LOUDNESS_SLOPE {
            // More gain only feeds the limiter: as loud as the ceiling allows, with the least
            // gain (the least limiting) that comes within 0.2 LU of the loudest try.
            let loudest = tried.iter().map(|t| t.1).fold(f64::MIN, f64::max);
            let least = tried
                .iter()
                .filter(|t| t.1 >= loudest - 0.2)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .copied();
            match least {
                Some((g, _, lim)) if g < gain_db => {
                    let plan = Plan { gain_db: g, limit_dbtp: lim, ..plan };
                    let outcome = render(&mut source, &plan, tmp.file(), law, dest)?;
                    renders += 1;
                    break (plan, outcome);
                }
                _ => break (plan, outcome),
            }
        }
        let next = (gain_db + error / slope.clamp(MIN_LOUDNESS_SLOPE, 1.5))
            .min(plain_gain + MAX_EXTRA_GAIN_DB);
        if (next - gain_db).abs() < 1e-3 {
            break (plan, outcome);
        }
        gain_db = next;
        if let (Some(c), Some(tp), None) = (ceiling, before.true_peak, limit)
            && tp + gain_db > c - margin
        {
            limit = Some(c - margin);
        }
    };
    if let (Some(t), Some(l)) = (target, outcome.after.lufs)
        && before.lufs.is_some()
        && (t - l).abs() > LOUDNESS_WARNING_LU
    {
        let why = match ceiling {
            Some(c) if t > l => format!(": the {c} dBTP true-peak ceiling allows no more"),
            _ => String::new(),
        };
        warnings.push(format!("reached {l:.1} LUFS, not the {t} LUFS asked{why}"));
    }
    let stats = source.stats.clone().unwrap_or_default();
    if let Some(w) = extension_mismatch(input, &source.info.format) {
        warnings.insert(0, w);
    }
    warnings.extend(source.info.warnings.iter().cloned());
    if stats.bad_packets > 0 {
        warnings
            .push(format!("{} damaged packet(s) of {} skipped", stats.bad_packets, stats.packets));
    }
    if outcome.clipped > 0 {
        warnings.push(format!("{} sample(s) clipped at full scale", outcome.clipped));
    }
    if settings.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(Error::new(input, Stage::Decode, "interrupted"));
    }
    publish(tmp, dest, settings.overwrite)?;
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
        renders,
    };
    Ok(Converted {
        source: source.info.clone(),
        source_frames: stats.frames,
        output_frames: outcome.frames,
        clipped_samples: outcome.clipped,
        warnings,
        finish: Some(report),
    })
}

/// What the pipeline hands back: decoding statistics, frames written, samples clipped.
type Outcome = (DecodeStats, u64, u64);

/// Resampled samples are handed to the encoder in batches of this many (64 KB of output).
const WRITE_BATCH: usize = 32 * 1024;

/// Decoded mono samples are handed to the resampler in batches of at least this many.
const DECODE_BATCH: usize = 8 * 1024;

/// Chunks in flight between two threads: enough to ride out jitter, few enough to keep memory
/// flat.
const IN_FLIGHT: usize = 4;

/// Worker threads decoding a file converted alone, for the codecs where that gives exactly the
/// output of one thread (MP3, FLAC, ALAC; see `decode::ahead`): with the demuxing and
/// resampling threads they keep two cores busy.
const DECODE_THREADS: usize = 2;

/// Quantizes and writes resampled samples.
struct Encoder<W: std::io::Write + std::io::Seek> {
    writer: WavWriter<W>,
    quantizer: Quantizer,
    pcm: Vec<i16>,
}

impl<W: std::io::Write + std::io::Seek> Encoder<W> {
    fn new(writer: WavWriter<W>) -> Self {
        Encoder { writer, quantizer: Quantizer::new(), pcm: Vec::new() }
    }

    /// Quantizes and writes `samples`; returns the 16-bit values, as quantized (before a G.711
    /// codec: see [`G711::round_trip`]).
    fn write(&mut self, samples: &[f32], dest: &Path) -> Result<&[i16]> {
        self.pcm.clear();
        self.quantizer.quantize(samples, &mut self.pcm);
        self.writer.write(&self.pcm).map_err(|e| write_err(dest, e))?;
        Ok(&self.pcm)
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
    writer: WavWriter<W>,
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

/// A pipeline of threads joined by bounded channels that pass buffers back and forth (nothing
/// is allocated per chunk): decode and mix ► resample (this thread) ► quantize and write, the
/// last on a third thread when decoding is cheap (see [`cheap_to_decode`]). For a file
/// converted alone, the total comes close to the slowest stage.
fn run_pipelined<W: std::io::Write + std::io::Seek + Send>(
    mut decoder: Decoder,
    resampler: &mut Resampler,
    writer: WavWriter<W>,
    cancelled: &(dyn Fn() -> bool + Sync),
    input: &Path,
    dest: &Path,
) -> Result<Outcome> {
    let separate_writer = cheap_to_decode(decoder.info());
    decoder.decode_ahead(DECODE_THREADS);
    let internal = || {
        Error::new(input, Stage::Decode, "internal error while converting; please report this file")
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
            while !cancelled() {
                match decoder.next_chunk() {
                    Ok(Some(chunk)) => {
                        mix::to_mono(chunk.planes, chunk.speakers, chunk.frames, &mut mono);
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
            decoder.stats().clone()
        });
        // Quantizing and writing get a thread of their own only when decoding is cheap; after
        // a costly decoder (MP3, FLAC, Vorbis, Opus) a third busy thread on two cores would only
        // take time from the decoder, the slowest stage.
        let mut inline: Option<Encoder<W>> = None;
        let mut writer = Some(writer);
        let writing = if separate_writer {
            let writer = writer.take();
            Some(scope.spawn(move || {
                let Some(writer) = writer else { return Err(internal()) };
                let mut encoder = Encoder::new(writer);
                for samples in out_rx {
                    encoder.write(&samples, dest)?;
                    let _ = out_back_tx.send(samples);
                }
                encoder.finish(dest)
            }))
        } else {
            inline = writer.take().map(Encoder::new);
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
                result = Err(Error::new(input, Stage::Decode, "interrupted"));
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
        let stats = decoding.join().map_err(|_| internal())?;
        let written = match writing {
            Some(handle) => handle.join().map_err(|_| internal())?,
            None => match inline.take() {
                Some(encoder) if result.is_ok() => encoder.finish(dest),
                _ => Err(internal()),
            },
        };
        result?;
        let (frames, clipped) = written?;
        Ok((stats, frames, clipped))
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
