//! Resampling: mono f32 at any rate ► mono f32 at the target rate (48 kHz by default), streaming.
//!
//! Guarantees:
//! - Length: an input of `n` frames at rate `r` gives exactly `ceil(n * target / r)` frames
//!   (see [`output_len`]); equal rates pass the samples through untouched.
//! - No time shift: the FFT resampler delays its output by half its FFT block; the block is
//!   chosen so that this delay is a whole number of output frames (an even multiple of
//!   `rate / gcd(rate, target)`, the first at or above [`MIN_BLOCK`] input frames), and exactly
//!   that many leading frames are dropped. An impulse at time t stays at time t.
//! - Memory is bounded by two blocks, whatever the input's length.
//! - The same input gives the same output on every run and whatever the chunking. Across
//!   machines only where rustfft takes the same code path: it picks AVX, SSE, NEON or scalar
//!   code at run time, and these round differently in the last bit (see the README's promises).
//! - Quality: rubato's synchronous FFT resampler (BlackmanHarris² window), the best it offers.
//!   Downsampling runs rubato itself; upsampling (the usual case: 8 to 44.1 kHz up to 48 kHz)
//!   computes the same filter two blocks at a time through complex FFTs, 2.4 times as fast, within
//!   float rounding of rubato's computation done exactly (tested against rubato in f64 at every
//!   standard rate: closer to it than rubato's own f32); a silent block gives exact silence, as
//!   in rubato.

use std::sync::Arc;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _, WindowFunction, calculate_cutoff};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// The smallest FFT block, in input frames. Larger blocks put the anti-alias cutoff closer to
/// Nyquist and cost a little more per sample; 2048 is rubato's sweet spot.
pub const MIN_BLOCK: usize = 2048;

/// The lowest sample rate accepted.
pub const MIN_RATE: u32 = 1_000;

/// The highest sample rate accepted (DXD and 768 kHz files exist; nothing above).
pub const MAX_RATE: u32 = 768_000;

/// The largest FFT block accepted, in frames: about 30 MB of resampler state. Every standard
/// rate needs a few thousand; only odd rates near the top of the range need more.
pub const MAX_BLOCK: usize = 262_144;

/// The number of output frames for `frames` input frames: `ceil(frames * to / from)`.
pub fn output_len(frames: u64, from: u32, to: u32) -> u64 {
    let num = u128::from(frames) * u128::from(to);
    let den = u128::from(from.max(1));
    num.div_ceil(den) as u64
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The FFT block (input frames, output frames) used for a rate pair: an even multiple of the
/// smallest exact block, at least [`MIN_BLOCK`] input frames.
pub fn block_sizes(from: u32, to: u32) -> (usize, usize) {
    let (from, to) = (from as usize, to as usize);
    let g = gcd(from, to);
    let (min_in, min_out) = (from / g, to / g);
    let mut k = MIN_BLOCK.div_ceil(min_in).max(1);
    if k % 2 == 1 {
        k += 1;
    }
    (k * min_in, k * min_out)
}

/// A streaming resampler from one rate to another.
pub struct Resampler {
    from: u32,
    to: u32,
    inner: Option<Inner>,
    frames_in: u64,
    frames_out: u64,
}

/// A resampler between two different rates: whole units of input (see [`Engine`]) at a time.
struct Inner {
    engine: Engine,
    /// Input frames per unit.
    unit: usize,
    /// Output frames of delay, dropped from the start of the stream.
    delay: usize,
    /// Input not yet resampled (less than one unit).
    pending: Vec<f32>,
    /// Leading output frames still to drop.
    to_drop: usize,
}

/// Both compute rubato's synchronous FFT resampling: a windowed sinc as long as the block, each
/// block convolved by FFT and its spectrum cut or extended to the output rate, the halves
/// overlapped.
enum Engine {
    /// Upsampling: two blocks at a time through one complex FFT each way (see [`Pairs`]).
    Pairs(Box<Pairs>),
    /// Downsampling: rubato itself, a block at a time. Its real FFTs keep each block apart; two
    /// blocks in one complex FFT would let the rounding of a loud band above the output's
    /// Nyquist frequency leak from one block into the other (an alias at -160 dBFS where rubato
    /// leaves -211 dBFS, `quality_in_float_before_any_quantizing`).
    Rubato { fft: Box<Fft<f32>>, block_in: usize, block_out: usize, scratch: Vec<f32> },
}

/// Upsampling two blocks at a time. A real block has a Hermitian spectrum, so two consecutive
/// blocks travel as the real and imaginary parts of one complex signal: one complex FFT of twice
/// the length each way, where rubato makes two real ones, whose packing and unpacking passes
/// took 40 % of the resampling time (`cargo bench --bench pipeline -- resample`: 44.1 kHz, 399
/// -> 169 us per second of audio). The filter is rubato's, its taps computed in f64 and
/// transformed in f32.
struct Pairs {
    block_in: usize,
    block_out: usize,
    /// The filter's spectrum, bins 0..=block_in (those of a real filter of 2 * block_in points).
    filter: Vec<Complex<f32>>,
    forward: Arc<dyn rustfft::Fft<f32>>,
    inverse: Arc<dyn rustfft::Fft<f32>>,
    /// 2 * block_in points: two input blocks as one complex signal, then its spectrum.
    spectrum_in: Vec<Complex<f32>>,
    /// 2 * block_out points: the output spectrum, then the two output blocks.
    spectrum_out: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// The second half of the last block's output, added to the next block's first half.
    overlap: Vec<f32>,
}

/// A pair of rates the resampler does not convert between; the message says which and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnsupportedRate(String);

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz. Fails for rates outside [`MIN_RATE`] to
    /// [`MAX_RATE`], and for rates so oddly related that the exact FFT block would exceed
    /// [`MAX_BLOCK`] (no real recording has one; a damaged header may).
    pub fn new(from: u32, to: u32) -> Result<Resampler, UnsupportedRate> {
        for rate in [from, to] {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(UnsupportedRate(format!(
                    "unsupported sample rate {rate} Hz (supported: {MIN_RATE} to {MAX_RATE} Hz)"
                )));
            }
        }
        let inner = if from == to {
            None
        } else {
            let (block_in, block_out) = block_sizes(from, to);
            if block_in.max(block_out) > MAX_BLOCK {
                return Err(UnsupportedRate(format!(
                    "unsupported sample rate {from} Hz: no standard rate, and too odd to convert exactly to {to} Hz"
                )));
            }
            Some(Inner::new(from, to, block_in, block_out)?)
        };
        Ok(Resampler { from, to, inner, frames_in: 0, frames_out: 0 })
    }

    /// The input rate.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// The output rate.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Readies the resampler for a new stream, keeping its FFT plans.
    pub fn reset(&mut self) {
        self.frames_in = 0;
        self.frames_out = 0;
        if let Some(inner) = &mut self.inner {
            match &mut inner.engine {
                Engine::Pairs(pairs) => pairs.overlap.fill(0.0),
                Engine::Rubato { fft, .. } => fft.reset(),
            }
            inner.pending.clear();
            inner.to_drop = inner.delay;
        }
    }

    /// Resamples `input`, appending the output frames that are ready to `out`.
    pub fn push(&mut self, mut input: &[f32], out: &mut Vec<f32>) {
        self.frames_in += input.len() as u64;
        let Some(inner) = &mut self.inner else {
            out.extend_from_slice(input);
            self.frames_out += input.len() as u64;
            return;
        };
        let before = out.len();
        // Fill up a partial unit first, then process whole units straight from `input`.
        let unit = inner.unit;
        if !inner.pending.is_empty() {
            let take = (unit - inner.pending.len()).min(input.len());
            inner.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if inner.pending.len() == unit {
                let blocks = std::mem::take(&mut inner.pending);
                inner.process(&blocks, out);
                inner.pending = blocks;
                inner.pending.clear();
            }
        }
        while input.len() >= unit {
            let (blocks, rest) = input.split_at(unit);
            inner.process(blocks, out);
            input = rest;
        }
        inner.pending.extend_from_slice(input);
        self.frames_out += (out.len() - before) as u64;
    }

    /// Ends the stream: flushes the resampler so the total output is exactly
    /// [`output_len`] of the total input.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let target = output_len(self.frames_in, self.from, self.to);
        let Some(inner) = &mut self.inner else { return };
        let before = out.len();
        let mut missing = target.saturating_sub(self.frames_out) as usize;
        // What is pending, padded with silence, then silence until the delayed tail is out.
        let mut blocks = std::mem::take(&mut inner.pending);
        while missing > 0 {
            blocks.resize(inner.unit, 0.0);
            let start = out.len();
            inner.process(&blocks, out);
            let made = out.len() - start;
            if made >= missing {
                out.truncate(start + missing);
                missing = 0;
            } else {
                missing -= made;
            }
            blocks.fill(0.0);
        }
        blocks.clear();
        inner.pending = blocks;
        self.frames_out += (out.len() - before) as u64;
    }
}

impl Inner {
    fn new(
        from: u32,
        to: u32,
        block_in: usize,
        block_out: usize,
    ) -> Result<Inner, UnsupportedRate> {
        // The sinc is centred half a block in: that many output frames of delay.
        let delay = block_out / 2;
        let (engine, unit) = if block_in < block_out {
            (Engine::Pairs(Box::new(Pairs::new(block_in, block_out))), 2 * block_in)
        } else {
            let fft = Fft::<f32>::new_custom(
                from as usize,
                to as usize,
                block_in,
                1,
                1,
                WindowFunction::BlackmanHarris2,
                FixedSync::Both,
            )
            .map_err(|e| UnsupportedRate(format!("cannot resample {from} Hz to {to} Hz: {e}")))?;
            debug_assert_eq!((fft.fft_size_in(), fft.output_delay()), (block_in, delay));
            let scratch = vec![0.0; fft.output_frames_max()];
            (Engine::Rubato { fft: Box::new(fft), block_in, block_out, scratch }, block_in)
        };
        Ok(Inner { engine, unit, delay, pending: Vec::with_capacity(unit), to_drop: delay })
    }

    /// Resamples one whole unit of input, appending its output and dropping the resampler's
    /// delay from the start of the stream.
    fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        debug_assert_eq!(input.len(), self.unit);
        let start = out.len();
        match &mut self.engine {
            Engine::Pairs(pairs) => pairs.process(input, out),
            Engine::Rubato { fft, block_in, block_out, scratch } => {
                let produced = match (
                    InterleavedSlice::new(input, 1, *block_in),
                    InterleavedSlice::new_mut(scratch.as_mut_slice(), 1, *block_out),
                ) {
                    (Ok(input), Ok(mut output)) => {
                        match fft.process_into_buffer(&input, &mut output, None) {
                            Ok((_, written)) => written,
                            // Cannot happen: the buffers are sized from the resampler's own
                            // figures.
                            Err(_) => 0,
                        }
                    }
                    _ => 0,
                };
                out.extend_from_slice(&scratch[..produced]);
            }
        }
        let drop = self.to_drop.min(out.len() - start);
        self.to_drop -= drop;
        out.drain(start..start + drop);
    }
}

impl Pairs {
    fn new(block_in: usize, block_out: usize) -> Pairs {
        // rubato's filter (upsampling): a sinc as long as the block, cut off just below the
        // input's Nyquist frequency (rubato's fitted cutoff for the window), windowed by
        // Blackman-Harris squared (periodic), normalized to unit gain and scaled for the
        // unnormalized FFTs.
        let cutoff = f64::from(calculate_cutoff::<f32>(block_in, WindowFunction::BlackmanHarris2));
        let n = block_in as f64;
        let tau = 2.0 * std::f64::consts::PI;
        let taps: Vec<f64> = (0..block_in)
            .map(|i| {
                let t = tau * i as f64 / n;
                let bh = 0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos()
                    - 0.01168 * (3.0 * t).cos();
                let x = (i as f64 - (block_in / 2) as f64) * cutoff * std::f64::consts::PI;
                bh * bh * if x == 0.0 { 1.0 } else { x.sin() / x }
            })
            .collect();
        let sum: f64 = taps.iter().sum();
        // Its spectrum through the forward FFT itself (a plan for f64 as well would cost a
        // megabyte of peak memory).
        let mut planner = FftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(2 * block_in);
        let inverse = planner.plan_fft_inverse(2 * block_out);
        let scratch_len = forward.get_inplace_scratch_len().max(inverse.get_inplace_scratch_len());
        let mut scratch = vec![Complex::default(); scratch_len];
        let mut filter: Vec<Complex<f32>> = vec![Complex::default(); 2 * block_in];
        for (f, t) in filter.iter_mut().zip(&taps) {
            f.re = (t / sum / (2.0 * n)) as f32;
        }
        forward.process_with_scratch(&mut filter, &mut scratch);
        filter.truncate(block_in + 1);
        Pairs {
            block_in,
            block_out,
            filter,
            forward,
            inverse,
            spectrum_in: vec![Complex::default(); 2 * block_in],
            spectrum_out: vec![Complex::default(); 2 * block_out],
            scratch,
            overlap: vec![0.0; block_out],
        }
    }

    /// Resamples two consecutive blocks (`blocks`, 2 * block_in frames), appending their output.
    /// A silent block gives exact silence, as rubato's block at a time does: sharing the
    /// transforms with a loud block would otherwise leave that block's rounding in it (about
    /// 1e-7, which the dither would turn into 1-LSB noise in a recording's digital silence).
    fn process(&mut self, blocks: &[f32], out: &mut Vec<f32>) {
        let (n_in, n_out) = (self.block_in, self.block_out);
        let (a, b) = blocks.split_at(n_in);
        let silent = |block: &[f32]| block.iter().all(|&x| x == 0.0);
        let (silent_a, silent_b) = (silent(a), silent(b));
        if silent_a && silent_b {
            out.extend_from_slice(&self.overlap);
            out.resize(out.len() + n_out, 0.0);
            self.overlap.fill(0.0);
            return;
        }
        // z = a + i b, padded to twice the block with silence.
        let (signal, padding) = self.spectrum_in.split_at_mut(n_in);
        for ((z, &re), &im) in signal.iter_mut().zip(a).zip(b) {
            *z = Complex { re, im };
        }
        padding.fill(Complex::default());
        self.forward.process_with_scratch(&mut self.spectrum_in, &mut self.scratch);
        // Each block's spectrum times the filter's, extended to the output's length: positive
        // frequencies Z[k] H[k], negative ones Z[-k] conj(H[k]) (both blocks are real), every
        // input bin kept (the input's Nyquist bin at both ends, as rubato's real FFT has it).
        let z = &self.spectrum_in;
        let p = &mut self.spectrum_out;
        // Written as slices, not indices, so that the loops run on vectors: P[0..=n_in], the
        // silent middle, then P[2 n_out - n_in..] from k = n_in down to 1.
        let (positive, rest) = p.split_at_mut(n_in + 1);
        let (middle, negative) = rest.split_at_mut(2 * n_out - 2 * n_in - 1);
        for ((d, &zk), &h) in positive.iter_mut().zip(&z[..=n_in]).zip(&self.filter) {
            *d = zk * h;
        }
        middle.fill(Complex::default());
        for ((d, &zk), h) in negative.iter_mut().zip(&z[n_in..]).zip(self.filter[1..].iter().rev())
        {
            *d = zk * h.conj();
        }
        self.inverse.process_with_scratch(p, &mut self.scratch);
        if silent_a {
            p.iter_mut().for_each(|c| c.re = 0.0);
        }
        if silent_b {
            p.iter_mut().for_each(|c| c.im = 0.0);
        }
        // The real part is the first block's output, the imaginary part the second's; each
        // block's first half overlaps the tail of the block before.
        let (head, tail) = p.split_at(n_out);
        out.extend(head.iter().zip(&self.overlap).map(|(c, o)| c.re + o));
        out.extend(head.iter().zip(tail).map(|(c, t)| c.im + t.re));
        for (o, t) in self.overlap.iter_mut().zip(tail) {
            *o = t.im;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(from: u32, to: u32, input: &[f32], piece: usize) -> Vec<f32> {
        let mut r = Resampler::new(from, to).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        for chunk in input.chunks(piece.max(1)) {
            r.push(chunk, &mut out);
        }
        r.finish(&mut out);
        out
    }

    #[test]
    fn block_sizes_are_exact_and_even() {
        assert_eq!(block_sizes(44100, 48000), (2058, 2240));
        assert_eq!(block_sizes(8000, 48000), (2048, 12288));
        assert_eq!(block_sizes(192000, 48000), (2048, 512));
        assert_eq!(block_sizes(47999, 48000), (95998, 96000));
        for rate in [8000, 11025, 16000, 22050, 32000, 37800, 44100, 47999, 88200, 96000, 192000] {
            let (i, o) = block_sizes(rate, 48000);
            assert!(i >= MIN_BLOCK && i % 2 == 0 && o % 2 == 0, "{rate}: {i} {o}");
            assert_eq!(i as u64 * 48000, o as u64 * u64::from(rate), "{rate}");
        }
    }

    #[test]
    fn length_is_ceil_of_ratio() {
        for (rate, n) in [
            (44100, 1),
            (44100, 44100),
            (44100, 12345),
            (8000, 7),
            (22050, 100_001),
            (11025, 3000),
            (37800, 5000),
            (192000, 999),
            (47999, 500),
        ] {
            let input = vec![0.1f32; n];
            // The same output whatever the push sizes.
            let a = run(rate, 48000, &input, 1000);
            let b = run(rate, 48000, &input, 4097);
            assert_eq!(a.len() as u64, output_len(n as u64, rate, 48000), "rate {rate} n {n}");
            assert_eq!(a, b, "rate {rate} n {n}: chunking changed the output");
        }
    }

    #[test]
    fn absurd_rates_are_refused_not_attempted() {
        // A damaged header's rate (a fuzzer find: 268 MHz asked for a 9 GB FFT).
        assert!(Resampler::new(268_452_012, 48000).is_err());
        assert!(Resampler::new(999, 48000).is_err());
        assert!(Resampler::new(0, 48000).is_err());
        // A prime rate near the top needs a 1.5-million-frame block: refused.
        assert!(Resampler::new(767_999, 48000).is_err());
        // Every standard rate and odd ones in range work.
        for rate in [1000, 8000, 11025, 37800, 47999, 131_071, 352_800, 384_000, 705_600, 768_000] {
            assert!(Resampler::new(rate, 48000).is_ok(), "{rate}");
        }
    }

    /// rubato's own resampler, a block at a time, in `T` (f32 as it ships, or f64: the same
    /// computation without float rounding to speak of), on the same blocks as [`run`].
    fn rubato<T: rubato::Sample>(
        from: u32,
        input: &[f32],
        len: usize,
        back: fn(T) -> f32,
    ) -> Vec<f32> {
        let (block_in, block_out) = block_sizes(from, 48000);
        let mut fft = Fft::<T>::new_custom(
            from as usize,
            48000,
            block_in,
            1,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Both,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        let mut block = vec![T::coerce(0.0f64); block_in];
        let mut scratch = vec![T::coerce(0.0f64); block_out];
        for start in (0..input.len() + block_in).step_by(block_in) {
            block.fill(T::coerce(0.0f64));
            let part = &input[start.min(input.len())..(start + block_in).min(input.len())];
            for (b, &x) in block.iter_mut().zip(part) {
                *b = T::coerce(x);
            }
            let input =
                InterleavedSlice::new(&block, 1, block_in).unwrap_or_else(|e| panic!("{e}"));
            let mut output = InterleavedSlice::new_mut(&mut scratch, 1, block_out)
                .unwrap_or_else(|e| panic!("{e}"));
            let (_, written) = fft
                .process_into_buffer(&input, &mut output, None)
                .unwrap_or_else(|e| panic!("{e}"));
            out.extend(scratch[..written].iter().map(|&x| back(x)));
        }
        out.drain(..fft.output_delay());
        out.truncate(len);
        out
    }

    /// Full-scale noise with tones, reproducible.
    fn loud(n: usize, from: u32) -> Vec<f32> {
        let mut state = 0x2545_f491_u32;
        (0..n)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = state as f32 / u32::MAX as f32 - 0.5;
                let t = i as f64 / f64::from(from);
                (0.3 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                    + 0.2 * (2.0 * std::f64::consts::PI * (0.45 * f64::from(from)) * t).sin())
                    as f32
                    + 0.9 * noise
            })
            .collect()
    }

    /// Upsampling two blocks at a time computes rubato's filter a block at a time, to float
    /// rounding: against the same computation in f64 (rubato's own, in f64), on full-scale
    /// input, well under what a 16-bit output can tell.
    #[test]
    fn pairs_of_blocks_give_what_rubato_computes() {
        for from in [8000u32, 11025, 16000, 22050, 32000, 44100, 47999] {
            let input = loud(from as usize * 3 / 2 + 777, from);
            let ours = run(from, 48000, &input, 3000);
            let exact = rubato::<f64>(from, &input, ours.len(), |x| x as f32);
            assert_eq!(exact.len(), ours.len());
            let worst = ours.iter().zip(&exact).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            // Measured: 3.6e-7 to 4.2e-7 at every rate here. rubato's own f32 is further: 1.2e-6
            // to 3.5e-6, and 1.5e-5 at 47999 Hz (a block of 95,998 frames, whose 32-bit sinc
            // loses precision). The bound is half a 16-bit step.
            assert!(worst < 0.5 / 32768.0, "{from} Hz: differs by {worst:e}");
        }
    }

    /// Digital silence before a loud passage stays exact silence up to the output of the first
    /// block that is not silent (its start is the filter's pre-ringing, as in rubato's own
    /// output), though the silent block before shares the transforms with it.
    #[test]
    fn silence_beside_a_loud_block_stays_exact() {
        for (from, silent) in [(44100u32, 44100), (44100, 2058 * 21 + 500), (22050, 30000)] {
            let mut input = vec![0.0f32; silent];
            input.extend(loud(from as usize, from));
            let ours = run(from, 48000, &input, 4096);
            let theirs = rubato::<f32>(from, &input, ours.len(), |x| x);
            let (block_in, block_out) = block_sizes(from, 48000);
            let first_block_out = silent / block_in * block_out - block_out / 2;
            let onset = silent * 48000 / from as usize;
            let first = |v: &[f32]| v.iter().position(|&x| x != 0.0).unwrap_or(v.len());
            for (who, out) in [("ours", &ours), ("rubato", &theirs)] {
                let at = first(out);
                assert!(
                    (first_block_out..onset).contains(&at),
                    "{from} Hz, {silent} silent frames: {who} starts at {at}, \
                     not in {first_block_out}..{onset}"
                );
            }
        }
        // All silence gives all zeros.
        assert!(run(44100, 48000, &vec![0.0; 20_000], 1000).iter().all(|&x| x == 0.0));
    }

    #[test]
    fn equal_rates_pass_through() {
        let input: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.01).sin()).collect();
        assert_eq!(run(48000, 48000, &input, 777), input);
    }

    /// The time of the peak of a band-limited pulse, with parabolic interpolation.
    fn peak_time(signal: &[f32], rate: u32) -> f64 {
        let (i, _) = signal
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |best, (i, &v)| if v > best.1 { (i, v) } else { best });
        let (a, b, c) = (signal[i - 1] as f64, signal[i] as f64, signal[i + 1] as f64);
        let frac = 0.5 * (a - c) / (a - 2.0 * b + c);
        (i as f64 + frac) / f64::from(rate)
    }

    #[test]
    fn an_impulse_keeps_its_time() {
        for rate in [8000u32, 11025, 16000, 22050, 32000, 37800, 44100, 47999, 96000, 192000] {
            // A raised-cosine pulse (band-limited well below every Nyquist here) at 0.3 s.
            let n = (rate as usize) / 2;
            let centre = 0.3 * f64::from(rate);
            let width = f64::from(rate) / 1000.0; // 1 ms half-width: content below ~1 kHz
            let input: Vec<f32> = (0..n)
                .map(|i| {
                    let x = (i as f64 - centre) / width;
                    if x.abs() < 1.0 {
                        (0.5 + 0.5 * (std::f64::consts::PI * x).cos()) as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            let out = run(rate, 48000, &input, 3000);
            let shift = peak_time(&out, 48000) - peak_time(&input, rate);
            // A hundredth of an output sample.
            assert!(
                shift.abs() < 0.01 / 48000.0,
                "rate {rate}: shifted by {:.4} samples",
                shift * 48000.0
            );
        }
    }

    #[test]
    fn a_tone_comes_through_clean() {
        // 1 kHz at 44.1 kHz: the output must match the ideal 1 kHz at 48 kHz closely.
        let f = 1000.0f64;
        let input: Vec<f32> = (0..44100)
            .map(|i| (0.5 * (2.0 * std::f64::consts::PI * f * i as f64 / 44100.0).sin()) as f32)
            .collect();
        let out = run(44100, 48000, &input, 4096);
        let (mut sig, mut err) = (0.0f64, 0.0f64);
        // Skip the edges, where the signal starts and stops abruptly.
        for (i, &y) in out.iter().enumerate().skip(4800).take(38400) {
            let ideal = 0.5 * (2.0 * std::f64::consts::PI * f * i as f64 / 48000.0).sin();
            sig += ideal * ideal;
            err += (f64::from(y) - ideal).powi(2);
        }
        let snr = 10.0 * (sig / err).log10();
        assert!(snr > 100.0, "SNR {snr:.1} dB");
    }
    #[test]
    fn downsampling_to_telephone_rates_filters_out_what_would_alias() {
        // rubato's FFT resampler low-passes at the lower Nyquist: the telephone band passes flat,
        // anything at or above 4 kHz (which would fold back into it at 8 kHz) is gone.
        let level = |from: u32, to: u32, freq: f64| {
            let input: Vec<f32> = (0..from as usize * 2)
                .map(|i| {
                    (0.5 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(from)).sin())
                        as f32
                })
                .collect();
            let out = run(from, to, &input, 4096);
            let mid = &out[out.len() / 4..3 * out.len() / 4];
            let rms =
                (mid.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
            20.0 * (rms / (0.5 / std::f64::consts::SQRT_2)).log10()
        };
        for from in [48000u32, 44100, 22050, 16000] {
            for freq in [300.0, 1000.0, 3400.0] {
                let db = level(from, 8000, freq);
                assert!(db.abs() < 0.01, "{from} Hz -> 8 kHz, {freq} Hz: {db:.3} dB");
            }
            for freq in [4000.0, 4100.0, 5000.0, 7900.0, 8100.0] {
                if freq < f64::from(from) / 2.0 {
                    let db = level(from, 8000, freq);
                    assert!(db < -120.0, "{from} Hz -> 8 kHz, {freq} Hz: only {db:.1} dB");
                }
            }
        }
        // 16 kHz (wideband): flat to 7 kHz, nothing from 8 kHz.
        assert!(level(48000, 16000, 7000.0).abs() < 0.01);
        assert!(level(48000, 16000, 8200.0) < -120.0);
    }

    /// Level in dB relative to full scale of the component at `freq` in the middle second of
    /// `x` (Blackman-Harris window, Goertzel).
    fn tone_db(x: &[f32], rate: u32, freq: f64) -> f64 {
        let n = rate as usize;
        let mid = &x[(x.len() - n) / 2..][..n];
        let tau = 2.0 * std::f64::consts::PI;
        let w = |i: usize| {
            let t = tau * i as f64 / (n - 1) as f64;
            0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos()
        };
        let k = 2.0 * (tau * freq / f64::from(rate)).cos();
        let (mut s1, mut s2, mut wsum) = (0.0f64, 0.0f64, 0.0f64);
        for (i, &v) in mid.iter().enumerate() {
            (s1, s2) = (f64::from(v) * w(i) + k * s1 - s2, s1);
            wsum += w(i);
        }
        let power = s1 * s1 + s2 * s2 - k * s1 * s2;
        10.0 * (power.max(1e-300) / (wsum / 2.0).powi(2)).log10()
    }

    fn sine(rate: u32, freq: f64, amp: f64, seconds: usize) -> Vec<f32> {
        (0..rate as usize * seconds)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    #[test]
    fn quality_in_float_before_any_quantizing() {
        // The figures `benches/compare.sh` cannot see through the 16-bit dither floor.
        // THD+N of 1 kHz at -1 dBFS, 44.1 kHz -> 48 kHz: the output minus its least-squares fit
        // of a 1 kHz sine (and DC), over the middle second.
        let amp = 0.891;
        let out = run(44100, 48000, &sine(44100, 1000.0, amp, 3), 4096);
        let mid = &out[(out.len() - 48000) / 2..][..48000];
        let tau = 2.0 * std::f64::consts::PI;
        let (mut a, mut b, mut d) = (0.0f64, 0.0f64, 0.0f64);
        for (i, &v) in mid.iter().enumerate() {
            let t = tau * 1000.0 * i as f64 / 48000.0;
            a += f64::from(v) * t.sin();
            b += f64::from(v) * t.cos();
            d += f64::from(v);
        }
        let n = mid.len() as f64;
        let (a, b, d) = (2.0 * a / n, 2.0 * b / n, d / n);
        let residual = mid
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let t = tau * 1000.0 * i as f64 / 48000.0;
                (f64::from(v) - a * t.sin() - b * t.cos() - d).powi(2)
            })
            .sum::<f64>()
            / n;
        let thdn = 10.0 * (residual / ((a * a + b * b) / 2.0)).log10();
        // 21 kHz at 44.1 kHz passes at its level; its image at 23.1 kHz is gone.
        let out = run(44100, 48000, &sine(44100, 21000.0, amp, 3), 4096);
        let tone = tone_db(&out, 48000, 21000.0);
        let image = tone_db(&out, 48000, 23100.0);
        // 30 kHz at 96 kHz would alias to 18 kHz.
        let out = run(96000, 48000, &sine(96000, 30000.0, amp, 3), 4096);
        let alias = tone_db(&out, 48000, 18000.0);
        println!(
            "THD+N {thdn:.1} dB; 21 kHz at {tone:.3} dBFS (input {:.3}); image {image:.1} dBFS; \
             alias {alias:.1} dBFS",
            20.0 * amp.log10()
        );
        assert!(thdn < -130.0, "THD+N {thdn:.1} dB");
        assert!((tone - 20.0 * amp.log10()).abs() < 0.01, "21 kHz at {tone:.3} dBFS");
        assert!(image < -160.0, "image at 23.1 kHz {image:.1} dBFS");
        assert!(alias < -160.0, "alias at 18 kHz {alias:.1} dBFS");
    }
}
