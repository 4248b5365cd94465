//! A fork of nanomp3-core 0.2.0 (<https://github.com/robbie01/nanomp3>, by Robert B. Langer,
//! MIT OR Apache-2.0; the MIT licence is `LICENSE-MIT` beside this file): a safe Rust port of
//! [minimp3](https://github.com/lieff/minimp3) whose output is bit-identical to minimp3's.
//!
//! Why a fork: nanomp3's polyphase synthesis stored one row of its history as two single floats
//! and loaded it at once as four, a store-forwarding stall on every iteration that was about a
//! fifth of all MP3 decoding time. The change (marked `promptwav:` in `minimp3.rs`) keeps the
//! same sums in the same order; a test decodes every MP3 fixture with this fork and with the
//! published crate and requires the same bits. The change is meant to go upstream; once
//! published there, this module goes and the crate comes back.
//!
//! Also changed from 0.2.0, and only to build inside this crate: Layer I and II (the `layer12`
//! feature; symphonia decodes those here), the build without the `wide` crate, and what nothing
//! here uses (the `__private` module, `Decoder::new_minimp3_compat`, `DecodeError::frame_info`)
//! are left out. The code is otherwise as published (and so kept out of `rustfmt`); its
//! documentation is <https://docs.rs/nanomp3-core/0.2.0>.
//!
//! Guarantees: the same samples as nanomp3-core 0.2.0 for every input; no `unsafe`. Like it, it
//! can panic on some crafted frames; `super::mp3` catches that and reports a damaged frame.

// Vendored code: its unwraps turn fixed-size slices into arrays (they cannot fail), and a panic
// on a damaged frame is caught by the caller (see above).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod minimp3;
#[cfg(test)]
mod parity;

pub use minimp3::Sample;

/// The minimum length of the PCM output buffer, in samples.
pub const MAX_SAMPLES_PER_FRAME: usize = 1152*2;

/// The core MP3 decoder, with no internal buffering.
///
/// The decoder is about 22 KiB: it holds the filterbank state between frames
/// and the working memory for decoding one. Nothing is allocated.
#[derive(Clone)]
pub struct Decoder {
    dec: minimp3::Mp3Dec,
    minimp3_compat: bool,
}


/// The channel formats that may be encoded in an MP3 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channels {
    Mono = 1,
    Stereo
}

impl Channels {
    /// Returns the corresponding number of channels for `self`.
    pub fn num(self) -> u8 {
        self as u8
    }
}

/// Information about a frame found by [`Decoder::decode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameInfo {
    /// The number of PCM samples produced per channel (0 when the frame
    /// produced no audio).
    pub samples_produced: usize,
    /// The number of channels in this frame.
    pub channels: Channels,
    /// Sample rate of this frame, in Hz.
    pub sample_rate: u32,
    /// The frame's bitrate, in kilobits per second (0 for free-format streams).
    pub bitrate: u32,
    /// The MPEG layer: 1, 2 or 3 (MP1, MP2 or MP3).
    pub layer: u8,
}

/// Why [`Decoder::decode`] produced no audio.
///
/// Every variant except `NoFrame` carries the frame's header information.
/// `NoFrame` at the end of the input and `ReservoirUnavailable` right after
/// starting or seeking are part of normal decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input holds no complete frame, so the consumed bytes (all of the
    /// input, unless it was empty) were skipped as tags or junk. At the end of
    /// a stream this means there's nothing left; mid-stream, the input was
    /// cut short or corrupt.
    NoFrame,
    /// The frame uses bit-reservoir data from earlier frames that weren't
    /// decoded, as happens for the first frame or two after starting in the
    /// middle of a stream or seeking. Later frames decode normally.
    ReservoirUnavailable(FrameInfo),
    /// The frame is corrupt and was skipped.
    Corrupt(FrameInfo),
    /// The frame is Layer I or II and the `layer12` feature is disabled.
    UnsupportedLayer(FrameInfo),
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DecodeError::NoFrame => "no complete MPEG audio frame in the input",
            DecodeError::ReservoirUnavailable(_) => "frame depends on bit reservoir data that wasn't decoded",
            DecodeError::Corrupt(_) => "corrupt frame",
            DecodeError::UnsupportedLayer(_) => "Layer I/II frame (the layer12 feature is disabled)",
        })
    }
}

impl core::error::Error for DecodeError {}

impl Decoder {
    /// Instantiates a `Decoder`.
    pub const fn new() -> Self {
        Self { dec: minimp3::Mp3Dec::new(), minimp3_compat: false }
    }

    /// Decodes the next frame of `mp3` into `pcm`. Returns how many bytes of
    /// `mp3` were consumed (always advance past them, whatever the result) and
    /// either the decoded frame's information or why no audio came out.
    ///
    /// `mp3` should hold several frames' worth of data (16 KiB is plenty):
    /// frames are only recognized once the frames after them are seen, and a
    /// frame cut off at the end of the input is skipped as junk.
    ///
    /// Samples are interleaved. `pcm` can hold `f32` samples (nominally in
    /// `[-1.0, 1.0]`, not clipped) or signed or unsigned 8-, 16- or 32-bit
    /// integers; see [`Sample`] for the conversions.
    ///
    /// # Panics
    ///
    /// Panics if `pcm` is less than [`MAX_SAMPLES_PER_FRAME`] long.
    pub fn decode<S: Sample>(&mut self, mp3: &[u8], pcm: &mut [S]) -> (usize, Result<FrameInfo, DecodeError>) {
        assert!(pcm.len() >= MAX_SAMPLES_PER_FRAME, "pcm buffer too small");

        let mut info = minimp3::FrameInfo::default();
        let samples = minimp3::mp3dec_decode_frame(&mut self.dec, mp3, Some(pcm), &mut info, self.minimp3_compat);
        let frame = FrameInfo {
            samples_produced: samples,
            channels: if info.channels == 1 { Channels::Mono } else { Channels::Stereo },
            sample_rate: info.hz,
            bitrate: info.bitrate_kbps,
            layer: info.layer,
        };
        let result = match info.status {
            minimp3::Status::Decoded => Ok(frame),
            minimp3::Status::NoFrame | minimp3::Status::HeaderOnly => Err(DecodeError::NoFrame),
            minimp3::Status::Corrupt => Err(DecodeError::Corrupt(frame)),
            minimp3::Status::ReservoirUnavailable => Err(DecodeError::ReservoirUnavailable(frame)),
            minimp3::Status::UnsupportedLayer => Err(DecodeError::UnsupportedLayer(frame)),
        };
        (info.frame_bytes, result)
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}