//! Finishing: operations on the mono f32 signal at the output rate, between resample and encode:
//! DC removal, silence trimming, loudness normalization under a true-peak ceiling, fades.
//!
//! Guarantees:
//! - Nothing here runs unless asked for ([`FinishOptions::is_active`]); without finishing options
//!   the pipeline is exactly what it is without this module.
//! - Loudness is EBU R128 integrated loudness (the `ebur128` crate, as `check` measures it); a file
//!   shorter than one 400 ms gating block is measured over its whole length (K-weighted, gated at
//!   -70 LUFS) instead of not at all.
//! - Peaks are held under the true-peak ceiling by gain or by a look-ahead limiter whose gain
//!   moves smoothly (attack over [`LIMITER_LOOKAHEAD_S`], release over [`LIMITER_RELEASE_S`]),
//!   never by clipping. The limiter watches the 4x-interpolated signal, so the peaks between
//!   samples are held too.
//! - Trimming removes only leading and trailing audio whose short-term level (10 ms RMS) stays
//!   below a threshold relative to the file's speech level; everything from the first to the last
//!   sound above it is kept, with a pad on either side. The measurement keeps a bounded summary
//!   (record levels), not the signal, so any length is trimmed in bounded memory.
//! - Fades are raised-cosine ramps ending on an exact zero: a finished file starts and ends at 0.
//!   Each fade is at most [`MAX_FADE_SHARE`] of the output's length ([`fade_len`]): a long fade
//!   on a short prompt is shortened (and the record says so), never allowed to fade it away.
//! - DC removal is a 2nd-order Butterworth high-pass at [`DC_CUTOFF_HZ`], started in the steady
//!   state of the file's measured mean, so it adds no transient at the start.
//!
//! The passes themselves (measure, then render until the result meets the target) are driven by
//! [`crate::convert`]: loudness needs the whole file's measure before the first sample is written.
//! Which gain and limiter threshold each render uses is decided here, by [`GainSearch`]: told
//! what a render measured, it answers with the next render or "done", without I/O.

use ebur128::{EbuR128, Mode};

use crate::notice::Notice;

/// The true-peak ceiling (dBTP) when loudness is normalized and no ceiling is given.
pub const DEFAULT_TRUE_PEAK: f64 = -1.0;
/// The silence kept before the first and after the last sound when trimming (ms).
pub const DEFAULT_PAD_MS: f64 = 100.0;
/// The fade in and out when trimming and no fade is given (ms).
pub const DEFAULT_FADE_MS: f64 = 5.0;
/// Trimming threshold relative to the speech level (dB): quieter than this is silence.
pub const DEFAULT_TRIM_THRESHOLD_DB: f64 = -35.0;
/// The DC-removal high-pass cutoff (Hz).
pub const DC_CUTOFF_HZ: f64 = 20.0;
/// The window of the short-term level used for trimming (s).
pub const TRIM_WINDOW_S: f64 = 0.010;
/// The limiter's look-ahead, which is also its attack time (s).
pub const LIMITER_LOOKAHEAD_S: f64 = 0.004;
/// The limiter's release time constant (s).
pub const LIMITER_RELEASE_S: f64 = 0.060;
/// The duration of one R128 gating block (s): shorter files are measured as one block.
pub const GATING_BLOCK_S: f64 = 0.4;
/// The lowest loudness target (LUFS).
pub const MIN_TARGET_LUFS: f64 = -70.0;
/// The highest loudness target (LUFS).
pub const MAX_TARGET_LUFS: f64 = 0.0;
/// The largest share of the output's length each fade (in, and out) may take: a quarter, so at
/// least half of a prompt always plays at full level.
pub const MAX_FADE_SHARE: f64 = 0.25;

/// The fade for an output of `len` samples at `rate` Hz when `ms` is asked: the samples of each
/// fade, at most [`MAX_FADE_SHARE`] of `len`, and the warning for the record when it had to be
/// shortened.
pub fn fade_len(ms: f64, len: u64, rate: u32) -> (u64, Option<Notice>) {
    let asked = (ms.max(0.0) / 1000.0 * f64::from(rate)).round() as u64;
    let most = (len as f64 * MAX_FADE_SHARE).floor() as u64;
    if asked <= most {
        return (asked, None);
    }
    let seconds = |n: u64| n as f64 / f64::from(rate.max(1));
    let warning = Notice::FadeShortened {
        asked_ms: round_for_people(ms),
        given_ms: round_for_people(seconds(most) * 1000.0),
        length: crate::profile::human_duration(seconds(len)),
    };
    (most, Some(warning))
}

/// A number for a message: at most one decimal, no trailing `.0`, no `-0`.
pub fn round_for_people(v: f64) -> String {
    if !v.is_finite() {
        return "an invalid number".to_string();
    }
    let s = format!("{:.1}", v);
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if s == "-0" { "0".to_string() } else { s }
}

/// The target of `--match-loudness`: a batch's median loudness, brought into the range a target
/// may have ([`MIN_TARGET_LUFS`] to [`MAX_TARGET_LUFS`]); when it had to be, the warning each
/// record gets.
pub fn matched_target(median: f64) -> (f64, Option<String>) {
    let target = median.clamp(MIN_TARGET_LUFS, MAX_TARGET_LUFS);
    if target == median {
        return (target, None);
    }
    let warning = format!(
        "the batch's median loudness is {} LUFS, beyond the {} LUFS a target may have: \
         matched to {} LUFS instead",
        round_for_people(median),
        if median > MAX_TARGET_LUFS { "highest" } else { "lowest" },
        round_for_people(target)
    );
    (target, Some(warning))
}

/// What to do to each file after resampling. The default does nothing but the smart downmix
/// (which needs no finishing pass: see [`FinishOptions::smart_downmix`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FinishOptions {
    /// Bring the integrated loudness (EBU R128, LUFS) to this target.
    pub loudness: Option<f64>,
    /// Bring every file of a batch to the batch's median loudness (a measuring pass over the
    /// batch runs first; see [`crate::convert::batch_loudness_target`]).
    pub match_loudness: bool,
    /// The true-peak ceiling (dBTP). With loudness normalization it defaults to
    /// [`DEFAULT_TRUE_PEAK`]; without, peaks are limited only when it is given.
    pub true_peak: Option<f64>,
    /// Trim leading and trailing silence.
    pub trim: Option<Trim>,
    /// Fade in and out over this many milliseconds. Unset: [`DEFAULT_FADE_MS`] when trimming,
    /// no fade otherwise. Each fade takes at most a quarter of the output ([`MAX_FADE_SHARE`]);
    /// a longer one is shortened, with a warning.
    pub fade_ms: Option<f64>,
    /// Remove DC offset (high-pass below 20 Hz). Finishing also does it unasked when the
    /// offset is one `check` flags (the profile's `max_dc_offset`).
    pub remove_dc: bool,
    /// Stereo with one silent channel (30 dB below the other) or an anti-phase pair: take one
    /// channel at full level instead of the average (see [`crate::mix::Downmix`]). On by
    /// default; `false` forces the plain average (`--plain-downmix`). It does not by itself make
    /// finishing active: without other finishing, a stereo file's channels are scanned before
    /// the streamed conversion.
    pub smart_downmix: bool,
}

impl Default for FinishOptions {
    fn default() -> Self {
        FinishOptions {
            loudness: None,
            match_loudness: false,
            true_peak: None,
            trim: None,
            fade_ms: None,
            remove_dc: false,
            smart_downmix: true,
        }
    }
}

/// How to trim silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trim {
    /// Silence kept before the first and after the last sound (ms).
    pub pad_ms: f64,
    /// The silence threshold relative to the file's speech level (dB, negative).
    pub threshold_db: f64,
}

impl Default for Trim {
    fn default() -> Self {
        Trim { pad_ms: DEFAULT_PAD_MS, threshold_db: DEFAULT_TRIM_THRESHOLD_DB }
    }
}

/// A finishing option out of its range, or two that exclude each other; the message says which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidOption(String);

impl FinishOptions {
    /// Whether any finishing is asked for.
    pub fn is_active(&self) -> bool {
        self.loudness.is_some()
            || self.match_loudness
            || self.true_peak.is_some()
            || self.trim.is_some()
            || self.fade_ms.is_some_and(|f| f > 0.0)
            || self.remove_dc
    }

    /// The true-peak ceiling in force, dBTP.
    pub fn ceiling(&self) -> Option<f64> {
        match self.true_peak {
            Some(c) => Some(c),
            None if self.loudness.is_some() || self.match_loudness => Some(DEFAULT_TRUE_PEAK),
            None => None,
        }
    }

    /// The fade in force, ms.
    pub fn fade(&self) -> f64 {
        match self.fade_ms {
            Some(f) => f,
            None if self.trim.is_some() => DEFAULT_FADE_MS,
            None => 0.0,
        }
    }

    /// Checks every value is in its sensible range; says which is not.
    pub fn validate(&self) -> Result<(), InvalidOption> {
        let within = |what: &str, v: f64, lo: f64, hi: f64, unit: &str| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(InvalidOption(format!(
                    "{what} must be between {lo} and {hi} {unit}, not {}",
                    round_for_people(v)
                )))
            }
        };
        if let Some(l) = self.loudness {
            within("the loudness target", l, MIN_TARGET_LUFS, MAX_TARGET_LUFS, "LUFS")?;
        }
        if let Some(c) = self.true_peak {
            within("the true-peak ceiling", c, -30.0, 0.0, "dBTP")?;
        }
        if let Some(t) = &self.trim {
            within("the trim pad", t.pad_ms, 0.0, 10_000.0, "ms")?;
            within("the trim threshold", t.threshold_db, -80.0, -1.0, "dB")?;
        }
        if let Some(f) = self.fade_ms {
            within("the fade", f, 0.0, 10_000.0, "ms")?;
        }
        if self.loudness.is_some() && self.match_loudness {
            return Err(InvalidOption(
                "a loudness target and matching the batch's loudness exclude each other".into(),
            ));
        }
        Ok(())
    }
}

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Decibels to a linear amplitude factor.
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// What finishing measured and did to one file (for its report record).
#[derive(Debug, Clone, PartialEq)]
pub struct FinishReport {
    /// Loudness before (LUFS), at the output rate after the downmix and DC removal.
    pub loudness_before: Option<f64>,
    /// True peak before (dBTP).
    pub true_peak_before: Option<f64>,
    /// Loudness of the file written (LUFS), measured on what was written.
    pub loudness_after: Option<f64>,
    /// True peak of the file written (dBTP).
    pub true_peak_after: Option<f64>,
    /// The gain applied (dB).
    pub gain_db: f64,
    /// The limiter's deepest gain reduction (dB, 0 or negative).
    pub limiter_db: f64,
    /// Seconds trimmed from the start.
    pub trimmed_start_s: f64,
    /// Seconds trimmed from the end.
    pub trimmed_end_s: f64,
    /// Renders made (1 when the first was right).
    pub renders: usize,
}

// ---------------------------------------------------------------------------------------------
// Measuring

/// Loudness and true peak of a stream (EBU R128), with the short-file fallback.
pub struct LoudnessMeter {
    rate: u32,
    ebu: Option<EbuR128>,
    frames: u64,
}

/// What a [`LoudnessMeter`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Loudness, LUFS: integrated (R128 gating) for files of one gating block or more, else
    /// over the whole file; `None` for silence (below the -70 LUFS absolute gate).
    pub lufs: Option<f64>,
    /// Whether `lufs` is the R128 integrated loudness (false: the whole-file fallback).
    pub integrated: bool,
    /// True peak, dBTP; `None` for digital silence.
    pub true_peak: Option<f64>,
}

impl LoudnessMeter {
    /// A meter for mono audio at `rate` Hz.
    pub fn new(rate: u32) -> LoudnessMeter {
        LoudnessMeter {
            rate,
            ebu: EbuR128::new(1, rate, Mode::I | Mode::TRUE_PEAK).ok(),
            frames: 0,
        }
    }

    /// Adds samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.frames += samples.len() as u64;
        if let Some(ebu) = &mut self.ebu
            && ebu.add_frames_f32(samples).is_err()
        {
            self.ebu = None;
        }
    }

    /// The measurements.
    pub fn finish(&self) -> Loudness {
        let Some(ebu) = &self.ebu else {
            return Loudness { lufs: None, integrated: false, true_peak: None };
        };
        let peak = ebu.true_peak(0).unwrap_or(0.0);
        let true_peak = (peak > 0.0).then(|| 20.0 * peak.log10()).filter(|p| p.is_finite());
        let block = (GATING_BLOCK_S * f64::from(self.rate)).round() as u64;
        let (lufs, integrated) = if self.frames >= block {
            (ebu.loudness_global().ok(), true)
        } else {
            // Shorter than one gating block: the K-weighted level of all of it, as one block.
            let ms = (self.frames * 1000 / u64::from(self.rate.max(1))) as u32;
            (ebu.loudness_window(ms.max(1)).ok(), false)
        };
        let lufs = lufs.filter(|l| l.is_finite() && *l > -70.0);
        Loudness { lufs, integrated, true_peak }
    }
}

/// The short-term level over time, summarized in bounded memory: for every level (quantized to
/// about 0.2 dB), the first and the last time the level was at least that high. That is all
/// trimming needs, whatever the threshold turns out to be.
#[derive(Debug, Clone)]
pub struct Envelope {
    window: usize,
    ring: Vec<f32>,
    pos: usize,
    sum: f64,
    index: u64,
    /// (index, level): where the level first exceeded every level before it.
    rising: Vec<(u64, u32)>,
    /// (index, level): levels higher than every level after them, newest last (strictly
    /// decreasing levels from the first to the last entry).
    falling: Vec<(u64, u32)>,
}

/// A mean square quantized monotonically (the float's exponent and four mantissa bits).
fn level_key(mean_square: f32) -> u32 {
    mean_square.max(0.0).to_bits() >> 19
}

impl Envelope {
    /// The mean square over a trailing window of `window` samples.
    pub fn new(window: usize) -> Envelope {
        let window = window.max(1);
        Envelope {
            window,
            ring: vec![0.0; window],
            pos: 0,
            sum: 0.0,
            index: 0,
            rising: Vec::new(),
            falling: Vec::new(),
        }
    }

    /// Adds samples.
    pub fn push(&mut self, samples: &[f32]) {
        let scale = 1.0 / self.window as f64;
        for &x in samples {
            let sq = x * x;
            self.sum += f64::from(sq) - f64::from(self.ring[self.pos]);
            self.ring[self.pos] = sq;
            self.pos += 1;
            if self.pos == self.window {
                self.pos = 0;
                // Recomputed once a window: no drift from the running sum.
                self.sum = self.ring.iter().map(|&v| f64::from(v)).sum();
            }
            let key = level_key((self.sum * scale) as f32);
            if self.rising.last().is_none_or(|&(_, l)| key > l) {
                self.rising.push((self.index, key));
            }
            while self.falling.last().is_some_and(|&(_, l)| l <= key) {
                self.falling.pop();
            }
            self.falling.push((self.index, key));
            self.index += 1;
        }
    }

    /// The first and last sample where the short-term mean square exceeds `mean_square`:
    /// the first is where the window's energy first crosses it (the sound has just begun), the
    /// last is the start of the last window above it (where the sound ends). `None` if it never
    /// does.
    pub fn bounds_above(&self, mean_square: f64) -> Option<(u64, u64)> {
        let key = level_key(mean_square as f32);
        let first = self.rising.iter().find(|&&(_, l)| l > key)?.0;
        let last_window_end = self.falling.iter().take_while(|&&(_, l)| l > key).last()?.0;
        let last = last_window_end.saturating_sub(self.window as u64 - 1).max(first);
        Some((first, last))
    }
}

/// Everything the measuring pass learns about the signal at the output rate.
pub struct Meter {
    loudness: LoudnessMeter,
    envelope: Envelope,
    rate: u32,
    frames: u64,
    sum: f64,
}

/// What the measuring pass found.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The rate measured at (the output rate).
    pub rate: u32,
    /// Samples.
    pub frames: u64,
    /// Loudness and true peak.
    pub loudness: Loudness,
    /// The mean (DC offset) as a fraction of full scale.
    pub dc: f64,
    /// The short-term level summary, for trimming.
    pub envelope: Envelope,
}

impl Meter {
    /// A meter for mono audio at `rate` Hz.
    pub fn new(rate: u32) -> Meter {
        let window = (TRIM_WINDOW_S * f64::from(rate)).round() as usize;
        Meter {
            loudness: LoudnessMeter::new(rate),
            envelope: Envelope::new(window),
            rate,
            frames: 0,
            sum: 0.0,
        }
    }

    /// Adds samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.loudness.push(samples);
        self.envelope.push(samples);
        self.frames += samples.len() as u64;
        self.sum += samples.iter().map(|&x| f64::from(x)).sum::<f64>();
    }

    /// The measurements.
    pub fn finish(self) -> Measurement {
        let dc = if self.frames == 0 { 0.0 } else { self.sum / self.frames as f64 };
        Measurement {
            rate: self.rate,
            frames: self.frames,
            loudness: self.loudness.finish(),
            dc,
            envelope: self.envelope,
        }
    }
}

impl Measurement {
    /// The samples to keep when trimming with `trim`: `(start, end)`, end exclusive. `None`
    /// when there is no sound to find (silence), in which case nothing should be trimmed.
    pub fn trim_range(&self, trim: &Trim) -> Option<(u64, u64)> {
        let speech = self.loudness.lufs?;
        // LUFS = -0.691 + 10 log10(mean square) for a mid-band signal: the threshold as a mean
        // square. Never below -100 dBFS, under which 16-bit audio has nothing.
        let db = (speech + 0.691 + trim.threshold_db).max(-100.0);
        let threshold = 10f64.powf(db / 10.0);
        let (first, last) = self.envelope.bounds_above(threshold)?;
        let pad = (trim.pad_ms / 1000.0 * f64::from(self.rate)).round() as u64;
        let start = first.saturating_sub(pad);
        let end = (last + 1 + pad).min(self.frames);
        (end > start).then_some((start, end))
    }
}

// ---------------------------------------------------------------------------------------------
// Processing

/// A 2nd-order Butterworth high-pass (transposed direct form II, in f64 for the low cutoff).
#[derive(Debug, Clone)]
pub struct HighPass {
    b: [f64; 3],
    a: [f64; 2],
    s1: f64,
    s2: f64,
}

impl HighPass {
    /// A high-pass at `cutoff` Hz for `rate` Hz, in the steady state of a constant input
    /// `initial` (its output starts at 0 for a signal that starts at its mean).
    pub fn new(cutoff: f64, rate: u32, initial: f64) -> HighPass {
        let w0 = 2.0 * std::f64::consts::PI * cutoff / f64::from(rate.max(1));
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / std::f64::consts::SQRT_2; // Q = 1/sqrt(2)
        let a0 = 1.0 + alpha;
        let b = [(1.0 + cos) / 2.0 / a0, -(1.0 + cos) / a0, (1.0 + cos) / 2.0 / a0];
        let a = [-2.0 * cos / a0, (1.0 - alpha) / a0];
        // Steady state for constant input c: output 0, s1 = (b1 + b2) c, s2 = b2 c.
        HighPass { b, a, s1: (b[1] + b[2]) * initial, s2: b[2] * initial }
    }

    /// Filters one sample.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let x = f64::from(x);
        let y = self.b[0] * x + self.s1;
        self.s1 = self.b[1] * x - self.a[0] * y + self.s2;
        self.s2 = self.b[2] * x - self.a[1] * y;
        y as f32
    }
}

/// Half-length of the limiter's interpolation filter (taps per phase: twice this).
const INTERP_HALF: usize = 8;

/// The 4x interpolation filter for the phases 1/4, 2/4, 3/4 between two samples: Hann-windowed
/// sinc, each phase normalized to unit gain at DC. Tap `j` multiplies x[n - HALF + 1 + j].
fn interp_taps() -> [[f32; 2 * INTERP_HALF]; 3] {
    let mut taps = [[0f32; 2 * INTERP_HALF]; 3];
    for (p, phase) in taps.iter_mut().enumerate() {
        let frac = (p + 1) as f64 / 4.0;
        let mut sum = 0.0;
        let mut vals = [0f64; 2 * INTERP_HALF];
        for (j, v) in vals.iter_mut().enumerate() {
            let t = j as f64 - (INTERP_HALF as f64 - 1.0) - frac;
            let sinc = if t == 0.0 {
                1.0
            } else {
                (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t)
            };
            let w = 0.5 + 0.5 * (std::f64::consts::PI * t / (INTERP_HALF as f64 + 0.5)).cos();
            *v = sinc * w;
            sum += *v;
        }
        for (d, v) in phase.iter_mut().zip(vals) {
            *d = (v / sum) as f32;
        }
    }
    taps
}

/// A look-ahead peak limiter on the 4x-interpolated signal (an estimate of the true peak).
///
/// For each sample the gain needed to bring its neighbourhood's interpolated peak to the
/// threshold is computed; the gain applied is the minimum of those needed over the look-ahead
/// window, released smoothly, then averaged over the look-ahead window: it is never above what
/// any sample needs, and it ramps down over the look-ahead before a peak instead of jumping.
/// The output is delayed by `INTERP_HALF + lookahead` samples inside; [`Limiter::finish`]
/// flushes it, so the output has exactly as many samples as the input.
pub struct Limiter {
    threshold: f32,
    look: usize,
    release: f32,
    taps: [[f32; 2 * INTERP_HALF]; 3],
    /// Input samples from absolute index `x_base`.
    x: std::collections::VecDeque<f32>,
    x_base: u64,
    /// Samples pushed so far (real ones).
    n_in: u64,
    /// Samples fed so far (real and flushing zeros).
    n_fed: u64,
    /// Samples output.
    n_out: u64,
    /// The interpolated peak of the segment before the sample being detected.
    prev_segment: f32,
    /// Needed gains, increasing: the sliding minimum's candidates (index, gain).
    mins: std::collections::VecDeque<(u64, f32)>,
    /// The released gain.
    r: f32,
    /// The last `look + 1` released gains, for the average.
    ring: Vec<f32>,
    ring_pos: usize,
    ring_sum: f64,
    /// The deepest gain reduction applied (linear gain, 1 = none).
    min_gain: f32,
    /// Fed samples before the first real one.
    preroll: u64,
}

impl Limiter {
    /// A limiter holding the interpolated peak at `threshold` (linear) at `rate` Hz.
    pub fn new(threshold: f32, rate: u32) -> Limiter {
        Limiter::with_times(threshold, rate, LIMITER_LOOKAHEAD_S, LIMITER_RELEASE_S)
    }

    /// A limiter with the given look-ahead (attack) and release times, in seconds.
    pub fn with_times(threshold: f32, rate: u32, lookahead_s: f64, release_s: f64) -> Limiter {
        let look = ((lookahead_s * f64::from(rate)).round() as usize).max(1);
        let release = (1.0 - (-1.0 / (release_s * f64::from(rate.max(1)))).exp()) as f32;
        let mut limiter = Limiter {
            threshold,
            look,
            release,
            taps: interp_taps(),
            x: std::collections::VecDeque::new(),
            x_base: 0,
            n_in: 0,
            n_fed: 0,
            n_out: 0,
            prev_segment: 0.0,
            mins: std::collections::VecDeque::new(),
            r: 1.0,
            ring: vec![1.0; look + 1],
            ring_pos: 0,
            ring_sum: (look + 1) as f64,
            min_gain: 1.0,
            preroll: look as u64,
        };
        // Pre-roll: `look` silent samples before the first, never output, so the gains before
        // the first sample see its peaks too.
        let mut none = Vec::new();
        for _ in 0..look {
            limiter.feed(0.0, &mut none);
        }
        limiter
    }

    /// The deepest gain reduction applied so far, in dB (0 or negative).
    pub fn reduction_db(&self) -> f64 {
        20.0 * f64::from(self.min_gain.max(1e-9)).log10()
    }

    fn x_at(&self, i: i64) -> f32 {
        if i < self.x_base as i64 {
            return 0.0;
        }
        self.x.get((i - self.x_base as i64) as usize).copied().unwrap_or(0.0)
    }

    /// The largest interpolated magnitude between samples `n` and `n + 1`.
    fn segment_peak(&self, n: i64) -> f32 {
        let first = n - INTERP_HALF as i64 + 1;
        let mut peak = 0f32;
        for phase in &self.taps {
            let mut v = 0f32;
            for (j, &t) in phase.iter().enumerate() {
                v += t * self.x_at(first + j as i64);
            }
            peak = peak.max(v.abs());
        }
        peak
    }

    fn feed(&mut self, x: f32, out: &mut Vec<f32>) {
        self.x.push_back(x);
        let t = self.n_fed as i64;
        self.n_fed += 1;
        // Detection for n = t - HALF: its neighbourhood's interpolated peak.
        let n = t - INTERP_HALF as i64;
        if n >= 0 {
            let segment = self.segment_peak(n);
            let peak = self.x_at(n).abs().max(segment).max(self.prev_segment);
            self.prev_segment = segment;
            let need = if peak > self.threshold { self.threshold / peak } else { 1.0 };
            let n = n as u64;
            while self.mins.back().is_some_and(|&(_, g)| g >= need) {
                self.mins.pop_back();
            }
            self.mins.push_back((n, need));
            // Output m = n - look: the minimum over [m, m + look].
            if n >= self.look as u64 {
                let m = n - self.look as u64;
                while self.mins.front().is_some_and(|&(i, _)| i < m) {
                    self.mins.pop_front();
                }
                let need_min = self.mins.front().map_or(1.0, |&(_, g)| g);
                self.r = if need_min < self.r {
                    need_min
                } else {
                    self.r + self.release * (need_min - self.r)
                };
                self.ring_sum += f64::from(self.r) - f64::from(self.ring[self.ring_pos]);
                self.ring[self.ring_pos] = self.r;
                self.ring_pos = (self.ring_pos + 1) % self.ring.len();
                if self.ring_pos == 0 {
                    self.ring_sum = self.ring.iter().map(|&v| f64::from(v)).sum();
                }
                let gain = (self.ring_sum / self.ring.len() as f64) as f32;
                if m >= self.preroll && m < self.preroll + self.n_in {
                    let g = gain.min(1.0);
                    self.min_gain = self.min_gain.min(g);
                    out.push(self.x_at(m as i64) * g);
                    self.n_out += 1;
                }
                // Keep what detection still needs: from m - HALF on.
                let keep_from = (m + 1).saturating_sub(INTERP_HALF as u64 + 1);
                while self.x_base < keep_from && !self.x.is_empty() {
                    self.x.pop_front();
                    self.x_base += 1;
                }
            }
        }
    }

    /// Limits `input`, appending the samples that are ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        for &x in input {
            self.n_in += 1;
            self.feed(x, out);
        }
    }

    /// Flushes the delayed samples.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        while self.n_out < self.n_in {
            self.feed(0.0, out);
        }
    }
}

/// What a render does: a plan made from the measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The samples kept, `start..end` (all of them without trimming).
    pub start: u64,
    /// End of the samples kept (exclusive).
    pub end: u64,
    /// Gain in dB.
    pub gain_db: f64,
    /// The limiter's threshold in dBTP, when one is needed.
    pub limit_dbtp: Option<f64>,
    /// Fade in and out, samples.
    pub fade: u64,
    /// DC removal: the high-pass starts in the steady state of this mean.
    pub dc: Option<f64>,
}

/// The finishing chain for one render: high-pass ► trim ► gain ► limiter ► fades.
pub struct Render {
    plan: Plan,
    hp: Option<HighPass>,
    gain: f32,
    limiter: Option<Limiter>,
    index: u64,
    out_index: u64,
    scratch: Vec<f32>,
    limited: Vec<f32>,
}

impl Render {
    /// A render of `plan` at `rate` Hz.
    pub fn new(plan: &Plan, rate: u32) -> Render {
        Render {
            hp: plan.dc.map(|m| HighPass::new(DC_CUTOFF_HZ, rate, m)),
            gain: db_to_gain(plan.gain_db) as f32,
            limiter: plan.limit_dbtp.map(|db| Limiter::new(db_to_gain(db) as f32, rate)),
            plan: plan.clone(),
            index: 0,
            out_index: 0,
            scratch: Vec::new(),
            limited: Vec::new(),
        }
    }

    /// The number of samples the render outputs.
    pub fn output_len(&self) -> u64 {
        self.plan.end - self.plan.start
    }

    /// The deepest gain reduction of the limiter, dB (0 without one).
    pub fn limiter_reduction_db(&self) -> f64 {
        self.limiter.as_ref().map_or(0.0, Limiter::reduction_db)
    }

    /// Processes `input`, appending finished samples to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.scratch.clear();
        for &x in input {
            let y = match &mut self.hp {
                Some(hp) => hp.process(x),
                None => x,
            };
            if (self.plan.start..self.plan.end).contains(&self.index) {
                self.scratch.push(y * self.gain);
            }
            self.index += 1;
        }
        let scratch = std::mem::take(&mut self.scratch);
        self.emit(&scratch, false, out);
        self.scratch = scratch;
    }

    /// Flushes the limiter's delay.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        self.emit(&[], true, out);
    }

    fn emit(&mut self, samples: &[f32], last: bool, out: &mut Vec<f32>) {
        let start = out.len();
        match &mut self.limiter {
            Some(l) => {
                self.limited.clear();
                l.push(samples, &mut self.limited);
                if last {
                    l.finish(&mut self.limited);
                }
                out.extend_from_slice(&self.limited);
            }
            None => out.extend_from_slice(samples),
        }
        let total = self.output_len();
        let fade = self.plan.fade.min(total);
        if fade > 0 {
            for (k, y) in out[start..].iter_mut().enumerate() {
                let i = self.out_index + k as u64;
                *y *= fade_gain(i, fade) * fade_gain(total.saturating_sub(i + 1), fade);
            }
        }
        self.out_index += (out.len() - start) as u64;
    }
}

/// The gain of a raised-cosine fade `i` samples from its silent end, over `len` samples: 0 at
/// `i = 0`, 1 from `len` on.
fn fade_gain(i: u64, len: u64) -> f32 {
    if i >= len {
        1.0
    } else {
        let x = std::f64::consts::FRAC_PI_2 * i as f64 / len as f64;
        (x.sin() * x.sin()) as f32
    }
}

// ---------------------------------------------------------------------------------------------
// Searching the gain

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

/// One render to make: the gain and the limiter's threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Try {
    /// Gain, dB.
    pub gain_db: f64,
    /// The limiter's threshold, dBTP; `None`: no limiter.
    pub limit_dbtp: Option<f64>,
}

/// What the search says after a render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Render again with this gain and threshold.
    Render(Try),
    /// The last render is the result.
    Done,
}

/// The search for the gain and limiter threshold that bring a file to its loudness target
/// with its true peak under the ceiling, as a pure state machine: it is told what each render
/// measured (as written, after the codec) and answers with the next render or "done". No I/O.
///
/// The first render uses the gain that reaches the target without limiting, with the limiter
/// at the ceiling less a margin when the peaks would pass it. Then, until the loudness is
/// within [`LOUDNESS_TOLERANCE_LU`] (at most [`MAX_RENDERS`] renders):
/// - a peak over the ceiling lowers the threshold by the excess (out of renders: plain gain
///   brings it under, one last render);
/// - otherwise the gain is corrected by the error over the measured slope (loudness per dB of
///   gain), at most [`MAX_EXTRA_GAIN_DB`] over the plain gain; when more gain only feeds the
///   limiter, the loudest render with the least gain is made again, last.
#[derive(Debug, Clone)]
pub struct GainSearch {
    target: Option<f64>,
    ceiling: Option<f64>,
    margin: f64,
    before: Loudness,
    plain_gain: f64,
    current: Try,
    /// (gain, loudness, limiter threshold) of each render that met the ceiling.
    tried: Vec<(f64, f64, Option<f64>)>,
    renders: usize,
    /// The render asked for is the last, whatever it measures.
    last: bool,
}

impl GainSearch {
    /// A search towards `target` (LUFS; `None`: the loudness is left as it is) under `ceiling`
    /// (dBTP), for a signal that measured `before`; the limiter's first threshold is `margin`
    /// dB under the ceiling (room for the codec's own error).
    pub fn new(
        target: Option<f64>,
        ceiling: Option<f64>,
        margin: f64,
        before: &Loudness,
    ) -> GainSearch {
        // The gain that reaches the target without limiting; limiting may need more, up to
        // MAX_EXTRA_GAIN_DB more (beyond that the ceiling leaves no room: the target is not met).
        let plain_gain = match (target, before.lufs) {
            (Some(t), Some(l)) => t - l,
            _ => 0.0,
        };
        let limit = match (ceiling, before.true_peak) {
            (Some(c), Some(tp)) if tp + plain_gain > c - margin => Some(c - margin),
            _ => None,
        };
        GainSearch {
            target,
            ceiling,
            margin,
            before: *before,
            plain_gain,
            current: Try { gain_db: plain_gain, limit_dbtp: limit },
            tried: Vec::new(),
            renders: 0,
            last: false,
        }
    }

    /// The first render to make.
    pub fn first(&self) -> Try {
        self.current
    }

    /// Renders made so far (told of through [`GainSearch::next`]).
    pub fn renders(&self) -> usize {
        self.renders
    }

    /// Takes what the render last asked for measured; says what to render next, or that it is
    /// the result.
    pub fn next(&mut self, after: &Loudness) -> Step {
        self.renders += 1;
        if self.last {
            return Step::Done;
        }
        let Try { gain_db, limit_dbtp: limit } = self.current;
        let over = match (self.ceiling, after.true_peak) {
            (Some(c), Some(tp)) if tp > c => Some((c, tp - c)),
            _ => None,
        };
        if let Some((c, excess)) = over {
            if self.renders < MAX_RENDERS {
                // The codec or the limiter's estimate let a peak through: a lower threshold.
                self.current.limit_dbtp = Some(limit.unwrap_or(c - self.margin) - excess - 0.05);
            } else {
                // Out of tries with peaks still over: plain gain brings them under.
                self.current.gain_db = gain_db - excess - 0.1;
                self.last = true;
            }
            return Step::Render(self.current);
        }
        let (Some(t), Some(l), Some(_)) = (self.target, after.lufs, self.before.lufs) else {
            return Step::Done;
        };
        let error = t - l;
        if error.abs() <= LOUDNESS_TOLERANCE_LU || self.renders >= MAX_RENDERS {
            return Step::Done;
        }
        self.tried.push((gain_db, l, limit));
        let slope = match self.tried.as_slice() {
            [.., (g0, l0, _), (g1, l1, _)] if (g1 - g0).abs() > 1e-6 => (l1 - l0) / (g1 - g0),
            _ => 1.0,
        };
        if error > 0.0 && slope < MIN_LOUDNESS_SLOPE {
            // More gain only feeds the limiter: as loud as the ceiling allows, with the least
            // gain (the least limiting) that comes within 0.2 LU of the loudest try.
            let loudest = self.tried.iter().map(|t| t.1).fold(f64::MIN, f64::max);
            let least = self
                .tried
                .iter()
                .filter(|t| t.1 >= loudest - 0.2)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .copied();
            return match least {
                Some((g, _, lim)) if g < gain_db => {
                    self.current = Try { gain_db: g, limit_dbtp: lim };
                    self.last = true;
                    Step::Render(self.current)
                }
                _ => Step::Done,
            };
        }
        let next = (gain_db + error / slope.clamp(MIN_LOUDNESS_SLOPE, 1.5))
            .min(self.plain_gain + MAX_EXTRA_GAIN_DB);
        if (next - gain_db).abs() < 1e-3 {
            return Step::Done;
        }
        self.current.gain_db = next;
        if let (Some(c), Some(tp), None) = (self.ceiling, self.before.true_peak, limit)
            && tp + next > c - self.margin
        {
            self.current.limit_dbtp = Some(c - self.margin);
        }
        Step::Render(self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64, freq: f64, amp: f64) -> Vec<f32> {
        let n = (f64::from(rate) * seconds).round() as usize;
        (0..n)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    fn true_peak_db(x: &[f32], rate: u32) -> f64 {
        let mut m = LoudnessMeter::new(rate);
        m.push(x);
        m.finish().true_peak.unwrap_or(-200.0)
    }

    #[test]
    fn fades_take_at_most_a_quarter_and_say_so() {
        // Issue 11: 5000 ms on a 2.9 s prompt at 48 kHz: a quarter of it, with a warning.
        let len = 139_200;
        let (fade, why) = fade_len(5000.0, len, 48_000);
        assert_eq!(fade, 34_800);
        let why = why.unwrap().english();
        assert!(why.contains("5000 ms fade was shortened to 725 ms"), "{why}");
        assert!(why.contains("2.9 s"), "{why}");
        assert_eq!(fade_len(5.0, len, 48_000), (240, None));
        assert_eq!(fade_len(0.0, 0, 48_000), (0, None));
    }

    #[test]
    fn a_batch_target_beyond_the_range_is_clamped_and_numbers_are_rounded() {
        let (t, why) = matched_target(6.958667152968579);
        assert_eq!(t, 0.0);
        let why = why.unwrap();
        assert!(why.contains("7 LUFS") && why.contains("matched to 0 LUFS"), "{why}");
        assert!(!why.contains("6.958"), "{why}");
        assert_eq!(matched_target(-80.04).0, -70.0);
        assert_eq!(matched_target(-23.0), (-23.0, None));
        let bad = FinishOptions { loudness: Some(6.958667152968579), ..FinishOptions::default() };
        let msg = bad.validate().unwrap_err().to_string();
        assert!(msg.ends_with("not 7"), "{msg}");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[-20.0, -30.0, -10.0]), Some(-20.0));
        assert_eq!(median(&[-20.0, -30.0, -10.0, -12.0]), Some(-16.0));
    }

    #[test]
    fn short_files_are_measured_as_one_block() {
        // 0.2 s of a 1 kHz sine at -20 dBFS peak: about -23 LUFS either way.
        let x = tone(48000, 0.2, 1000.0, 0.1);
        let mut m = LoudnessMeter::new(48000);
        m.push(&x);
        let l = m.finish();
        assert!(!l.integrated);
        let lufs = l.lufs.unwrap();
        assert!((lufs + 23.0).abs() < 0.3, "{lufs}");
        let x = tone(48000, 1.0, 1000.0, 0.1);
        let mut m = LoudnessMeter::new(48000);
        m.push(&x);
        let l = m.finish();
        assert!(l.integrated);
        assert!((l.lufs.unwrap() + 23.0).abs() < 0.3);
    }

    #[test]
    fn envelope_bounds_find_the_sound() {
        let rate = 8000;
        let mut x = vec![0f32; 4000];
        x.extend(tone(rate, 1.0, 440.0, 0.3));
        x.extend(vec![0f32; 6000]);
        for chunking in [1usize, 7, 1000, 20000] {
            let mut e = Envelope::new(80);
            for c in x.chunks(chunking) {
                e.push(c);
            }
            let (first, last) = e.bounds_above(1e-6).unwrap();
            assert!((4000..=4002).contains(&first), "{first}");
            assert!((11995..=12000).contains(&last), "{last}");
            assert_eq!(e.bounds_above(1.0), None);
        }
    }

    #[test]
    fn high_pass_removes_dc_without_a_start_transient() {
        let rate = 8000;
        let mut hp = HighPass::new(DC_CUTOFF_HZ, rate, 0.2);
        let x: Vec<f32> = tone(rate, 2.0, 300.0, 0.3).iter().map(|v| v + 0.2).collect();
        let y: Vec<f32> = x.iter().map(|&v| hp.process(v)).collect();
        assert!(y[0].abs() < 1e-6, "{}", y[0]);
        let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len() as f64;
        assert!(mean.abs() < 1e-3, "{mean}");
        // 300 Hz passes at full level.
        let peak = y[8000..].iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.3).abs() < 0.005, "{peak}");
    }

    #[test]
    fn limiter_holds_the_true_peak_and_keeps_length_and_time() {
        for rate in [8000u32, 48000] {
            // A tone at +6 dBFS with bursts, near Nyquist too, limited to -1 dBTP.
            let mut x = tone(rate, 0.5, 440.0, 0.2);
            x.extend(tone(rate, 0.5, 3000.0, 2.0));
            x.extend(tone(rate, 0.5, 440.0, 0.2));
            let ceiling = -1.0;
            for chunk in [1usize, 333, 100_000] {
                let mut l = Limiter::new(db_to_gain(ceiling) as f32, rate);
                let mut y = Vec::new();
                for c in x.chunks(chunk) {
                    l.push(c, &mut y);
                }
                l.finish(&mut y);
                assert_eq!(y.len(), x.len());
                let tp = true_peak_db(&y, rate);
                assert!(tp <= ceiling + 0.15, "rate {rate}: {tp} dBTP");
                // Untouched where the signal is quiet, well away from the burst: same samples,
                // same time.
                for i in 0..(rate as usize / 4) {
                    assert_eq!(y[i], x[i]);
                }
            }
        }
    }

    #[test]
    fn render_trims_gains_and_fades_to_exact_zeros() {
        let rate = 8000;
        let x = tone(rate, 1.0, 440.0, 0.5);
        let plan =
            Plan { start: 800, end: 7200, gain_db: -6.0, limit_dbtp: None, fade: 40, dc: None };
        let mut r = Render::new(&plan, rate);
        let mut y = Vec::new();
        for c in x.chunks(123) {
            r.push(c, &mut y);
        }
        r.finish(&mut y);
        assert_eq!(y.len(), 6400);
        assert_eq!(y[0], 0.0);
        assert_eq!(y[6399], 0.0);
        let g = db_to_gain(-6.0) as f32;
        assert!((y[3000] - x[3800] * g).abs() < 1e-6);
    }

    /// Runs a search against a model of rendering (gain and threshold in, loudness and true
    /// peak out): every render asked for, in order.
    fn search(
        target: Option<f64>,
        ceiling: Option<f64>,
        before: Loudness,
        model: impl Fn(Try) -> Loudness,
    ) -> (Vec<Try>, usize) {
        let mut s = GainSearch::new(target, ceiling, 0.05, &before);
        let mut t = s.first();
        let mut asked = vec![t];
        loop {
            match s.next(&model(t)) {
                Step::Render(n) => {
                    t = n;
                    asked.push(n);
                }
                Step::Done => return (asked, s.renders()),
            }
            assert!(asked.len() <= MAX_RENDERS + 1, "{asked:?}");
        }
    }

    fn measured(lufs: f64, true_peak: f64) -> Loudness {
        Loudness { lufs: Some(lufs), integrated: true, true_peak: Some(true_peak) }
    }

    #[test]
    fn a_gain_that_lands_is_one_render() {
        // -30 LUFS, peaks at -12 dBTP, to -20: +10 dB, peaks at -2, no limiter needed.
        let before = measured(-30.0, -12.0);
        let (asked, renders) = search(Some(-20.0), Some(-1.0), before, |t| {
            measured(-30.0 + t.gain_db, -12.0 + t.gain_db)
        });
        assert_eq!(asked, [Try { gain_db: 10.0, limit_dbtp: None }]);
        assert_eq!(renders, 1);
        // No target: the signal as it is, one render.
        let (asked, _) = search(None, None, before, |_| before);
        assert_eq!(asked, [Try { gain_db: 0.0, limit_dbtp: None }]);
    }

    #[test]
    fn peaks_over_the_ceiling_get_the_limiter_then_a_lower_threshold() {
        // +10 dB would put peaks at +3 dBTP: the limiter starts at the ceiling less the margin.
        let before = measured(-30.0, -7.0);
        let s = GainSearch::new(Some(-20.0), Some(-1.0), 0.05, &before);
        assert_eq!(s.first(), Try { gain_db: 10.0, limit_dbtp: Some(-1.05) });
        // A limiter that lets 0.3 dB through (-0.75 dBTP, 0.25 over): the threshold comes down
        // by the excess and 0.05 dB more.
        let (asked, _) = search(Some(-20.0), Some(-1.0), before, |t| {
            let tp = t.limit_dbtp.map_or(-7.0 + t.gain_db, |l| l + 0.3);
            measured(-30.0 + t.gain_db, tp)
        });
        assert_eq!(asked.len(), 2, "{asked:?}");
        assert!((asked[1].limit_dbtp.unwrap_or(0.0) - (-1.05 - 0.25 - 0.05)).abs() < 1e-9);
        assert_eq!(asked[1].gain_db, 10.0);
    }

    #[test]
    fn the_gain_is_corrected_by_the_measured_slope() {
        // Loudness rises 0.8 LU a dB: the gain is corrected until within the tolerance.
        let before = measured(-30.0, -20.0);
        let (asked, renders) =
            search(Some(-20.0), None, before, |t| measured(-30.0 + 0.8 * t.gain_db, -20.0));
        let last = asked.last().map_or(0.0, |t| -30.0 + 0.8 * t.gain_db);
        assert!((last + 20.0).abs() <= LOUDNESS_TOLERANCE_LU, "{asked:?}");
        assert!(renders > 1 && renders <= MAX_RENDERS, "{renders}");
        assert!(asked.iter().all(|t| t.gain_db <= 10.0 + MAX_EXTRA_GAIN_DB));
    }

    #[test]
    fn a_target_out_of_reach_keeps_the_least_gain_that_is_as_loud() {
        // The limiter holds everything at -24 LUFS whatever the gain: the search stops early and
        // renders last the least gain within 0.2 LU of the loudest.
        let before = measured(-30.0, -1.5);
        let (asked, renders) = search(Some(-16.0), Some(-1.0), before, |t| {
            measured((-30.0 + t.gain_db).min(-24.0), -1.1)
        });
        assert!(renders <= MAX_RENDERS + 1);
        let last = asked.last().copied().unwrap_or(Try { gain_db: 0.0, limit_dbtp: None });
        assert!(asked.iter().any(|t| t.gain_db > last.gain_db), "{asked:?}");
        assert!(last.limit_dbtp.is_some());
    }

    #[test]
    fn peaks_still_over_after_every_render_end_on_plain_gain() {
        // A codec that always lets 0.5 dB through: out of renders, the gain takes the excess.
        let before = measured(-20.0, -2.0);
        let (asked, renders) =
            search(Some(-20.0), Some(-1.0), before, |t| measured(-20.0 + t.gain_db, -0.5));
        assert_eq!(renders, MAX_RENDERS + 1);
        let last = asked[MAX_RENDERS];
        assert!((last.gain_db - (0.0 - 0.5 - 0.1)).abs() < 1e-9, "{asked:?}");
        assert_eq!(last.limit_dbtp, asked[MAX_RENDERS - 1].limit_dbtp);
    }
}
