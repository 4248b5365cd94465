//! Decoding: any input file ► a stream of f32 planar chunks at the source rate, plus the facts
//! about the source (what it really is, found from its content and never from its name).
//!
//! Guarantees:
//! - The container is found from the bytes (symphonia's probe, plus our own sniffing for the
//!   cases it does not name: WebM, AMR); the file name's extension plays no part. Audio that no
//!   decoder here reads is named, not called "not audio" (raw AC-3, E-AC-3, DTS; WMA/ASF).
//! - A WAV's layout is read first by [`riff`], the reader `check` uses, so both read a WAV the
//!   same way: two fmt chunks are refused; RIFF and data sizes left unset (0 or 0xFFFFFFFF) by a
//!   writer to a pipe mean "to the end of the file"; a cut-off last frame is left out with a
//!   warning ([`SourceInfo::warnings`]); a layout symphonia's reader would refuse whose format
//!   and audio were found (the data before the format, an odd chunk without its pad byte, stray
//!   bytes between chunks, G.711 without the format's extension size) is read as the same
//!   format and audio under a plain header.
//! - Encoder delay and padding are removed (MP3 LAME/Xing, Vorbis and Opus in Ogg, Opus pre-skip
//!   in WebM, AAC priming in MP4 by its edit list or `iTunSMPB`), so sample 0 of the output is
//!   sample 0 of what the encoder was given.
//! - A file that is not audio, has no audio track, is truncated, or decodes to nothing fails with
//!   a reason a person understands; a few damaged packets in an otherwise sound stream are skipped
//!   and counted as a warning (also a packet on which a third-party codec panics).
//! - Memory is bounded by one packet's worth of audio, whatever the file's length; when asked to
//!   decode on worker threads ([`Decoder::decode_ahead`]), by two segments of a few seconds per
//!   worker, and the output is bit for bit what one thread gives.
//! - Opus is always decoded in segments of a few seconds (on one worker unless asked for more),
//!   so its output is a function of the file alone, whatever the threads; a segment starts anew
//!   only after half a second of CELT-only packets, and the output stays within 90 dB SNR of one
//!   decoder going through the file (148 dB and more on every file tested; see `decode/ahead.rs`).
//!
//! Codecs are symphonia's, except MP3 (`mp3`: nanomp3, faster; our fork of it is `nanomp3`), Opus
//! (`opus`) and AMR (`amr`), which symphonia does not decode. Those adapters are crate-private:
//! their signatures are symphonia's types, which are no part of promptwav's API.
//!
//! Container readers of our own, for what symphonia's readers do not give: [`riff`] (a WAV's
//! layout, shared with `check`), `mp4` (MP4 boxes: AAC gapless trims) and `mkv` (Matroska/EBML:
//! the end trim of Opus). Every codec call goes through one panic guard (`guarded`).

/// The symphonia traits of one of our codec adapters (AMR, MP3, Opus, FLAC, PCM), which differ
/// only in how they decode, reset and name themselves. The type has `params` (its
/// `AudioCodecParameters`), `buf` (an `AudioBuffer` of any sample type), `try_new(params, opts)`
/// (or a function given as the second argument that makes the boxed decoder),
/// `decode_inner(&mut self, &PacketRef)` (fills `buf`), `reset_codec(&mut self)` and
/// `info(&self) -> &CodecInfo`; the calling module has the traits in scope and a `SUPPORTED`
/// table.
macro_rules! audio_decoder_adapter {
    ($ty:ident) => {
        audio_decoder_adapter!($ty, |params, opts| Ok(Box::new($ty::try_new(params, opts)?)));
    };
    // With the function the registry calls to make a decoder (which may be another type).
    ($ty:ident, $new:expr) => {
        impl AudioDecoder for $ty {
            fn reset(&mut self) {
                self.reset_codec();
                self.buf.clear();
            }

            fn codec_info(&self) -> &CodecInfo {
                self.info()
            }

            fn codec_params(&self) -> &AudioCodecParameters {
                &self.params
            }

            fn decode_ref(
                &mut self,
                packet: &PacketRef<'_>,
            ) -> SymResult<GenericAudioBufferRef<'_>> {
                self.buf.clear();
                match self.decode_inner(packet) {
                    Ok(()) => Ok(self.buf.as_generic_audio_buffer_ref()),
                    Err(e) => {
                        self.buf.clear();
                        Err(e)
                    }
                }
            }

            fn finalize(&mut self) -> FinalizeResult {
                FinalizeResult::default()
            }

            fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
                self.buf.as_generic_audio_buffer_ref()
            }
        }

        impl RegisterableAudioDecoder for $ty {
            fn try_registry_new(
                params: &AudioCodecParameters,
                opts: &AudioDecoderOptions,
            ) -> SymResult<Box<dyn AudioDecoder>> {
                let new: fn(
                    &AudioCodecParameters,
                    &AudioDecoderOptions,
                ) -> SymResult<Box<dyn AudioDecoder>> = $new;
                new(params, opts)
            }

            fn supported_codecs() -> &'static [SupportedAudioCodec] {
                &SUPPORTED
            }
        }
    };
}

mod ahead;
pub(crate) mod amr;
mod flac;
mod mkv;
pub(crate) mod mp3;
// A fork of a published crate, kept as published apart from marked changes (see its docs).
#[rustfmt::skip]
mod nanomp3;
mod mp4;
pub(crate) mod opus;
mod pcm;
pub mod riff;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::OnceLock;

use symphonia::core::audio::{Channels, GenericAudioBufferRef, Position};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::{Hint, Probe, ProbeOptions};
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;

use crate::error::{Error, ErrorKind, Result, Stage, io_reason};
use crate::mix::Speaker;

/// What the source turned out to be, found while opening it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceInfo {
    /// The container, found from the content: `wav`, `aiff`, `caf`, `mp3`, `mp2`, `mp1`, `mp4`,
    /// `ogg`, `webm`, `mkv`, `flac`, `aac` (ADTS), `amr`.
    pub format: String,
    /// The codec of the audio track (`mp3`, `aac`, `pcm_s16le`, `vorbis`, `opus`, ...).
    pub codec: String,
    /// The sample rate in Hz.
    pub sample_rate: u32,
    /// The number of channels.
    pub channels: u16,
    /// Bits per sample of the source, where the codec has such a thing (PCM, 8 for G.711, FLAC,
    /// ALAC).
    pub bits_per_sample: Option<u32>,
    /// The length the container declares, in frames at `sample_rate`, if it declares one.
    pub declared_frames: Option<u64>,
    /// What is wrong with the file that decoding works around (a WAV's cut-off last frame),
    /// for the conversion's warnings.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// One decoded chunk: planar f32 samples in [-1, 1) at the source rate.
pub struct Chunk<'a> {
    /// One slice per channel, each `frames` long.
    pub planes: &'a [Vec<f32>],
    /// The speaker of each plane, in the same order.
    pub speakers: &'a [Speaker],
    /// Frames in this chunk.
    pub frames: usize,
}

/// What went less than perfectly while decoding, for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodeStats {
    /// Frames delivered (after gapless trimming).
    pub frames: u64,
    /// Packets that failed to decode and were skipped.
    pub bad_packets: u64,
    /// Packets read.
    pub packets: u64,
}

/// A streaming decoder for one file.
pub struct Decoder {
    path: std::path::PathBuf,
    reader: Box<dyn FormatReader>,
    /// The decoder of this thread; when workers decode ahead, handed to the first of them (a
    /// codec whose decoders are reset and reused) or dropped (a Vorbis decoder holds 1.3 MB of
    /// codebook tables).
    decoder: Option<Box<dyn AudioDecoder>>,
    /// The codec parameters, for more decoders of the same track (see [`Decoder::decode_ahead`]).
    params: AudioCodecParameters,
    /// Workers decoding segments of the track ahead of the caller, if asked for.
    ahead: Option<ahead::Ahead>,
    /// For a codec decoded in segments whatever the threads (Opus, see `decode/ahead.rs`): the
    /// workers to start at the first chunk; `None` once started, or to decode on one decoder.
    segment_threads: Option<usize>,
    track_id: u32,
    info: SourceInfo,
    /// Whether an early end of stream is normal for this container (Ogg, WebM/MKV streams that
    /// a recorder stopped writing).
    eof_is_end: bool,
    /// Frames still to drop at the start (gapless trimming we do ourselves).
    skip_front: u64,
    /// Frames to deliver at most (gapless trimming of the end we do ourselves).
    limit: Option<u64>,
    planes: Vec<Vec<f32>>,
    speakers: Vec<Speaker>,
    stats: DecodeStats,
    finished: bool,
    /// Packets in a row that gave no audio (a guard against decoders going round in circles).
    idle_packets: u64,
    /// The most frames this file's size can plausibly hold (a guard against runaway output).
    max_frames: u64,
}

thread_local! {
    /// How deep the current thread is in [`guarded`] calls.
    static GUARDED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Runs a third-party codec on one packet, turning a panic into `None`: a codec bug met on a
/// damaged packet costs that packet (a decode error), not the file or the batch.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    result
}

/// Whether the current thread is inside a codec call whose panic becomes a decode error (see
/// `guarded`): a panic hook can stay quiet then, since nothing is lost but a damaged packet.
pub fn in_guarded_codec() -> bool {
    GUARDED.with(|g| g.get() > 0)
}

/// Packets in a row without a single frame of output after which decoding is abandoned.
const MAX_IDLE_PACKETS: u64 = 20_000;

/// For a file that does not declare its length, the most frames per byte of file it may decode
/// to (Opus DTX is about 960 frames from a 1-byte packet plus container overhead, ~100 frames
/// per byte): more is taken for a decompression bomb. A file that declares its length may
/// decode to that length (see [`frame_budget`]), which lossless codecs reach with far fewer
/// bytes: a FLAC constant subframe holds up to 65535 frames of silence in about 12 bytes.
const MAX_FRAMES_PER_BYTE: u64 = 1_000;

/// The most frames a file of `file_len` bytes declaring `declared` frames may decode to before
/// it is taken for a damaged file or a decompression bomb: its declared length (and a little
/// more, for a declaration a packet short) when it has one, or [`MAX_FRAMES_PER_BYTE`] a byte.
/// Either way the work is bounded by what the file says or what its size allows; how long an
/// output may be is the profile's and the WAV format's to limit (see `convert`).
fn frame_budget(file_len: u64, declared: Option<u64>) -> u64 {
    let by_size = file_len.saturating_mul(MAX_FRAMES_PER_BYTE).saturating_add(1 << 20);
    match declared {
        Some(d) => by_size.max(d.saturating_add(d / 64).saturating_add(1 << 20)),
        None => by_size,
    }
}

/// How much junk before the first recognizable header the probe accepts. Real files have their
/// header at the start (after an ID3v2 tag, which is skipped separately); a larger window only
/// makes random bytes look like MPEG audio.
const MAX_PROBE_DEPTH: u32 = 16 * 1024;

/// Symphonia's registries with the Opus and AMR additions, built once.
fn registries() -> &'static (Probe, CodecRegistry) {
    static REGISTRIES: OnceLock<(Probe, CodecRegistry)> = OnceLock::new();
    REGISTRIES.get_or_init(|| {
        let mut probe = Probe::new_with_options(&ProbeOptions {
            max_probe_depth: MAX_PROBE_DEPTH,
            ..Default::default()
        });
        symphonia::default::register_enabled_formats(&mut probe);
        amr::register_formats(&mut probe);
        let mut codecs = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut codecs);
        opus::register(&mut codecs);
        mp3::register(&mut codecs);
        flac::register(&mut codecs);
        pcm::register(&mut codecs);
        amr::register_codecs(&mut codecs);
        (probe, codecs)
    })
}

/// The files of a folder and its subfolders, sorted: what the decoders' tests run on. A
/// folder given that does not exist is an error of the test.
#[cfg(test)]
pub(crate) fn files_below(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root).expect("folder").map(|e| e.expect("entry").path()) {
        if entry.is_dir() {
            found.extend(files_below(&entry));
        } else if entry.is_file() {
            found.push(entry);
        }
    }
    found.sort();
    found
}

/// What the first bytes of a file say, for the cases the probe does not tell apart or
/// for a better message when it finds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Matroska with DocType `webm`.
    WebM,
    /// Matroska of another DocType.
    Matroska,
    /// An AMR file (`#!AMR`).
    Amr,
    /// An AMR-WB file (`#!AMR-WB`).
    AmrWb,
    /// Nothing we recognize from the head alone.
    Unknown,
}

/// Looks at the head of a file.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(b"#!AMR-WB") {
        return Sniffed::AmrWb;
    }
    if head.starts_with(b"#!AMR") {
        return Sniffed::Amr;
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        let window = &head[..head.len().min(64)];
        if window.windows(4).any(|w| w == b"webm") {
            return Sniffed::WebM;
        }
        return Sniffed::Matroska;
    }
    Sniffed::Unknown
}

/// Audio that no decoder here reads, recognised by its first bytes: (the codec's name, the
/// message for a person).
fn unsupported(head: &[u8]) -> Option<(&'static str, &'static str)> {
    const ASF: [u8; 16] = [
        0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE,
        0x6C,
    ];
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&ASF) {
        return Some((
            "Windows Media (WMA/ASF)",
            "Windows Media (WMA/ASF) audio: not supported; convert it to WAV or MP3 with another \
             tool",
        ));
    }
    if starts(&[0x0B, 0x77]) && head.len() >= 6 {
        // The bitstream id: up to 8 for AC-3, 11 to 16 for E-AC-3.
        let bsid = head[5] >> 3;
        let fscod = head[4] >> 6;
        if bsid <= 8 && fscod != 3 {
            return Some((
                "AC-3 (Dolby Digital)",
                "AC-3 (Dolby Digital) audio: not supported; convert it to WAV or MP3 with another tool",
            ));
        }
        if (11..=16).contains(&bsid) {
            return Some((
                "E-AC-3 (Dolby Digital Plus)",
                "E-AC-3 (Dolby Digital Plus) audio: not supported; convert it to WAV or MP3 with another \
                 tool",
            ));
        }
    }
    // DTS core sync words: 16-bit big- and little-endian, 14-bit big- and little-endian.
    if [
        [0x7F, 0xFE, 0x80, 0x01],
        [0xFE, 0x7F, 0x01, 0x80],
        [0x1F, 0xFF, 0xE8, 0x00],
        [0xFF, 0x1F, 0x00, 0xE8],
    ]
    .iter()
    .any(|m| starts(m))
    {
        return Some((
            "DTS",
            "DTS audio: not supported; convert it to WAV or MP3 with another tool",
        ));
    }
    None
}

/// The name of the codec of a file that is audio no decoder here reads (AC-3, E-AC-3, DTS,
/// Windows Media), recognised by its first bytes.
pub fn unsupported_audio(head: &[u8]) -> Option<&'static str> {
    unsupported(head).map(|(name, _)| name)
}

/// What kind of failure a file no reader takes is, from its first bytes: audio in a codec not
/// read here, a damaged file of a format read here, or not audio (as [`describe_non_audio`]
/// says).
pub fn non_audio_kind(head: &[u8]) -> ErrorKind {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if unsupported(head).is_some() {
        ErrorKind::UnsupportedCodec
    } else if (starts(b"RIFF") && head.get(8..12) == Some(b"WAVE"))
        || head.get(4..8) == Some(b"ftyp")
        || [&b"FORM"[..], b"caff", &[0x1A, 0x45, 0xDF, 0xA3], b"fLaC", b"OggS", b"ID3"]
            .iter()
            .any(|m| starts(m))
    {
        ErrorKind::Damaged
    } else {
        ErrorKind::NotAudio
    }
}

/// A best guess, from its first bytes, at what a file that is not audio is.
pub fn describe_non_audio(head: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if let Some((_, message)) = unsupported(head) {
        message
    } else if head.is_empty() {
        "empty file"
    } else if starts(b"%PDF") {
        "not an audio file (a PDF document)"
    } else if starts(b"PK\x03\x04") {
        "not an audio file (a ZIP archive or Office document)"
    } else if starts(&[0x89, b'P', b'N', b'G']) {
        "not an audio file (a PNG image)"
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        "not an audio file (a JPEG image)"
    } else if starts(b"GIF8") {
        "not an audio file (a GIF image)"
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"AVI ") {
        "not an audio file (an AVI video, which is not supported)"
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WAVE") {
        "damaged or unsupported WAV file"
    } else if head.get(4..8) == Some(b"ftyp") {
        "damaged or incomplete MP4/M4A file (its index is missing: was the file cut short?)"
    } else if starts(b"FORM") {
        "damaged or unsupported AIFF file"
    } else if starts(b"caff") {
        "damaged or unsupported CAF file"
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "damaged or unsupported Matroska/WebM file"
    } else if starts(b"fLaC") || starts(b"OggS") || starts(b"ID3") {
        "damaged audio file: no playable audio found"
    } else if head
        .iter()
        .take(512)
        .all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7F).contains(&b) || b >= 0x80)
    {
        "not an audio file (text)"
    } else {
        "not an audio file (unrecognized content)"
    }
}

impl Decoder {
    /// Opens `path` and finds its audio track and a decoder for it.
    pub fn open(path: &Path) -> Result<Decoder> {
        let mut file = File::open(path)
            .map_err(|e| Error::with_source(path, Stage::Open, io_reason(&e), e))?;
        let meta =
            file.metadata().map_err(|e| Error::with_source(path, Stage::Open, io_reason(&e), e))?;
        let file_len = meta.len();
        if meta.is_dir() {
            return Err(Error::new(path, Stage::Open, "is a folder, not a file"));
        }
        let mut head = Vec::with_capacity(4096);
        (&mut file)
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|e| Error::with_source(path, Stage::Open, io_reason(&e), e))?;
        if head.is_empty() {
            return Err(Error::new(path, Stage::Probe, "empty file"));
        }
        if let Some((_, message)) = unsupported(&head) {
            return Err(
                Error::new(path, Stage::Probe, message).of_kind(ErrorKind::UnsupportedCodec)
            );
        }
        let is_wave = head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE";
        let mut warnings = Vec::new();
        let source: Box<dyn MediaSource> = if is_wave {
            wav_source(path, file, file_len, &mut warnings)?
        } else {
            file.seek(SeekFrom::Start(0))
                .map_err(|e| Error::with_source(path, Stage::Open, io_reason(&e), e))?;
            Box::new(file)
        };
        let sniffed = sniff(&head);

        let (probe, codecs) = registries();
        let mss =
            MediaSourceStream::new(source, MediaSourceStreamOptions { buffer_len: 64 * 1024 });
        let reader = probe
            .probe(&Hint::new(), mss, FormatOptions::default(), MetadataOptions::default())
            .map_err(|e| match e {
                // The AMR reader takes every single-channel AMR file; what it refuses is the
                // rare multi-channel form.
                _ if matches!(sniffed, Sniffed::Amr | Sniffed::AmrWb) => Error::new(
                    path,
                    Stage::Probe,
                    "unsupported AMR file (multi-channel AMR); convert it with ffmpeg first (ffmpeg -i FILE out.wav)",
                )
                .of_kind(ErrorKind::UnsupportedCodec),
                SymError::IoError(io) => {
                    if io.kind() == std::io::ErrorKind::UnexpectedEof {
                        Error::new(path, Stage::Probe, describe_non_audio(&head))
                            .of_kind(non_audio_kind(&head))
                    } else {
                        Error::with_source(path, Stage::Probe, io_reason(&io), io)
                    }
                }
                other => Error::with_source(path, Stage::Probe, describe_non_audio(&head), other)
                    .of_kind(non_audio_kind(&head)),
            })?;

        let format = match (reader.format_info().short_name, sniffed) {
            ("matroska", Sniffed::WebM) => "webm",
            ("matroska", _) => "mkv",
            ("isomp4", _) => "mp4",
            ("riff", _) | ("wave", _) => "wav",
            (other, _) => other,
        }
        .to_string();

        // Symphonia's MP4 reader leaves an AMR track (3GP) without codec parameters.
        let track = match reader
            .default_track(TrackType::Audio)
            .cloned()
            .or_else(|| amr::track_in_mp4(reader.as_ref(), path))
        {
            Some(track) => track,
            None => {
                return Err(if reader.tracks().is_empty() {
                    Error::new(path, Stage::Probe, "no audio in file")
                } else {
                    Error::new(path, Stage::Probe, unsupported_track_reason(reader.as_ref()))
                        .of_kind(ErrorKind::UnsupportedCodec)
                });
            }
        };
        let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
            return Err(Error::new(path, Stage::Probe, "no audio track"));
        };
        let decoder = match codecs.get_audio_decoder(params.codec) {
            Some(registered) => (registered.factory)(&params, &AudioDecoderOptions::default())
                .map_err(|e| {
                    Error::with_source(path, Stage::Probe, unsupported_codec_reason(&e), e)
                        .of_kind(ErrorKind::UnsupportedCodec)
                })?,
            None => {
                return Err(Error::new(
                    path,
                    Stage::Probe,
                    unsupported_track_reason(reader.as_ref()),
                )
                .of_kind(ErrorKind::UnsupportedCodec));
            }
        };
        let codec = decoder.codec_info().short_name.to_string();
        // The decoder's view wins: some containers state the rate of the original input
        // (Opus), while the decoder says what it outputs.
        let sample_rate = decoder
            .codec_params()
            .sample_rate
            .filter(|&r| r > 0)
            .or(params.sample_rate.filter(|&r| r > 0))
            .ok_or_else(|| {
                Error::new(path, Stage::Probe, "the file does not say its sample rate")
                    .of_kind(ErrorKind::Damaged)
            })?;
        let channels = params
            .channels
            .as_ref()
            .or(decoder.codec_params().channels.as_ref())
            .map(|c| c.count() as u16)
            .unwrap_or(0);
        // G.711 stores 8 bits a sample (what `check` reads in the header), which symphonia
        // does not say.
        let g711 = matches!(codec.as_str(), "pcm_mulaw" | "pcm_alaw");
        let bits_per_sample = params
            .bits_per_sample
            .or(params.bits_per_coded_sample)
            .or(g711.then_some(8))
            .filter(|_| codec.starts_with("pcm") || codec == "flac" || codec == "alac");

        // Gapless trimming symphonia does not do: AAC priming in MP4 (edit list or iTunSMPB),
        // and the end padding of Opus in Matroska/WebM (`DiscardPadding`, which symphonia's
        // reader drops; the Opus decoder drops the pre-skip itself).
        let (skip_front, limit) = if format == "mp4" && codec == "aac" {
            match mp4::gapless(path, sample_rate) {
                Some(g) => (g.skip, g.frames),
                None => (0, None),
            }
        } else if matches!(format.as_str(), "webm" | "mkv") && codec == "opus" {
            (0, mkv::matroska_frames(path, track.id))
        } else {
            (0, None)
        };
        // Symphonia's Ogg reader counts Opus's pre-skip in `num_frames` (the last granule
        // position), which the Opus decoder drops: take it off, or the length check below sees
        // a file with a long pre-skip as truncated.
        let num_frames = if format == "ogg" && codec == "opus" {
            track.num_frames.map(|n| n.saturating_sub(u64::from(track.delay.unwrap_or(0))))
        } else {
            track.num_frames
        };
        let declared_frames = limit.or(num_frames);
        let eof_is_end = matches!(format.as_str(), "ogg" | "webm" | "mkv");

        Ok(Decoder {
            path: path.to_path_buf(),
            reader,
            decoder: Some(decoder),
            params,
            ahead: None,
            segment_threads: Some(1),
            track_id: track.id,
            info: SourceInfo {
                format,
                codec,
                sample_rate,
                channels,
                bits_per_sample,
                declared_frames,
                warnings,
            },
            eof_is_end,
            skip_front,
            limit,
            planes: Vec::new(),
            speakers: Vec::new(),
            stats: DecodeStats::default(),
            finished: false,
            idle_packets: 0,
            max_frames: frame_budget(file_len, declared_frames),
        })
    }

    /// Decodes the rest of the file on `threads` worker threads (see `decode/ahead.rs`), when the codec
    /// allows it with exactly the output of one thread and `threads` is 2 or more. Only before
    /// the first chunk; returns whether the workers run.
    /// Opus is always decoded in segments (on one worker unless asked for more, see
    /// `decode/ahead.rs`): for it this sets the workers, and says whether segments will be used.
    pub fn decode_ahead(&mut self, threads: usize) -> bool {
        if self.always_segmented().is_some() {
            if let Some(n) = &mut self.segment_threads {
                *n = threads.max(1);
                return true;
            }
            return false;
        }
        self.decode_ahead_in(threads, ahead::SEGMENT_FRAMES)
    }

    /// Decodes a codec that is otherwise decoded in segments (Opus) on one decoder from start
    /// to end: the reference the segments are tested against. Only before the first chunk.
    #[doc(hidden)]
    pub fn decode_sequentially(&mut self) {
        self.segment_threads = None;
    }

    /// The warm-up and segment length if this track's codec is decoded in segments whatever
    /// the threads.
    fn always_segmented(&self) -> Option<(ahead::WarmUp, u64)> {
        let head = self.params.extra_data.as_deref().and_then(|d| opus::OpusHead::parse(d).ok());
        let (pre_skip, streams) = head.map_or((0, 1), |h| (u64::from(h.pre_skip), h.stream_count));
        ahead::always_segmented(&self.info.codec, pre_skip, streams)
    }

    /// [`Decoder::decode_ahead`] with segments of `segment_frames` source frames (a segment
    /// holds at least one packet). For tests and fuzzing, which use tiny segments to have many
    /// of them.
    #[doc(hidden)]
    pub fn decode_ahead_in(&mut self, threads: usize, segment_frames: u64) -> bool {
        if threads < 2 || self.ahead.is_some() || self.stats.packets > 0 || self.idle_packets > 0 {
            return false;
        }
        let Some(warm_up) = ahead::warm_up(&self.info.codec) else {
            return false;
        };
        self.start_ahead(threads, warm_up, segment_frames)
    }

    /// Starts the workers of [`ahead`] on the rest of the track; returns whether they run.
    fn start_ahead(&mut self, threads: usize, warm_up: ahead::WarmUp, segment_frames: u64) -> bool {
        let Some(registered) = registries().1.get_audio_decoder(self.params.codec) else {
            return false;
        };
        self.ahead = ahead::Ahead::start(
            threads,
            registered.factory,
            &mut self.decoder,
            &self.params,
            self.track_id,
            warm_up,
            segment_frames,
        );
        if self.ahead.is_some() {
            self.decoder = None;
        }
        self.ahead.is_some()
    }

    /// Decodes to the end and returns everything delivered, for comparing two ways of decoding
    /// the same file (tests and fuzzing): every sample as bits (so -0.0 and NaN compare
    /// exactly), then the end or the error, with the counts.
    #[doc(hidden)]
    pub fn drain_as_bits(&mut self) -> (Vec<u32>, String) {
        let mut bits = Vec::new();
        let end = loop {
            match self.next_chunk() {
                Ok(Some(chunk)) => {
                    for plane in chunk.planes {
                        bits.extend(plane.iter().take(chunk.frames).map(|s| s.to_bits()));
                    }
                }
                Ok(None) => break format!("end {:?}", self.stats()),
                Err(e) => break format!("{e} {:?}", self.stats()),
            }
        };
        (bits, end)
    }

    /// What the source is.
    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// What happened while decoding so far.
    pub fn stats(&self) -> &DecodeStats {
        &self.stats
    }

    fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / f64::from(self.info.sample_rate.max(1))
    }

    fn fail(&self, message: String) -> Error {
        Error::new(&self.path, Stage::Decode, message)
    }

    /// Decodes the next chunk; `None` at the end of the stream.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk<'_>>> {
        if let Some(threads) = self.segment_threads.take()
            && self.ahead.is_none()
            && self.stats.packets == 0
            && self.idle_packets == 0
            && let Some((warm_up, segment_frames)) = self.always_segmented()
        {
            self.start_ahead(threads, warm_up, segment_frames);
        }
        loop {
            if self.finished {
                return Ok(None);
            }
            let next = match &mut self.ahead {
                Some(ahead) => match ahead.next_event(self.reader.as_mut()) {
                    ahead::Event::Ours => Ok(Some((self.track_id, None))),
                    ahead::Event::Other(id) => Ok(Some((id, None))),
                    ahead::Event::End(None) => Ok(None),
                    ahead::Event::End(Some(e)) => Err(e),
                },
                None => self.reader.next_packet().map(|p| p.map(|p| (p.track_id, Some(p)))),
            };
            let (track_id, packet) = match next {
                Ok(Some(next)) => next,
                Ok(None) => return self.end(false),
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return self.end(!self.eof_is_end);
                }
                Err(SymError::ResetRequired) => {
                    return Err(self.fail(
                        "the stream changes its format part-way through; this is not supported"
                            .into(),
                    ));
                }
                Err(SymError::IoError(e)) => {
                    return Err(Error::with_source(&self.path, Stage::Decode, io_reason(&e), e));
                }
                Err(e) => {
                    // A damaged container: treat what we have as the end if it's most of the
                    // file, otherwise fail.
                    if self.stats.frames > 0 && self.eof_is_end {
                        return self.end(false);
                    }
                    return Err(self.fail(format!(
                        "damaged {} file at {:.1} s ({e})",
                        self.info.format.to_uppercase(),
                        self.seconds(self.stats.frames)
                    )));
                }
            };
            self.idle_packets += 1;
            if self.idle_packets > MAX_IDLE_PACKETS {
                return Err(self.fail(format!(
                    "decoding makes no progress ({MAX_IDLE_PACKETS} packets without audio at {:.1} s): damaged file",
                    self.seconds(self.stats.frames)
                )));
            }
            if track_id != self.track_id {
                continue;
            }
            self.stats.packets += 1;
            let decoded = match (&mut self.ahead, &packet, &mut self.decoder) {
                (Some(ahead), _, _) => ahead.take(&mut self.planes),
                (None, Some(packet), Some(decoder)) => {
                    decode_packet(decoder.as_mut(), packet, &mut self.planes)
                }
                (None, _, _) => {
                    Decoded::Failed("internal error: a packet or the decoder went missing".into())
                }
            };
            let (frames, rate, speakers) = match decoded {
                Decoded::Audio { frames, rate, speakers } => (frames, rate, speakers),
                Decoded::Bad => {
                    self.stats.bad_packets += 1;
                    if self.stats.bad_packets > 8 && self.stats.bad_packets * 2 > self.stats.packets
                    {
                        return Err(self.fail(format!(
                            "{} of the first {} packets are damaged: not a playable {} stream",
                            self.stats.bad_packets,
                            self.stats.packets,
                            self.info.codec.to_uppercase()
                        )));
                    }
                    continue;
                }
                Decoded::Unsupported(what) => {
                    return Err(self.fail(format!("unsupported feature of the stream: {what}")));
                }
                Decoded::Failed(message) => return Err(self.fail(message)),
            };
            if frames == 0 {
                continue;
            }
            if rate != self.info.sample_rate {
                return Err(self.fail(format!(
                    "the sample rate changes part-way through ({} Hz to {rate} Hz); this is not supported",
                    self.info.sample_rate
                )));
            }
            if speakers.is_empty() {
                return Err(self.fail("a decoded packet has no channels".into()));
            }
            if self.info.channels == 0 {
                self.info.channels = speakers.len() as u16;
            }
            self.speakers = speakers;

            // Our own gapless trimming.
            let mut start = 0usize;
            if self.skip_front > 0 {
                let drop = (self.skip_front as usize).min(frames);
                self.skip_front -= drop as u64;
                start = drop;
            }
            let mut end = frames;
            if let Some(limit) = self.limit {
                let left = limit.saturating_sub(self.stats.frames) as usize;
                end = end.min(start + left);
            }
            if start > 0 || end < frames {
                for plane in &mut self.planes {
                    plane.truncate(end);
                    plane.drain(..start);
                }
            }
            let delivered = end.saturating_sub(start);
            if delivered == 0 {
                if self.limit.is_some_and(|l| self.stats.frames >= l) {
                    return self.end(false);
                }
                continue;
            }
            self.stats.frames += delivered as u64;
            self.idle_packets = 0;
            if self.stats.frames > self.max_frames {
                return Err(self.fail(
                    "decodes to far more audio than the file can hold: damaged file".into(),
                ));
            }
            return Ok(Some(Chunk {
                planes: &self.planes,
                speakers: &self.speakers,
                frames: delivered,
            }));
        }
    }

    /// The end of the stream: checks the length against what the container declared.
    fn end(&mut self, unexpected_eof: bool) -> Result<Option<Chunk<'_>>> {
        self.finished = true;
        let got = self.stats.frames;
        // A declared length we fall short of by more than a packet means the file is cut off.
        let short_by = self.info.declared_frames.map(|d| d.saturating_sub(got)).unwrap_or(0);
        let tolerance = u64::from(self.info.sample_rate / 20).max(4096); // 50 ms, or a packet
        let truncated = unexpected_eof || short_by > tolerance;
        if got == 0 && !truncated {
            return Err(if self.stats.bad_packets > 0 {
                self.fail(format!(
                    "no packet could be decoded: damaged or not a {} stream",
                    self.info.codec.to_uppercase()
                ))
            } else {
                self.fail("contains no audio (zero samples)".into())
            });
        }
        if truncated {
            return Err(self.fail(format!(
                "truncated {} at {:.1} s{}",
                self.info.format.to_uppercase(),
                self.seconds(got),
                match self.info.declared_frames {
                    Some(d) if d > got => format!(" (the file says {:.1} s)", self.seconds(d)),
                    _ => String::new(),
                }
            )));
        }
        Ok(None)
    }
}

/// A WAV file as the decoder reads it: first its layout as `check` sees it ([`riff::parse`]),
/// so that both read it the same way. A file that says its format twice is refused; a cut-off
/// last frame becomes a warning. A layout that symphonia's reader would misread or refuse but
/// whose format and audio are found (sizes a writer to a pipe left unset, the data before the
/// format, an odd chunk without its pad byte, stray bytes between chunks, a G.711 format
/// without its extension size) is read through [`Canonical`]: the same format and audio bytes
/// under a plain header, so convert reads every WAV whose audio `check` finds.
fn wav_source(
    path: &Path,
    mut file: File,
    file_len: u64,
    warnings: &mut Vec<String>,
) -> Result<Box<dyn MediaSource>> {
    let io_err = |e: std::io::Error| Error::with_source(path, Stage::Open, io_reason(&e), e);
    let layout = riff::parse(&mut file, file_len).map_err(io_err)?;
    for f in &layout.findings {
        match f.fault {
            riff::Fault::FmtDuplicate => {
                return Err(Error::new(
                    path,
                    Stage::Probe,
                    format!("damaged WAV file: {}; export it again from its source", f.message),
                )
                .of_kind(ErrorKind::Damaged));
            }
            riff::Fault::DataPartialFrame => {
                warnings.push(format!("{}, left out", f.message));
            }
            _ => {}
        }
    }
    let header = Canonical::header(&mut file, &layout).map_err(io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    match (header, layout.data) {
        (Some(header), Some(data)) => Ok(Box::new(Canonical {
            inner: file,
            header,
            data_offset: data.offset,
            data_len: data.available,
            pos: 0,
            inner_pos: None,
        })),
        _ => Ok(Box::new(file)),
    }
}

/// A WAV presented as a plain header (RIFF, `fmt `, `data`) followed by the audio bytes of the
/// file it was found in (see [`wav_source`]).
struct Canonical {
    inner: File,
    header: Vec<u8>,
    /// Where the audio starts in the file, and how many of its bytes there are.
    data_offset: u64,
    data_len: u64,
    pos: u64,
    /// Where `inner` is, when known (a read that follows the last one needs no seek).
    inner_pos: Option<u64>,
}

impl Canonical {
    /// The plain header for `layout`, when the file needs one: `None` when symphonia reads the
    /// file as it is, or when its format or audio was not found (then it fails as it is).
    fn header(file: &mut File, layout: &riff::Wav) -> std::io::Result<Option<Vec<u8>>> {
        use riff::Fault as F;
        let (Some(fmt), Some(data)) = (&layout.fmt, &layout.data) else {
            return Ok(None);
        };
        let Some(chunk) = layout.chunks.iter().find(|c| &c.id == b"fmt ") else {
            return Ok(None);
        };
        // G.711 and the other non-PCM formats need the extension's size field (cbSize).
        let short_fmt = chunk.size == 16 && fmt.tag != riff::TAG_PCM;
        let repaired = |f: &riff::Finding| {
            matches!(f.fault, F::ChunkOrder | F::MissingPadByte | F::BadChunk | F::DataSizeUnset)
        };
        if !short_fmt && !layout.findings.iter().any(repaired) {
            return Ok(None);
        }
        // The format's bytes as they are (an extensible one is 40; more is not a format).
        if chunk.size > 64 {
            return Ok(None);
        }
        let mut body = vec![0u8; chunk.size as usize];
        file.seek(SeekFrom::Start(chunk.offset + 8))?;
        file.read_exact(&mut body)?;
        if short_fmt {
            body.extend_from_slice(&0u16.to_le_bytes());
        }
        if body.len() % 2 == 1 {
            body.push(0);
        }
        // The size the file states, which tells a cut-off file, unless it was left unset.
        let clamp = |n: u64| u32::try_from(n).unwrap_or(riff::UNSET - 1).min(riff::UNSET - 1);
        let data_size = if data.unknown_length { clamp(data.available) } else { data.declared };
        let riff_size = clamp(4 + 8 + body.len() as u64 + 8 + u64::from(data_size));
        let mut header = Vec::with_capacity(28 + body.len());
        header.extend_from_slice(b"RIFF");
        header.extend_from_slice(&riff_size.to_le_bytes());
        header.extend_from_slice(b"WAVEfmt ");
        header.extend_from_slice(&(body.len() as u32).to_le_bytes());
        header.extend_from_slice(&body);
        header.extend_from_slice(b"data");
        header.extend_from_slice(&data_size.to_le_bytes());
        Ok(Some(header))
    }

    fn len(&self) -> u64 {
        self.header.len() as u64 + self.data_len
    }
}

impl Read for Canonical {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let head = self.header.len() as u64;
        if self.pos < head {
            let from = &self.header[self.pos as usize..];
            let n = from.len().min(buf.len());
            buf[..n].copy_from_slice(&from[..n]);
            self.pos += n as u64;
            return Ok(n);
        }
        let left = self.len().saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let at = self.data_offset + (self.pos - head);
        if self.inner_pos != Some(at) {
            self.inner_pos = None;
            self.inner.seek(SeekFrom::Start(at))?;
        }
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        self.inner_pos = Some(at + n as u64);
        Ok(n)
    }
}

impl Seek for Canonical {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let Some(target) = target else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start",
            ));
        };
        self.pos = target;
        Ok(target)
    }
}

impl MediaSource for Canonical {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len())
    }
}

/// What decoding one packet gave.
enum Decoded {
    /// `frames` frames at `rate` (left in the caller's planes), one plane per speaker.
    Audio { frames: usize, rate: u32, speakers: Vec<Speaker> },
    /// A damaged packet, skipped.
    Bad,
    /// A feature of the stream the decoder does not have.
    Unsupported(String),
    /// Any other failure, as the message for the person.
    Failed(String),
}

/// Decodes `packet` into `planes` (resized to the packet's channels and frames).
fn decode_packet(
    decoder: &mut dyn AudioDecoder,
    packet: &Packet,
    planes: &mut Vec<Vec<f32>>,
) -> Decoded {
    decode_with(decoder, packet, |buf| buf.copy_to_vecs_planar::<f32>(planes))
}

/// Decodes `packet` and hands its audio (at least one frame) to `store`, which copies it out
/// of the decoder's buffer, or not at all: a decoder warming up throws its output away.
fn decode_with(
    decoder: &mut dyn AudioDecoder,
    packet: &Packet,
    store: impl FnOnce(&GenericAudioBufferRef<'_>),
) -> Decoded {
    match decoder.decode(packet) {
        Ok(buf) => {
            let frames = buf.frames();
            if frames == 0 {
                return Decoded::Audio { frames, rate: 0, speakers: Vec::new() };
            }
            let rate = buf.spec().rate();
            let speakers = speakers_of(buf.spec().channels());
            store(&buf);
            Decoded::Audio { frames, rate, speakers }
        }
        Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => Decoded::Bad,
        Err(SymError::Unsupported(what)) => Decoded::Unsupported(what.to_string()),
        Err(e) => Decoded::Failed(format!("decoder error: {e}")),
    }
}

/// The speakers of a channel set, in symphonia's canonical plane order.
fn speakers_of(channels: &Channels) -> Vec<Speaker> {
    match channels {
        Channels::Positioned(positions) => {
            let table: [(Position, Speaker); 11] = [
                (Position::FRONT_LEFT, Speaker::FrontLeft),
                (Position::FRONT_RIGHT, Speaker::FrontRight),
                (Position::FRONT_CENTER, Speaker::FrontCenter),
                (Position::LFE1, Speaker::Lfe),
                (Position::REAR_LEFT, Speaker::Surround),
                (Position::REAR_RIGHT, Speaker::Surround),
                (Position::FRONT_LEFT_CENTER, Speaker::FrontLeft),
                (Position::FRONT_RIGHT_CENTER, Speaker::FrontRight),
                (Position::REAR_CENTER, Speaker::Surround),
                (Position::SIDE_LEFT, Speaker::Surround),
                (Position::SIDE_RIGHT, Speaker::Surround),
            ];
            let mut out = Vec::with_capacity(positions.bits().count_ones() as usize);
            for bit in 0..64 {
                let Some(pos) = Position::from_bits(1u64 << bit) else {
                    continue;
                };
                if !positions.contains(pos) {
                    continue;
                }
                let speaker =
                    table.iter().find(|(p, _)| *p == pos).map(|(_, s)| *s).unwrap_or(
                        if pos == Position::LFE2 { Speaker::Lfe } else { Speaker::Other },
                    );
                out.push(speaker);
            }
            out
        }
        Channels::Discrete(1) => vec![Speaker::FrontCenter],
        Channels::Discrete(2) => vec![Speaker::FrontLeft, Speaker::FrontRight],
        other => vec![Speaker::Other; other.count()],
    }
}

fn unsupported_codec_reason(err: &SymError) -> String {
    match err {
        SymError::Unsupported(what) => format!("unsupported codec feature: {what}"),
        other => format!("cannot decode this stream: {other}"),
    }
}

/// Why a file's audio track cannot be decoded, naming the codec when we can.
fn unsupported_track_reason(reader: &dyn FormatReader) -> String {
    for track in reader.tracks() {
        if let Some(CodecParameters::Audio(params)) = &track.codec_params {
            return format!(
                "unsupported codec: {}; convert it to WAV or MP3 with another tool first",
                codec_name(params.codec)
            );
        }
    }
    if reader.tracks().iter().any(|t| t.codec_params.is_some()) {
        "no audio track (only video or subtitles)".to_string()
    } else {
        "no audio track with a known codec".to_string()
    }
}

/// A person's name for a symphonia codec id that has no decoder here.
fn codec_name(id: symphonia::core::codecs::audio::AudioCodecId) -> String {
    use symphonia::core::codecs::audio::well_known as c;
    let known = [
        (c::CODEC_ID_AC3, "AC-3 (Dolby Digital)"),
        (c::CODEC_ID_EAC3, "E-AC-3 (Dolby Digital Plus)"),
        (c::CODEC_ID_DCA, "DTS"),
        (c::CODEC_ID_WMA, "WMA"),
        (c::CODEC_ID_ATRAC3, "ATRAC3"),
        (c::CODEC_ID_OPUS, "Opus"),
        (c::CODEC_ID_SPEEX, "Speex"),
        (c::CODEC_ID_MUSEPACK, "Musepack"),
        (c::CODEC_ID_WAVPACK, "WavPack"),
    ];
    known
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| format!("{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_length_is_the_budget() {
        // Issue 11: five minutes of silence, mono, 192 kHz, in 55 KB: 57.6 million frames, far
        // more than 1000 a byte, and valid: its STREAMINFO declares them.
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/limits/silence_192k_mono_300s.flac");
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len < 100_000);
        let mut d = Decoder::open(&path).unwrap();
        assert_eq!(d.info().declared_frames, Some(300 * 192_000));
        let mut frames = 0u64;
        loop {
            match d.next_chunk() {
                Ok(Some(chunk)) => frames += chunk.frames as u64,
                Ok(None) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(frames, 300 * 192_000);

        // Without a declared length, the size still bounds the work (a bomb stays a bomb); with
        // one, the work is bounded by it.
        assert_eq!(frame_budget(len, None), len * MAX_FRAMES_PER_BYTE + (1 << 20));
        assert!(frame_budget(len, None) < 300 * 192_000);
        assert!(frame_budget(len, Some(300 * 192_000)) > 300 * 192_000);
        let d = 300 * 192_000;
        assert_eq!(frame_budget(len, Some(d)), d + d / 64 + (1 << 20));
        assert_eq!(frame_budget(1000, Some(10)), frame_budget(1000, None));
    }

    fn samples_of(path: &Path) -> Vec<f32> {
        let mut d = Decoder::open(path).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        while let Some(chunk) = d.next_chunk().unwrap_or_else(|e| panic!("{e}")) {
            out.extend_from_slice(&chunk.planes[0][..chunk.frames]);
        }
        out
    }

    /// WAV layouts symphonia's reader refuses, but whose format and audio are found, decode to
    /// the audio they hold: each of these fixtures holds the first 0.1 s of `ok.wav`'s tone.
    #[test]
    fn wav_layouts_symphonia_refuses_read_as_their_audio() {
        let check = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check");
        let tone = samples_of(&check.join("ok.wav"));
        for name in [
            "chunk-order.wav",
            "missing-pad-byte.wav",
            "bad-chunk.wav",
            "data-size-unset.wav",
            "extra-chunk.wav",
        ] {
            let got = samples_of(&check.join(name));
            assert_eq!(got.len(), 4800, "{name}");
            assert_eq!(got, tone[..4800], "{name}");
        }
        // G.711 without the format's extension size: the same audio as with it.
        let amazon = check.join("profiles/amazon-connect");
        assert_eq!(samples_of(&amazon.join("fmt-size.wav")), samples_of(&amazon.join("ok.wav")));
    }
}
