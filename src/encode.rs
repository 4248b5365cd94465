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

use std::io::{Seek, Write};

/// The seed of the dither generator: fixed, so output is reproducible.
pub const DITHER_SEED: u64 = 0x05EE_D0FD_17E4;

/// A small, fast generator (xorshift64*), enough for dither noise.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }
}

/// Rounds to the nearest integer (ties to even) without a libm call. Exact for |x| < 2^22.
#[inline(always)]
fn round(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    (x + MAGIC) - MAGIC
}

/// Float to 16-bit conversion with dither and clip counting.
#[derive(Debug, Clone)]
pub struct Quantizer {
    rng: Rng,
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
        Quantizer { rng: Rng(DITHER_SEED), clipped: 0 }
    }

    /// Samples clipped so far.
    pub fn clipped(&self) -> u64 {
        self.clipped
    }

    /// Converts `input` (nominal range [-1, 1)) to 16-bit samples appended to `out`.
    pub fn quantize(&mut self, input: &[f32], out: &mut Vec<i16>) {
        out.reserve(input.len());
        for &x in input {
            // NaN becomes 0; infinities clip.
            let y = if x.is_nan() { 0.0 } else { (x * 32768.0).clamp(-65536.0, 65536.0) };
            let r = round(y);
            let v = if r == y {
                r
            } else {
                let tpdf = self.rng.unit() - self.rng.unit();
                round(y + tpdf)
            };
            let clamped = v.clamp(-32768.0, 32767.0);
            if clamped != v {
                self.clipped += 1;
            }
            out.push(clamped as i16);
        }
    }
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

/// Writes a mono 16-bit PCM WAV through hound, which writes exactly the 44-byte header above.
pub struct Pcm16Writer<W: Write + Seek> {
    inner: hound::WavWriter<W>,
    samples: u64,
}

impl<W: Write + Seek> Pcm16Writer<W> {
    /// Starts a mono file at `rate` Hz.
    pub fn new(writer: W, rate: u32) -> Result<Self, hound::Error> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        Ok(Pcm16Writer { inner: hound::WavWriter::new(writer, spec)?, samples: 0 })
    }

    /// Appends samples.
    pub fn write(&mut self, samples: &[i16]) -> Result<(), hound::Error> {
        if self.samples + samples.len() as u64 > MAX_SAMPLES {
            return Err(hound::Error::TooWide);
        }
        let mut w = self.inner.get_i16_writer(samples.len() as u32);
        for &s in samples {
            w.write_sample(s);
        }
        w.flush()?;
        self.samples += samples.len() as u64;
        Ok(())
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Writes the final sizes into the header and hands back nothing: the writer is flushed.
    pub fn finish(self) -> Result<(), hound::Error> {
        self.inner.finalize()
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
    fn hound_writes_the_canonical_header() {
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut w = Pcm16Writer::new(&mut cursor, 48000).unwrap_or_else(|e| panic!("{e}"));
        w.write(&[1, -2, 3]).unwrap_or_else(|e| panic!("{e}"));
        w.finish().unwrap_or_else(|e| panic!("{e}"));
        let bytes = cursor.into_inner();
        assert_eq!(bytes.len(), 44 + 6);
        assert_eq!(bytes[..44], pcm16_header(48000, 1, 6));
    }
}
