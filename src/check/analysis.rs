//! Content analysis: loudness and true peak (EBU R128 by the `ebur128` crate), silence, clipping
//! DC offset, leading and trailing silence; streamed, so memory does not grow with the length.
//!
//! The samples come from the WAV data chunk read directly ([`analyze_wav`]: integer PCM, float,
//! G.711, as much as the file really holds, whatever its header claims) or from the decoder for
//! any other codec or container ([`analyze_decoded`]).
//!
//! Clipping is counted by the definition `convert` uses on the same source
//! ([`crate::mix::ClipCounter`], full scale by [`crate::mix::full_scale`]), so both give the
//! same count.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use ebur128::{EbuR128, Mode};

use super::riff::{Data, Fmt};
use crate::decode::Decoder;
use crate::encode::{alaw_to_linear, mulaw_to_linear};
use crate::mix::{self, ChannelStats, ClipCounter, FULL_SCALE_16};
use crate::profile::ContentRules;

/// What the analysis measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Content {
    /// The sample rate.
    pub rate: u32,
    /// Frames analysed.
    pub frames: u64,
    /// Integrated loudness in LUFS; `None` for silence or audio under 0.4 s.
    pub loudness_lufs: Option<f64>,
    /// True peak in dBTP; `None` for digital silence or when unmeasurable.
    pub true_peak_dbtp: Option<f64>,
    /// The largest sample magnitude (1.0 is full scale).
    pub sample_peak: f64,
    /// The first frame louder than the silence threshold.
    pub first_loud: Option<u64>,
    /// The last frame louder than the silence threshold.
    pub last_loud: Option<u64>,
    /// The largest channel mean (DC offset), signed, as a fraction of full scale.
    pub dc_offset: f64,
    /// Runs of consecutive full-scale samples at least `clip_run` long.
    pub clip_runs: u64,
    /// Samples in those runs.
    pub clipped_samples: u64,
    /// The frame where the first run starts.
    pub first_clip: Option<u64>,
    /// A stereo file whose plain average `(L+R)/2` loses level (one silent channel, or
    /// channels in opposite phase): what is lost, in words (see
    /// [`ChannelStats::average_loss`]).
    pub average_loss: Option<String>,
}

impl Content {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.rate.max(1))
    }

    /// The sample peak in dBFS; `None` for digital silence (or a peak that is no number).
    pub fn sample_peak_dbfs(&self) -> Option<f64> {
        (self.sample_peak > 0.0 && self.sample_peak.is_finite())
            .then(|| 20.0 * self.sample_peak.log10())
    }

    /// Seconds of silence at the start (all of it for silence).
    pub fn leading_silence_s(&self) -> f64 {
        let frames = self.first_loud.unwrap_or(self.frames);
        frames as f64 / f64::from(self.rate.max(1))
    }

    /// Seconds of silence at the end (all of it for silence).
    pub fn trailing_silence_s(&self) -> f64 {
        let frames = match self.last_loud {
            Some(l) => self.frames.saturating_sub(l + 1),
            None => self.frames,
        };
        frames as f64 / f64::from(self.rate.max(1))
    }
}

/// Streams interleaved f32 samples through every measurement.
pub struct Analyzer {
    channels: usize,
    rate: u32,
    ebu: Option<EbuR128>,
    silence: f32,
    frames: u64,
    peak: f32,
    first_loud: Option<u64>,
    last_loud: Option<u64>,
    sums: Vec<f64>,
    /// Clipping, by the definition convert shares.
    clips: ClipCounter,
    /// Stereo only: the channels' energies and correlation.
    stereo: Option<ChannelStats>,
    scratch: Vec<f32>,
}

impl Analyzer {
    /// An analyzer for `channels` channels at `rate` Hz; a sample at or beyond `full_scale` in
    /// magnitude counts as full scale.
    pub fn new(channels: usize, rate: u32, rules: &ContentRules, full_scale: f32) -> Analyzer {
        let channels = channels.max(1);
        let ebu = u32::try_from(channels)
            .ok()
            .and_then(|c| EbuR128::new(c, rate, Mode::I | Mode::TRUE_PEAK).ok());
        Analyzer {
            channels,
            rate,
            ebu,
            silence: 10f64.powf(rules.silence_dbfs / 20.0) as f32,
            frames: 0,
            peak: 0.0,
            first_loud: None,
            last_loud: None,
            sums: vec![0.0; channels],
            clips: ClipCounter::new(rules.clip_run, full_scale),
            stereo: (channels == 2).then(ChannelStats::default),
            scratch: Vec::new(),
        }
    }

    /// Adds interleaved frames (a trailing partial frame is ignored).
    pub fn push_interleaved(&mut self, samples: &[f32]) {
        let n = samples.len() / self.channels * self.channels;
        let samples = &samples[..n];
        if let Some(ebu) = &mut self.ebu
            && ebu.add_frames_f32(samples).is_err()
        {
            self.ebu = None;
        }
        if let Some(stereo) = &mut self.stereo {
            stereo.push_interleaved_stereo(samples);
        }
        for frame in samples.chunks_exact(self.channels) {
            self.clips.push_frame(frame);
            let index = self.frames;
            let mut loud = false;
            for (c, &x) in frame.iter().enumerate() {
                let x = if x.is_finite() { x } else { 0.0 };
                let a = x.abs();
                if a > self.peak {
                    self.peak = a;
                }
                if a > self.silence {
                    loud = true;
                }
                self.sums[c] += f64::from(x);
            }
            if loud {
                if self.first_loud.is_none() {
                    self.first_loud = Some(index);
                }
                self.last_loud = Some(index);
            }
            self.frames += 1;
        }
    }

    /// Adds planar frames: one slice per channel, each at least `frames` long.
    pub fn push_planar(&mut self, planes: &[Vec<f32>], frames: usize) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.reserve(frames * self.channels);
        for i in 0..frames {
            for c in 0..self.channels {
                scratch.push(planes.get(c).and_then(|p| p.get(i)).copied().unwrap_or(0.0));
            }
        }
        self.push_interleaved(&scratch);
        self.scratch = scratch;
    }

    /// The measurements.
    pub fn finish(self) -> Content {
        let clipping = self.clips.clipping();
        let (loudness_lufs, true_peak_dbtp) = match &self.ebu {
            Some(ebu) => {
                let lufs = ebu.loudness_global().ok().filter(|l| l.is_finite());
                let peak = (0..self.channels as u32)
                    .filter_map(|c| ebu.true_peak(c).ok())
                    .fold(0.0f64, f64::max);
                let dbtp = (peak > 0.0).then(|| 20.0 * peak.log10());
                (lufs, dbtp.filter(|d| d.is_finite()))
            }
            None => (None, None),
        };
        let dc_offset = if self.frames == 0 {
            0.0
        } else {
            self.sums
                .iter()
                .map(|s| s / self.frames as f64)
                .fold(0.0f64, |acc, m| if m.abs() > acc.abs() { m } else { acc })
        };
        Content {
            rate: self.rate,
            frames: self.frames,
            loudness_lufs,
            true_peak_dbtp,
            sample_peak: f64::from(self.peak),
            first_loud: self.first_loud,
            last_loud: self.last_loud,
            dc_offset,
            clip_runs: clipping.runs,
            clipped_samples: clipping.samples,
            first_clip: clipping.first_frame,
            average_loss: self.stereo.as_ref().and_then(ChannelStats::average_loss),
        }
    }
}

/// How one sample is stored in the data chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sample {
    U8,
    I16,
    I24,
    I32,
    F32,
    F64,
    Alaw,
    Mulaw,
}

impl Sample {
    fn of(fmt: &Fmt) -> Option<Sample> {
        Some(match (fmt.codec_tag(), fmt.sample_bytes()) {
            (1, 1) => Sample::U8,
            (1, 2) => Sample::I16,
            (1, 3) => Sample::I24,
            (1, 4) => Sample::I32,
            (3, 4) => Sample::F32,
            (3, 8) => Sample::F64,
            (6, 1) => Sample::Alaw,
            (7, 1) => Sample::Mulaw,
            _ => return None,
        })
    }

    fn bytes(self) -> usize {
        match self {
            Sample::U8 | Sample::Alaw | Sample::Mulaw => 1,
            Sample::I16 => 2,
            Sample::I24 => 3,
            Sample::I32 | Sample::F32 => 4,
            Sample::F64 => 8,
        }
    }

    /// The magnitude from which a sample counts as full scale.
    fn full_scale(self, bits: u16) -> f32 {
        match self {
            Sample::F32 | Sample::F64 => FULL_SCALE_16,
            Sample::Mulaw => mix::FULL_SCALE_MULAW,
            Sample::Alaw => mix::FULL_SCALE_ALAW,
            _ => mix::full_scale_int(u32::from(bits)),
        }
    }

    fn decode(self, b: &[u8]) -> f32 {
        match self {
            Sample::U8 => (f32::from(b[0]) - 128.0) / 128.0,
            Sample::I16 => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
            Sample::I24 => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
            Sample::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
            Sample::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Sample::F64 => {
                f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
            }
            Sample::Alaw => f32::from(alaw_to_linear(b[0])) / 32768.0,
            Sample::Mulaw => f32::from(mulaw_to_linear(b[0])) / 32768.0,
        }
    }
}

/// Whether [`analyze_wav`] can read this format itself.
pub fn can_read(fmt: &Fmt) -> bool {
    fmt.channels > 0 && fmt.rate > 0 && Sample::of(fmt).is_some()
}

/// Analyses the audio a WAV file really holds: `data.available` bytes from `data.offset`, in
/// whole frames of the size the fmt chunk's bit depth and channels imply.
pub fn analyze_wav(
    file: &mut File,
    fmt: &Fmt,
    data: &Data,
    rules: &ContentRules,
) -> std::io::Result<Option<Content>> {
    let Some(sample) = Sample::of(fmt) else {
        return Ok(None);
    };
    if fmt.channels == 0 || fmt.rate == 0 {
        return Ok(None);
    }
    let channels = usize::from(fmt.channels);
    let frame_bytes = sample.bytes() * channels;
    let mut analyzer = Analyzer::new(
        channels,
        fmt.rate,
        rules,
        sample.full_scale(fmt.valid_bits.unwrap_or(fmt.bits)),
    );
    let mut left = data.available / frame_bytes as u64 * frame_bytes as u64;
    let mut buf = vec![0u8; (64 * 1024 / frame_bytes).max(1) * frame_bytes];
    let mut samples: Vec<f32> = Vec::with_capacity(buf.len() / sample.bytes());
    file.seek(SeekFrom::Start(data.offset))?;
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        let mut got = 0;
        while got < want {
            match file.read(&mut buf[got..want]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let whole = got / frame_bytes * frame_bytes;
        samples.clear();
        samples.extend(buf[..whole].chunks_exact(sample.bytes()).map(|b| sample.decode(b)));
        analyzer.push_interleaved(&samples);
        if got < want {
            break;
        }
        left -= want as u64;
    }
    Ok(Some(analyzer.finish()))
}

/// Analyses any file the decoder reads. On a decoding failure, returns what was measured up to
/// there and the reason.
pub fn analyze_decoded(
    path: &Path,
    rules: &ContentRules,
) -> Result<(Content, Option<String>), String> {
    let mut decoder = Decoder::open(path).map_err(|e| e.reason().to_string())?;
    let info = decoder.info().clone();
    let mut analyzer: Option<Analyzer> = None;
    let mut failure = None;
    loop {
        match decoder.next_chunk() {
            Ok(Some(chunk)) => {
                let a = analyzer.get_or_insert_with(|| {
                    let full_scale = mix::full_scale(&info.codec, info.bits_per_sample);
                    Analyzer::new(chunk.planes.len(), info.sample_rate, rules, full_scale)
                });
                a.push_planar(chunk.planes, chunk.frames);
            }
            Ok(None) => break,
            Err(e) => {
                failure = Some(e.reason().to_string());
                break;
            }
        }
    }
    let content = match analyzer {
        Some(a) => a.finish(),
        None => Content { rate: info.sample_rate, ..Content::default() },
    };
    Ok((content, failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DEFAULT_CONTENT;

    fn analyze(samples: &[f32], rate: u32) -> Content {
        let mut a = Analyzer::new(1, rate, &DEFAULT_CONTENT, FULL_SCALE_16);
        for chunk in samples.chunks(1000) {
            a.push_interleaved(chunk);
        }
        a.finish()
    }

    #[test]
    fn tone_loudness_and_peak() {
        // A 1 kHz sine at -20 dBFS peak: about -23 LUFS (mono, no dual-mono gain), -20 dBTP.
        let amp = 0.1f32;
        let s: Vec<f32> = (0..48000)
            .map(|i| amp * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48000.0).sin())
            .collect();
        let c = analyze(&s, 48000);
        let lufs = c.loudness_lufs.unwrap_or(f64::NAN);
        assert!((lufs + 23.0).abs() < 0.5, "{lufs}");
        let tp = c.true_peak_dbtp.unwrap_or(f64::NAN);
        assert!((tp + 20.0).abs() < 0.2, "{tp}");
        // The sample peak: the sine's largest sample, -20 dBFS, never above the true peak.
        let peak = c.sample_peak_dbfs().unwrap_or(f64::NAN);
        assert!((peak + 20.0).abs() < 0.01 && peak <= tp + 0.01, "{peak} {tp}");
        assert_eq!(c.clip_runs, 0);
        assert!(c.dc_offset.abs() < 1e-4);
        assert_eq!(c.first_loud, Some(1));
    }

    #[test]
    fn silence_clipping_and_dc() {
        let c = analyze(&[0.0; 4800], 48000);
        assert_eq!(c.first_loud, None);
        assert_eq!(c.loudness_lufs, None);
        assert_eq!(c.true_peak_dbtp, None);
        assert_eq!(c.sample_peak_dbfs(), None);

        let mut s = vec![0.5f32; 100];
        s.extend([1.0, 1.0, 1.0, 1.0, 0.2, -1.0, -1.0, 1.0, 1.0, 1.0]);
        let c = analyze(&s, 48000);
        assert_eq!(c.clip_runs, 2);
        assert_eq!(c.clipped_samples, 7);
        assert_eq!(c.first_clip, Some(100));
        assert!(c.dc_offset > 0.4);
    }

    #[test]
    fn g711_tables() {
        assert_eq!(mulaw_to_linear(0xFF), 0);
        assert_eq!(mulaw_to_linear(0x80), 32124);
        assert_eq!(mulaw_to_linear(0x00), -32124);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
    }
}
