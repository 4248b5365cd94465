//! Encoding: mono f32 ► 16-bit PCM WAV with the plain 44-byte header.
//!
//! Guarantees:
//! - The header is the canonical 44 bytes: `RIFF`, `WAVE`, a 16-byte `fmt ` chunk with format
//!   tag 1 (PCM, never WAVE_FORMAT_EXTENSIBLE), then `data`; no other chunk, sizes exact.
//! - Float to 16-bit: a value already on the 16-bit grid is kept exactly (so a 16-bit or 8-bit
//!   source, and digital silence, come through bit-exact); any other value gets TPDF dither of
//!   ±1 LSB from a generator seeded the same way for every file, so the same input always gives
//!   the same bytes.
//! - Values past full scale are clipped to the 16-bit range and counted.

use std::io::{self, Seek, SeekFrom, Write};

/// The seed of the dither generator: fixed, so output is reproducible.
pub const DITHER_SEED: u64 = 0x05EE_D0FD_17E4;

/// Independent generator lanes: samples are dithered eight at a time, one lane each, so the
/// loop has no serial dependency and compiles to vector code.
const LANES: usize = 8;

/// Rounds to the nearest integer (ties to even) without a libm call. Exact for |x| < 2^22.
#[inline(always)]
fn round(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    (x + MAGIC) - MAGIC
}

/// Float to 16-bit conversion with dither and clip counting.
#[derive(Debug, Clone)]
pub struct Quantizer {
    /// xorshift32 states, one per lane; never zero.
    lanes: [u32; LANES],
    clipped: u64,
}

impl Default for Quantizer {
    fn default() -> Self {
        Quantizer::new()
    }
}

impl Quantizer {
    /// A quantizer with the fixed seed.
    pub fn new() -> Self {
        let mut lanes = [0u32; LANES];
        let mut x = DITHER_SEED;
        for lane in &mut lanes {
            // splitmix64 spreads the seed over the lanes.
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *lane = ((z ^ (z >> 31)) as u32) | 1;
        }
        Quantizer { lanes, clipped: 0 }
    }

    /// Samples clipped so far.
    pub fn clipped(&self) -> u64 {
        self.clipped
    }

    /// Converts `input` (nominal range [-1, 1)) to 16-bit samples appended to `out`.
    pub fn quantize(&mut self, input: &[f32], out: &mut Vec<i16>) {
        let start = out.len();
        out.resize(start + input.len(), 0);
        let dst = &mut out[start..];
        let mut clipped = 0u64;
        let mut chunks = input.chunks_exact(LANES);
        let mut outs = dst.chunks_exact_mut(LANES);
        // Whole groups of LANES samples, written so that the compiler vectorizes them: the
        // lane states live in a local array, the results in fixed-size arrays.
        for (src, dst) in (&mut chunks).zip(&mut outs) {
            let mut states = self.lanes;
            let mut values = [0f32; LANES];
            let mut over = [0u32; LANES];
            for i in 0..LANES {
                let (v, o) = one(src[i], &mut states[i]);
                values[i] = v;
                over[i] = u32::from(o);
            }
            self.lanes = states;
            for i in 0..LANES {
                dst[i] = values[i] as i32 as i16;
            }
            clipped += u64::from(over.iter().sum::<u32>());
        }
        for (i, (&x, d)) in chunks.remainder().iter().zip(outs.into_remainder()).enumerate() {
            let (v, o) = one(x, &mut self.lanes[i]);
            *d = v as i32 as i16;
            clipped += u64::from(o);
        }
        self.clipped += clipped;
    }
}

/// One sample: a value on the 16-bit grid is kept; others get TPDF dither of ±1 LSB (the
/// difference of two uniform 16-bit numbers from one step of the lane's xorshift32). Returns
/// the value, already within the 16-bit range, and whether it had to be clipped.
#[inline(always)]
fn one(x: f32, state: &mut u32) -> (f32, bool) {
    let mut s = *state;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    *state = s;
    let tpdf = ((s >> 16) as i32 - (s & 0xFFFF) as i32) as f32 * (1.0 / 65536.0);
    // NaN becomes 0 (x == x is false only for NaN); infinities clip.
    #[allow(clippy::eq_op)]
    let x = if x == x { x } else { 0.0 };
    let y = (x * 32768.0).clamp(-65536.0, 65536.0);
    let r = round(y);
    let v = if r == y { r } else { round(y + tpdf) };
    let clamped = v.clamp(-32768.0, 32767.0);
    (clamped, clamped != v)
}

/// The WAV header of a 16-bit PCM file, as [`Pcm16Writer`] writes it.
pub fn pcm16_header(rate: u32, channels: u16, data_bytes: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let block_align = channels * 2;
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_bytes.saturating_add(36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes());
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_bytes.to_le_bytes());
    h
}

/// The largest number of 16-bit mono samples a WAV file can hold (its sizes are 32-bit).
pub const MAX_SAMPLES: u64 = (u32::MAX as u64 - 36) / 2;

/// Writes a mono 16-bit PCM WAV: the header of [`pcm16_header`], then the samples; the sizes
/// are written into the header by [`Pcm16Writer::finish`].
///
/// Written by hand rather than with hound: the samples go out as one byte copy per chunk
/// (hound writes sample by sample), and the telephony codecs hound lacks (u-law, A-law)
/// need the same writer.
pub struct Pcm16Writer<W: Write + Seek> {
    inner: W,
    rate: u32,
    samples: u64,
    bytes: Vec<u8>,
}

impl<W: Write + Seek> Pcm16Writer<W> {
    /// Starts a mono file at `rate` Hz.
    pub fn new(mut writer: W, rate: u32) -> io::Result<Self> {
        writer.write_all(&pcm16_header(rate, 1, 0))?;
        Ok(Pcm16Writer { inner: writer, rate, samples: 0, bytes: Vec::new() })
    }

    /// Appends samples. Fails with `FileTooLarge` past the 4 GB a WAV can hold.
    pub fn write(&mut self, samples: &[i16]) -> io::Result<()> {
        if self.samples + samples.len() as u64 > MAX_SAMPLES {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "too long for a WAV file (over 4 GB)",
            ));
        }
        self.bytes.clear();
        self.bytes.resize(samples.len() * 2, 0);
        for (d, s) in self.bytes.chunks_exact_mut(2).zip(samples) {
            d.copy_from_slice(&s.to_le_bytes());
        }
        self.inner.write_all(&self.bytes)?;
        self.samples += samples.len() as u64;
        Ok(())
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Writes the final sizes into the header and flushes; hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        // Bounded by MAX_SAMPLES, so it fits.
        let data = u32::try_from(self.samples * 2).unwrap_or(u32::MAX);
        self.inner.seek(SeekFrom::Start(0))?;
        self.inner.write_all(&pcm16_header(self.rate, 1, data))?;
        self.inner.seek(SeekFrom::End(0))?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_are_exact_and_others_dithered() {
        let mut q = Quantizer::new();
        let mut out = Vec::new();
        let input = [0.0, 0.5, -1.0, 1.0 / 32768.0, -12345.0 / 32768.0];
        q.quantize(&input, &mut out);
        assert_eq!(out, vec![0, 16384, -32768, 1, -12345]);
        assert_eq!(q.clipped(), 0);

        // A value halfway between two steps lands on either, about half the time each,
        // and the mean stays unbiased.
        let mut out = Vec::new();
        q.quantize(&vec![100.5 / 32768.0; 10_000], &mut out);
        let mean = out.iter().map(|&v| f64::from(v)).sum::<f64>() / 10_000.0;
        assert!((mean - 100.5).abs() < 0.05, "mean {mean}");
        assert!(out.iter().all(|&v| (99..=102).contains(&v)));
    }

    #[test]
    fn clipping_is_counted() {
        let mut q = Quantizer::new();
        let mut out = Vec::new();
        q.quantize(&[1.0, 1.5, -1.2, 0.2, f32::INFINITY, f32::NAN], &mut out);
        assert_eq!(out[0], 32767);
        assert_eq!(out[1], 32767);
        assert_eq!(out[2], -32768);
        assert_eq!(out[5], 0);
        assert_eq!(q.clipped(), 4);
    }

    #[test]
    fn same_input_same_output() {
        let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 0.3).collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Quantizer::new().quantize(&input, &mut a);
        Quantizer::new().quantize(&input, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn writes_the_canonical_header_and_hound_reads_it() {
        let mut w = Pcm16Writer::new(std::io::Cursor::new(Vec::new()), 48000).unwrap();
        w.write(&[1, -2, 3]).unwrap();
        w.write(&[i16::MIN, i16::MAX]).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(bytes.len(), 44 + 10);
        assert_eq!(bytes[..44], pcm16_header(48000, 1, 10));
        let mut r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(r.spec().sample_rate, 48000);
        let samples: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(samples, vec![1, -2, 3, i16::MIN, i16::MAX]);
    }
}
