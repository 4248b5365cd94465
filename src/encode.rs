//! Encoding: mono f32 ► a WAV file: 16-bit PCM with the plain 44-byte header, or G.711 (u-law or
//! A-law) with the header strict parsers expect of a non-PCM WAV.
//!
//! Guarantees:
//! - PCM: the header is the canonical 44 bytes: `RIFF`, `WAVE`, a 16-byte `fmt ` chunk with format
//!   tag 1 (PCM, never WAVE_FORMAT_EXTENSIBLE), then `data`; no other chunk, sizes exact.
//! - G.711: `RIFF`, `WAVE`, an 18-byte `fmt ` chunk (WAVEFORMATEX: format tag 7 for u-law or 6
//!   for A-law, 8 bits, block align 1, cbSize 0), a `fact` chunk with the number of samples, then
//!   `data` (with its pad byte when the sample count is odd): what the RIFF specification asks of
//!   every non-PCM format. Each sample is the G.711 code whose value is nearest the 16-bit sample.
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
        self.quantize_into(input, &mut out[start..]);
    }

    /// Converts `input` as [`Quantizer::quantize`] does, into `dst` (as long as `input`): a
    /// buffer kept from one call to the next is then not filled with zeros every time.
    pub(crate) fn quantize_into(&mut self, input: &[f32], dst: &mut [i16]) {
        debug_assert_eq!(input.len(), dst.len());
        let mut chunks = input.chunks_exact(LANES);
        let mut outs = dst.chunks_exact_mut(LANES);
        // Whole groups of LANES samples, written so that the compiler vectorizes them: the
        // lane states and clip counts live in local arrays, every step is a select, not a
        // branch.
        let mut states = self.lanes;
        let mut over = [0u32; LANES];
        for (src, dst) in (&mut chunks).zip(&mut outs) {
            let mut values = [0f32; LANES];
            for i in 0..LANES {
                values[i] = dithered(src[i], &mut states[i]);
            }
            for i in 0..LANES {
                let clamped = values[i].clamp(-32768.0, 32767.0);
                over[i] += u32::from(clamped != values[i]);
                dst[i] = to_i16(clamped);
            }
        }
        self.lanes = states;
        let mut clipped: u64 = over.iter().map(|&n| u64::from(n)).sum();
        for (i, (&x, d)) in chunks.remainder().iter().zip(outs.into_remainder()).enumerate() {
            let v = dithered(x, &mut self.lanes[i]);
            let clamped = v.clamp(-32768.0, 32767.0);
            clipped += u64::from(clamped != v);
            *d = to_i16(clamped);
        }
        self.clipped += clipped;
    }
}

/// A whole number in the 16-bit range, as `i16`, by its bits after adding 1.5 * 2^23 (where a
/// float's last mantissa bit is 1): plain integer arithmetic that vectorizes, where `as i32`
/// checks every value for the saturating conversion.
#[inline(always)]
fn to_i16(v: f32) -> i16 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    ((v + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32) as i16
}

/// One sample, scaled to the 16-bit grid: a value on the grid is kept; others get TPDF dither
/// of ±1 LSB (the difference of two uniform 16-bit numbers from one step of the lane's
/// xorshift32) and are rounded. NaN becomes 0; the result is not yet clipped to 16 bits.
#[inline(always)]
fn dithered(x: f32, state: &mut u32) -> f32 {
    let mut s = *state;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    *state = s;
    let tpdf = ((s >> 16) as i32 - (s & 0xFFFF) as i32) as f32 * (1.0 / 65536.0);
    let x = if x.is_nan() { 0.0 } else { x };
    let y = (x * 32768.0).clamp(-65536.0, 65536.0);
    let r = round(y);
    if r == y { r } else { round(y + tpdf) }
}

/// The WAV header of a 16-bit PCM file, as [`WavWriter`] writes it.
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

/// The G.711 companding laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum G711 {
    /// µ-law (North America, Japan): WAV format tag 7.
    Mulaw,
    /// A-law (Europe and most other countries): WAV format tag 6.
    Alaw,
}

impl G711 {
    /// The WAV format tag.
    pub fn format_tag(self) -> u16 {
        match self {
            G711::Mulaw => 7,
            G711::Alaw => 6,
        }
    }

    /// The 16-bit value a code stands for (ITU-T G.711, scaled to 16 bits as every decoder
    /// does: u-law spans ±32124, A-law ±32256).
    /// The 16-bit value `sample` comes back as after encoding and decoding: what a file in
    /// this law really holds.
    pub fn round_trip(self, sample: i16) -> i16 {
        self.decode(self.encode(sample))
    }

    pub fn decode(self, code: u8) -> i16 {
        match self {
            G711::Mulaw => mulaw_to_linear(code),
            G711::Alaw => alaw_to_linear(code),
        }
    }

    /// The code whose value is nearest `sample` (ties go to the smaller magnitude; zero is
    /// u-law's positive zero, 0xFF).
    pub fn encode(self, sample: i16) -> u8 {
        let table = match self {
            G711::Mulaw => &MULAW_TABLE,
            G711::Alaw => &ALAW_TABLE,
        };
        table.get_or_init(|| nearest_codes(self))[(i32::from(sample) + 32768) as usize]
    }
}

/// G.711 u-law code to 16-bit linear (the ITU-T G.711 expansion).
pub fn mulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let magnitude = ((i32::from(u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 { 0x84 - magnitude } else { magnitude - 0x84 }) as i16
}

/// G.711 A-law code to 16-bit linear (the ITU-T G.711 expansion).
pub fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let mut magnitude = i32::from(a & 0x0F) << 4;
    let segment = (a & 0x70) >> 4;
    match segment {
        0 => magnitude += 8,
        1 => magnitude += 0x108,
        _ => magnitude = (magnitude + 0x108) << (segment - 1),
    }
    (if a & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

static MULAW_TABLE: std::sync::OnceLock<Box<[u8]>> = std::sync::OnceLock::new();
static ALAW_TABLE: std::sync::OnceLock<Box<[u8]>> = std::sync::OnceLock::new();

/// For every 16-bit value (offset by 32768), the code of `law` whose value is nearest.
fn nearest_codes(law: G711) -> Box<[u8]> {
    // Every code with its value, by value; of codes with the same value (u-law's two zeros)
    // the larger code, 0xFF, is kept.
    let mut levels: Vec<(i32, u8)> = (0..=255u8).map(|c| (i32::from(law.decode(c)), c)).collect();
    levels.sort_unstable();
    levels.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 = kept.1.max(next.1);
        }
        same
    });
    let mut table = vec![0u8; 65536].into_boxed_slice();
    let mut i = 0;
    for (slot, x) in table.iter_mut().zip(-32768i32..=32767) {
        while i + 1 < levels.len() && levels[i + 1].0 <= x {
            i += 1;
        }
        let (low, high) = (levels[i], levels.get(i + 1).copied().unwrap_or(levels[i]));
        *slot = if x <= low.0 {
            low.1
        } else {
            let (dl, dh) = (x - low.0, high.0 - x);
            // Ties go to the level nearer zero.
            if dl < dh || (dl == dh && low.0.abs() <= high.0.abs()) { low.1 } else { high.1 }
        };
    }
    table
}

/// The header of a mono G.711 WAV of `frames` samples, as [`WavWriter`] writes it: 58 bytes.
pub fn g711_header(law: G711, rate: u32, frames: u32) -> [u8; 58] {
    let mut h = [0u8; 58];
    let pad = frames % 2;
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&frames.saturating_add(50 + pad).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&18u32.to_le_bytes());
    h[20..22].copy_from_slice(&law.format_tag().to_le_bytes());
    h[22..24].copy_from_slice(&1u16.to_le_bytes());
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&rate.to_le_bytes());
    h[32..34].copy_from_slice(&1u16.to_le_bytes());
    h[34..36].copy_from_slice(&8u16.to_le_bytes());
    h[36..38].copy_from_slice(&0u16.to_le_bytes());
    h[38..42].copy_from_slice(b"fact");
    h[42..46].copy_from_slice(&4u32.to_le_bytes());
    h[46..50].copy_from_slice(&frames.to_le_bytes());
    h[50..54].copy_from_slice(b"data");
    h[54..58].copy_from_slice(&frames.to_le_bytes());
    h
}

/// The largest number of G.711 samples a WAV file can hold (its sizes are 32-bit).
pub const MAX_G711_SAMPLES: u64 = u32::MAX as u64 - 52;

/// The size in bytes of the mono WAV of `frames` samples [`WavWriter`] writes: 16-bit PCM when
/// `law` is `None`, else G.711 (its pad byte included).
pub fn wav_bytes(law: Option<G711>, frames: u64) -> u64 {
    match law {
        None => 44 + 2 * frames,
        Some(_) => 58 + frames + frames % 2,
    }
}

/// The most samples a mono WAV in `law` (16-bit PCM for `None`) can hold: its sizes are 32-bit.
pub fn max_samples(law: Option<G711>) -> u64 {
    if law.is_some() { MAX_G711_SAMPLES } else { MAX_SAMPLES }
}

/// The first `len` elements of `buf`, a buffer kept from one call to the next and overwritten
/// whole by the caller: it is grown (and filled with zeros) only when shorter, not cleared and
/// filled again every time.
pub(crate) fn grown<T: Copy + Default>(buf: &mut Vec<T>, len: usize) -> &mut [T] {
    if buf.len() < len {
        buf.resize(len, T::default());
    }
    &mut buf[..len]
}

/// Writes a mono WAV, 16-bit PCM or G.711: the header ([`pcm16_header`] or [`g711_header`]),
/// then the samples, coded on the way (two bytes each, or one G.711 code); the sizes (and
/// G.711's fact count and pad byte) are written by [`WavWriter::finish`].
///
/// Written by hand rather than with hound: the samples go out as one byte copy per chunk
/// (hound writes sample by sample), and hound lacks the telephony codecs (u-law, A-law).
pub struct WavWriter<W: Write + Seek> {
    inner: W,
    rate: u32,
    /// `None` for 16-bit PCM.
    law: Option<G711>,
    samples: u64,
    bytes: Vec<u8>,
}

impl<W: Write + Seek> WavWriter<W> {
    /// Starts a mono file at `rate` Hz: 16-bit PCM when `law` is `None`, else G.711.
    pub fn new(mut writer: W, rate: u32, law: Option<G711>) -> io::Result<Self> {
        match law {
            None => writer.write_all(&pcm16_header(rate, 1, 0))?,
            Some(law) => writer.write_all(&g711_header(law, rate, 0))?,
        }
        Ok(WavWriter { inner: writer, rate, law, samples: 0, bytes: Vec::new() })
    }

    /// Makes room to write up to `samples` samples at a time without growing the byte buffer
    /// (growing copies it and faults in fresh pages: a cost per file in a batch of short ones).
    pub fn reserve(&mut self, samples: usize) {
        let bytes = samples * self.bytes_per_sample();
        self.bytes.reserve(bytes.saturating_sub(self.bytes.len()));
    }

    /// Two bytes a sample for 16-bit PCM, one G.711 code.
    fn bytes_per_sample(&self) -> usize {
        if self.law.is_some() { 1 } else { 2 }
    }

    /// Appends 16-bit samples (each coded as the nearest G.711 value for a G.711 file). Fails
    /// with `FileTooLarge` past the 4 GB a WAV can hold.
    pub fn write(&mut self, samples: &[i16]) -> io::Result<()> {
        let max = max_samples(self.law);
        if self.samples + samples.len() as u64 > max {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "too long for a WAV file (over 4 GB)",
            ));
        }
        let len = samples.len() * self.bytes_per_sample();
        let bytes = grown(&mut self.bytes, len);
        match self.law {
            None => {
                for (d, s) in bytes.as_chunks_mut::<2>().0.iter_mut().zip(samples) {
                    *d = s.to_le_bytes();
                }
            }
            Some(law) => {
                for (d, &s) in bytes.iter_mut().zip(samples) {
                    *d = law.encode(s);
                }
            }
        }
        self.inner.write_all(bytes)?;
        self.samples += samples.len() as u64;
        Ok(())
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Writes the final sizes into the header (for G.711 also the pad byte after an odd count
    /// and the fact chunk's count) and flushes; hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let (pcm, g711);
        let header: &[u8] = match self.law {
            None => {
                // Bounded by MAX_SAMPLES, so it fits.
                let data = u32::try_from(self.samples * 2).unwrap_or(u32::MAX);
                pcm = pcm16_header(self.rate, 1, data);
                &pcm
            }
            Some(law) => {
                // Bounded by MAX_G711_SAMPLES, so it fits.
                let frames = u32::try_from(self.samples).unwrap_or(u32::MAX);
                if frames % 2 == 1 {
                    self.inner.write_all(&[0])?;
                }
                g711 = g711_header(law, self.rate, frames);
                &g711
            }
        };
        self.inner.seek(SeekFrom::Start(0))?;
        self.inner.write_all(header)?;
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
    fn wav_bytes_is_what_the_writer_writes() {
        for law in [None, Some(G711::Mulaw)] {
            for n in [0usize, 1, 2, 7] {
                let mut w = WavWriter::new(std::io::Cursor::new(Vec::new()), 8000, law).unwrap();
                w.write(&vec![100; n]).unwrap();
                let bytes = w.finish().unwrap().into_inner();
                assert_eq!(bytes.len() as u64, wav_bytes(law, n as u64), "{law:?} {n}");
            }
            assert!(wav_bytes(law, max_samples(law)) <= u64::from(u32::MAX) + 8);
        }
    }

    #[test]
    fn writes_the_canonical_header_and_hound_reads_it() {
        let mut w = WavWriter::new(std::io::Cursor::new(Vec::new()), 48000, None).unwrap();
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
    #[test]
    fn g711_decoding_matches_the_reference_values() {
        assert_eq!(mulaw_to_linear(0xFF), 0);
        assert_eq!(mulaw_to_linear(0x7F), 0);
        assert_eq!(mulaw_to_linear(0x80), 32124);
        assert_eq!(mulaw_to_linear(0x00), -32124);
        assert_eq!(mulaw_to_linear(0xFE), 8);
        assert_eq!(mulaw_to_linear(0x7E), -8);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
    }

    #[test]
    fn g711_encoding_picks_the_nearest_level_and_round_trips_every_code() {
        for law in [G711::Mulaw, G711::Alaw] {
            let mut levels: Vec<i32> = (0..=255u8).map(|c| i32::from(law.decode(c))).collect();
            levels.sort_unstable();
            for x in i16::MIN..=i16::MAX {
                let got = i32::from(law.decode(law.encode(x)));
                let best = levels.iter().map(|l| (l - i32::from(x)).abs()).min().unwrap();
                assert_eq!((got - i32::from(x)).abs(), best, "{law:?} {x}");
            }
            // Every code's own value encodes back to a code of that value.
            for c in 0..=255u8 {
                let v = law.decode(c);
                assert_eq!(law.decode(law.encode(v)), v, "{law:?} {c:#04x}");
            }
        }
        assert_eq!(G711::Mulaw.encode(0), 0xFF);
        assert_eq!(G711::Mulaw.encode(i16::MAX), 0x80);
        assert_eq!(G711::Mulaw.encode(i16::MIN), 0x00);
    }

    #[test]
    fn g711_wav_has_fmt_18_fact_and_pad_and_symphonia_reads_it() {
        for (law, tag) in [(G711::Mulaw, 7u16), (G711::Alaw, 6)] {
            let mut w = WavWriter::new(std::io::Cursor::new(Vec::new()), 8000, Some(law)).unwrap();
            let input: Vec<i16> = vec![0, 1000, -1000, 32000, -32000];
            w.write(&input[..2]).unwrap();
            w.write(&input[2..]).unwrap();
            let bytes = w.finish().unwrap().into_inner();
            // 58-byte header, 5 samples, one pad byte.
            assert_eq!(bytes.len(), 58 + 5 + 1);
            assert_eq!(bytes[..58], g711_header(law, 8000, 5));
            let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
            let u16_at = |i: usize| u16::from_le_bytes(bytes[i..i + 2].try_into().unwrap());
            assert_eq!(u32_at(4) as usize, bytes.len() - 8, "RIFF size includes the pad");
            assert_eq!((u32_at(16), u16_at(20), u16_at(22)), (18, tag, 1));
            assert_eq!(
                (u32_at(24), u32_at(28), u16_at(32), u16_at(34), u16_at(36)),
                (8000, 8000, 1, 8, 0)
            );
            assert_eq!(&bytes[38..42], b"fact");
            assert_eq!((u32_at(42), u32_at(46)), (4, 5));
            assert_eq!(&bytes[50..54], b"data");
            assert_eq!(u32_at(54), 5);
            assert_eq!(bytes[63], 0);
            let codes: Vec<u8> = input.iter().map(|&s| law.encode(s)).collect();
            assert_eq!(bytes[58..63], codes[..]);
        }
    }
}
