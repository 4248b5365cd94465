//! Opus decoding (in Ogg and in Matroska/WebM) through the pure-Rust `opus-pure` decoder,
//! plugged into symphonia's codec registry. Drops the encoder's pre-skip so the output lines up
//! with the source.
//!
//! What the decoder does with the stream's `OpusHead` (RFC 7845 §5.1), which symphonia hands
//! over as the codec parameters' `extra_data` (the identification packet in Ogg, the
//! `CodecPrivate` in Matroska/WebM):
//! - **Channels**: mapping family 0 (mono, stereo) and family 1 (1 to 8 channels in the Vorbis
//!   order, as a multistream of the standard layout; a header that reorders, duplicates or
//!   silences channels of that layout is honoured). Other families, and family-1 headers whose
//!   stream counts differ from the standard layout, are refused as unsupported.
//! - **Rate**: the output is always 48000 Hz, whatever input rate the header records; the
//!   decoder's `codec_params().sample_rate` says so.
//! - **Pre-skip**: the first `pre_skip` samples the decoder produces are dropped (symphonia's
//!   Ogg reader only records them as the track's delay, and its Matroska reader not at all). In
//!   Matroska the `CodecDelay` element states the same delay in nanoseconds; the header's
//!   sample count is the exact one and is the one used, as libopus-based players do.
//! - **End trim**: `packet.trim_end` (set by symphonia's Ogg reader from the last page's granule
//!   position) is honoured. Matroska's `DiscardPadding` never reaches a symphonia decoder;
//!   `decode::mkv::matroska_frames` reads it from the file so the caller can cut the end itself.
//! - **Output gain**: applied, as RFC 7845 says a player should.
//!
//! A packet that does not decode is a `DecodeError` for the caller to skip; nothing here panics
//! on bad input.

use opus_pure::{ChannelLayout, MAX_PACKET_SAMPLES, OpusMSDecoder};
use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, Channels, GenericAudioBufferRef,
    Position,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{
    CodecRegistry, RegisterableAudioDecoder, SupportedAudioCodec,
};
use symphonia::core::errors::{Error as SymError, Result as SymResult};
use symphonia::core::packet::PacketRef;

/// Opus always decodes to 48 kHz here (the rate Opus is framed at; no resampling inside).
pub const OPUS_RATE: u32 = 48_000;

/// Registers the Opus decoder in `registry`.
pub fn register(registry: &mut CodecRegistry) {
    registry.register_audio_decoder::<OpusDecoder>();
}

/// The fields of an `OpusHead` identification header (RFC 7845 §5.1) that decoding needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusHead {
    /// The encapsulation version byte (major version in the upper four bits).
    pub version: u8,
    /// Output channels, 1..=255.
    pub channels: u8,
    /// Samples at 48 kHz to drop from the start of the decoded stream.
    pub pre_skip: u16,
    /// The rate of the encoder's input, for information only (0 = unknown).
    pub input_rate: u32,
    /// Gain to apply, in Q7.8 dB.
    pub output_gain_q8: i16,
    /// Channel mapping family: 0 = mono/stereo, 1 = Vorbis order up to 8 channels.
    pub mapping_family: u8,
    /// Opus streams in each packet.
    pub stream_count: u8,
    /// How many of those streams are coupled (stereo) pairs.
    pub coupled_count: u8,
    /// For each output channel, the decoded channel that feeds it (255 = silence). For family 0
    /// the implicit identity mapping.
    pub mapping: Vec<u8>,
}

impl OpusHead {
    /// Parses an `OpusHead` packet. Never panics: a short, malformed or unknown header is an
    /// error (`DecodeError` for damage, `Unsupported` for a version or mapping family this
    /// decoder cannot play).
    pub fn parse(data: &[u8]) -> SymResult<OpusHead> {
        if data.len() < 8 || &data[..8] != b"OpusHead" {
            return Err(SymError::DecodeError("opus: the codec header is not an OpusHead"));
        }
        if data.len() < 19 {
            return Err(SymError::DecodeError("opus: the OpusHead is truncated"));
        }
        let version = data[8];
        // RFC 7845 §5.1: reject an unknown major version (upper four bits), accept any minor.
        if version >> 4 != 0 {
            return Err(SymError::Unsupported("opus: unknown OpusHead version"));
        }
        let channels = data[9];
        if channels == 0 {
            return Err(SymError::DecodeError("opus: the OpusHead declares zero channels"));
        }
        let pre_skip = u16::from_le_bytes([data[10], data[11]]);
        let input_rate = u32::from_le_bytes([data[12], data[13], data[14], data[15]]);
        let output_gain_q8 = i16::from_le_bytes([data[16], data[17]]);
        let mapping_family = data[18];
        let (stream_count, coupled_count, mapping) = match mapping_family {
            0 => {
                if channels > 2 {
                    return Err(SymError::DecodeError(
                        "opus: mapping family 0 with more than two channels",
                    ));
                }
                (1, channels - 1, (0..channels).collect())
            }
            _ => {
                let need = 21 + usize::from(channels);
                if data.len() < need {
                    return Err(SymError::DecodeError(
                        "opus: the OpusHead channel mapping is truncated",
                    ));
                }
                let stream_count = data[19];
                let coupled_count = data[20];
                if stream_count == 0 || coupled_count > stream_count {
                    return Err(SymError::DecodeError(
                        "opus: the OpusHead stream counts are inconsistent",
                    ));
                }
                let decoded = usize::from(stream_count) + usize::from(coupled_count);
                let mapping = data[21..need].to_vec();
                if mapping.iter().any(|&m| m != 255 && usize::from(m) >= decoded) {
                    return Err(SymError::DecodeError(
                        "opus: the OpusHead maps a channel to a stream that does not exist",
                    ));
                }
                (stream_count, coupled_count, mapping)
            }
        };
        Ok(OpusHead {
            version,
            channels,
            pre_skip,
            input_rate,
            output_gain_q8,
            mapping_family,
            stream_count,
            coupled_count,
            mapping,
        })
    }

    /// The header a stream without one implies: family 0 with `channels` channels, no pre-skip
    /// and no gain (Matroska files that omit the mandatory `CodecPrivate`).
    fn implied(channels: u8) -> SymResult<OpusHead> {
        if !(1..=2).contains(&channels) {
            return Err(SymError::Unsupported(
                "opus: a stream of more than two channels without an OpusHead",
            ));
        }
        Ok(OpusHead {
            version: 1,
            channels,
            pre_skip: 0,
            input_rate: 0,
            output_gain_q8: 0,
            mapping_family: 0,
            stream_count: 1,
            coupled_count: channels - 1,
            mapping: (0..channels).collect(),
        })
    }
}

/// The speaker positions of channels in RFC 7845's Vorbis order (mapping family 1), one per
/// channel, in that order. Mono and stereo are the same in families 0 and 1.
fn vorbis_positions(channels: u8) -> Option<&'static [Position]> {
    use Position as P;
    const MONO: &[P] = &[P::FRONT_CENTER];
    const STEREO: &[P] = &[P::FRONT_LEFT, P::FRONT_RIGHT];
    const C3: &[P] = &[P::FRONT_LEFT, P::FRONT_CENTER, P::FRONT_RIGHT];
    const C4: &[P] = &[P::FRONT_LEFT, P::FRONT_RIGHT, P::REAR_LEFT, P::REAR_RIGHT];
    const C5: &[P] = &[P::FRONT_LEFT, P::FRONT_CENTER, P::FRONT_RIGHT, P::REAR_LEFT, P::REAR_RIGHT];
    const C6: &[P] =
        &[P::FRONT_LEFT, P::FRONT_CENTER, P::FRONT_RIGHT, P::REAR_LEFT, P::REAR_RIGHT, P::LFE1];
    const C7: &[P] = &[
        P::FRONT_LEFT,
        P::FRONT_CENTER,
        P::FRONT_RIGHT,
        P::SIDE_LEFT,
        P::SIDE_RIGHT,
        P::REAR_CENTER,
        P::LFE1,
    ];
    const C8: &[P] = &[
        P::FRONT_LEFT,
        P::FRONT_CENTER,
        P::FRONT_RIGHT,
        P::SIDE_LEFT,
        P::SIDE_RIGHT,
        P::REAR_LEFT,
        P::REAR_RIGHT,
        P::LFE1,
    ];
    match channels {
        1 => Some(MONO),
        2 => Some(STEREO),
        3 => Some(C3),
        4 => Some(C4),
        5 => Some(C5),
        6 => Some(C6),
        7 => Some(C7),
        8 => Some(C8),
        _ => None,
    }
}

/// The opus-pure decoder behind one stream.
enum Inner {
    /// Mapping family 0: one Opus stream, mono or stereo.
    Single(Box<opus_pure::OpusDecoder>),
    /// Mapping family 1: a multistream of the standard Vorbis layout.
    Multi(OpusMSDecoder),
}

impl Inner {
    fn decode(&mut self, data: &[u8], out: &mut [f32]) -> opus_pure::Result<usize> {
        match self {
            Inner::Single(d) => d.decode(data, MAX_PACKET_SAMPLES, out),
            Inner::Multi(d) => d.decode(data, MAX_PACKET_SAMPLES, out),
        }
    }

    fn reset(&mut self) {
        // Resetting only clears state; opus-pure's reset cannot fail for a decoder it built.
        let _ = match self {
            Inner::Single(d) => d.reset_state(),
            Inner::Multi(d) => d.reset_state(),
        };
    }
}

/// A symphonia audio decoder for Opus built on `opus-pure`.
pub struct OpusDecoder {
    params: AudioCodecParameters,
    /// Read by the tests only (through [`OpusDecoder::head`]).
    #[cfg_attr(not(test), allow(dead_code))]
    head: OpusHead,
    inner: Inner,
    opts: AudioDecoderOptions,
    /// Channels the inner decoder interleaves.
    inner_channels: usize,
    /// For each output channel (Vorbis order): the inner channel that feeds it, or `None` for
    /// silence.
    source_of: Vec<Option<usize>>,
    /// For each output channel (Vorbis order): its plane in `buf` (symphonia's canonical order).
    plane_of: Vec<usize>,
    /// One packet of interleaved PCM from the inner decoder.
    interleaved: Vec<f32>,
    buf: AudioBuffer<f32>,
    /// Pre-skip frames still to drop.
    skip_left: u64,
}

fn codec_error(err: opus_pure::Error) -> SymError {
    match err {
        opus_pure::Error::InvalidPacket(_) => SymError::DecodeError("opus: invalid packet"),
        opus_pure::Error::BufferTooSmall { .. } => {
            SymError::DecodeError("opus: packet longer than 120 ms")
        }
        _ => SymError::DecodeError("opus: the packet does not decode"),
    }
}

impl OpusDecoder {
    /// Builds a decoder for the stream `params` describe.
    pub fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> SymResult<Self> {
        if params.codec != CODEC_ID_OPUS {
            return Err(SymError::Unsupported("opus: not an Opus stream"));
        }
        let head = match params.extra_data.as_deref() {
            Some(data) if !data.is_empty() => OpusHead::parse(data)?,
            _ => {
                let count = params.channels.as_ref().map(|c| c.count()).unwrap_or(0);
                OpusHead::implied(u8::try_from(count).unwrap_or(0))?
            }
        };

        let (inner, inner_channels, source_of) = match head.mapping_family {
            0 => {
                let mut d =
                    opus_pure::OpusDecoder::new(OPUS_RATE as i32, usize::from(head.channels))
                        .map_err(|_| SymError::Unsupported("opus: unsupported channel count"))?;
                d.gain_q8 = i32::from(head.output_gain_q8);
                let source_of = (0..usize::from(head.channels)).map(Some).collect();
                (Inner::Single(Box::new(d)), usize::from(head.channels), source_of)
            }
            1 => {
                let channels = usize::from(head.channels);
                let layout = ChannelLayout::surround(channels, 1).map_err(|_| {
                    SymError::Unsupported("opus: more than 8 channels in mapping family 1")
                })?;
                if layout.nb_streams != usize::from(head.stream_count)
                    || layout.nb_coupled_streams != usize::from(head.coupled_count)
                {
                    return Err(SymError::Unsupported(
                        "opus: a surround stream with a non-standard stream layout",
                    ));
                }
                // The inner decoder renders the standard layout: its channel j carries decoded
                // channel `layout.mapping[j]`. The header may map decoded channels to outputs
                // differently; route each output from the inner channel that carries the
                // decoded channel it asks for.
                let mut source_of = Vec::with_capacity(channels);
                for &wanted in &head.mapping {
                    if wanted == 255 {
                        source_of.push(None);
                        continue;
                    }
                    match layout.mapping.iter().position(|&m| m == wanted) {
                        Some(j) => source_of.push(Some(j)),
                        None => {
                            return Err(SymError::Unsupported(
                                "opus: a surround stream with a non-standard channel mapping",
                            ));
                        }
                    }
                }
                let mut d = OpusMSDecoder::new(OPUS_RATE as i32, channels, 1)
                    .map_err(|_| SymError::Unsupported("opus: unsupported surround layout"))?;
                for s in d.streams_mut() {
                    s.gain_q8 = i32::from(head.output_gain_q8);
                }
                (Inner::Multi(d), channels, source_of)
            }
            2 | 3 => {
                return Err(SymError::Unsupported(
                    "opus: ambisonic channel mapping (family 2 or 3)",
                ));
            }
            _ => {
                return Err(SymError::Unsupported(
                    "opus: channel mapping family 255 (unordered discrete channels)",
                ));
            }
        };

        let positions = vorbis_positions(head.channels)
            .ok_or(SymError::Unsupported("opus: more than 8 channels"))?;
        let mut all = Position::empty();
        for &p in positions {
            all |= p;
        }
        let channels = Channels::Positioned(all);
        let mut plane_of = Vec::with_capacity(positions.len());
        for &p in positions {
            let plane = channels
                .get_canonical_index_for_positioned_channel(p)
                .ok_or(SymError::Unsupported("opus: channel layout"))?;
            plane_of.push(plane);
        }

        let mut out_params = params.clone();
        out_params
            .with_sample_rate(OPUS_RATE)
            .with_channels(channels.clone())
            .with_max_frames_per_packet(MAX_PACKET_SAMPLES as u64);

        let spec = AudioSpec::new(OPUS_RATE, channels);
        Ok(OpusDecoder {
            params: out_params,
            skip_left: u64::from(head.pre_skip),
            head,
            inner,
            opts: *opts,
            inner_channels,
            source_of,
            plane_of,
            interleaved: vec![0.0; MAX_PACKET_SAMPLES * inner_channels],
            buf: AudioBuffer::new(spec, MAX_PACKET_SAMPLES),
        })
    }

    /// After a seek the stream continues mid-way: clear the codec state only. The pre-skip
    /// belongs to the start of the stream and is not applied again.
    fn reset_codec(&mut self) {
        self.inner.reset();
    }

    fn info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    /// The stream's parsed `OpusHead`.
    #[cfg(test)]
    pub fn head(&self) -> &OpusHead {
        &self.head
    }

    fn decode_inner(&mut self, packet: &PacketRef<'_>) -> SymResult<()> {
        self.buf.clear();
        if packet.data.is_empty() {
            return Err(SymError::DecodeError("opus: empty packet"));
        }
        // opus-pure returns an error for every malformed packet it was tested with (and this
        // crate's own fuzzing found no panic), but it is 40k lines of codec: should one still
        // panic on some packet, that packet becomes a decode error, not the end of a batch.
        let inner = &mut self.inner;
        let interleaved = &mut self.interleaved;
        let decoded = super::guarded(|| inner.decode(packet.data, interleaved));
        let n = match decoded {
            Some(result) => result.map_err(codec_error)?,
            None => {
                self.reset_codec();
                return Err(SymError::DecodeError("opus: the decoder failed on this packet"));
            }
        };
        let n = n.min(MAX_PACKET_SAMPLES);
        self.buf.render_uninit(Some(n));
        let stride = self.inner_channels;
        for (out_ch, &plane_idx) in self.plane_of.iter().enumerate() {
            let Some(plane) = self.buf.plane_mut(plane_idx) else {
                return Err(SymError::DecodeError("opus: missing audio plane"));
            };
            match self.source_of.get(out_ch).copied().flatten() {
                // Stereo, the usual case, by whole frames: no bounds check per sample.
                Some(src) if stride == 2 && src < 2 => {
                    let (frames, _) = self.interleaved.as_chunks::<2>();
                    for (dst, frame) in plane.iter_mut().zip(frames) {
                        *dst = frame[src];
                    }
                }
                Some(src) => {
                    for (dst, frame) in plane.iter_mut().zip(self.interleaved.chunks_exact(stride))
                    {
                        *dst = frame.get(src).copied().unwrap_or(0.0);
                    }
                }
                None => plane.fill(0.0),
            }
        }

        if self.opts.gapless {
            // The pre-skip covers the first `pre_skip` samples of the stream; a container's own
            // start trim of this packet covers its first `trim_start` samples. Drop the union.
            let pre = self.skip_left.min(n as u64);
            self.skip_left -= pre;
            let start = (pre.max(packet.trim_start.get())).min(n as u64) as usize;
            let end = packet.trim_end.get().min(n as u64) as usize;
            self.buf.trim(start, end);
        }
        Ok(())
    }
}

audio_decoder_adapter!(OpusDecoder);

static SUPPORTED: [SupportedAudioCodec; 1] = [SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo { short_name: "opus", long_name: "Opus (opus-pure)", profiles: &[] },
}];

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use opus_pure::{Application, MAX_PACKET_BYTES, OggOpusWriter, OpusEncoder, OpusMSEncoder};
    use std::path::Path;
    use symphonia::core::packet::Packet;
    use symphonia::core::units::{Duration, Timestamp};

    /// The bytes of an `OpusHead`.
    pub(crate) fn head_bytes(
        channels: u8,
        pre_skip: u16,
        gain_q8: i16,
        family: u8,
        extra: &[u8],
    ) -> Vec<u8> {
        let mut v = b"OpusHead".to_vec();
        v.push(1);
        v.push(channels);
        v.extend_from_slice(&pre_skip.to_le_bytes());
        v.extend_from_slice(&16_000u32.to_le_bytes());
        v.extend_from_slice(&gain_q8.to_le_bytes());
        v.push(family);
        v.extend_from_slice(extra);
        v
    }

    fn params(extra: Vec<u8>, container_rate: u32) -> AudioCodecParameters {
        let mut p = AudioCodecParameters::new();
        p.for_codec(CODEC_ID_OPUS)
            .with_sample_rate(container_rate)
            .with_extra_data(extra.into_boxed_slice());
        p
    }

    /// A test signal: a chirp from 200 Hz to 3 kHz on channel 0, tones on the others, at
    /// amplitudes that tell the channels apart.
    pub(crate) fn signal(frames: usize, channels: usize) -> Vec<f32> {
        let mut pcm = Vec::with_capacity(frames * channels);
        for i in 0..frames {
            let t = i as f64 / 48_000.0;
            for c in 0..channels {
                let x = if c == 0 {
                    0.5 * (2.0 * std::f64::consts::PI * (200.0 + 1400.0 * t) * t).sin()
                } else {
                    0.08 * c as f64 * (2.0 * std::f64::consts::PI * (300.0 * c as f64) * t).sin()
                };
                pcm.push(x as f32);
            }
        }
        pcm
    }

    /// Encodes `pcm` (interleaved, 48 kHz) in 20 ms packets plus enough silence to flush the
    /// encoder; returns the packets and the pre-skip.
    pub(crate) fn encode(pcm: &[f32], channels: usize) -> (Vec<Vec<u8>>, u16) {
        let mut enc = OpusEncoder::new(48_000, channels, Application::Audio).unwrap();
        enc.bitrate_bps = 96_000;
        let pre_skip = enc.lookahead() as u16;
        let frame = 960 * channels;
        let mut padded = pcm.to_vec();
        let total = (pcm.len() + usize::from(pre_skip) * channels).div_ceil(frame) * frame;
        padded.resize(total, 0.0);
        let mut out = vec![0u8; MAX_PACKET_BYTES];
        let packets = padded
            .chunks_exact(frame)
            .map(|block| {
                let n = enc.encode(block, 960, &mut out).unwrap();
                out[..n].to_vec()
            })
            .collect();
        (packets, pre_skip)
    }

    fn packet(data: &[u8], trim_end: u64) -> Packet {
        let mut p = Packet::new(0, Timestamp::ZERO, Duration::new(960), data.to_vec());
        p.trim_end = Duration::new(trim_end);
        p
    }

    /// Decodes every packet and returns the planes (canonical order) and the channel set.
    fn decode_all(dec: &mut OpusDecoder, packets: &[Packet]) -> (Vec<Vec<f32>>, Channels) {
        let mut planes: Vec<Vec<f32>> = Vec::new();
        let mut chunk = Vec::new();
        let mut channels = Channels::Discrete(0);
        for p in packets {
            let buf = dec.decode(p).unwrap();
            channels = buf.spec().channels().clone();
            assert_eq!(buf.spec().rate(), 48_000);
            buf.copy_to_vecs_planar::<f32>(&mut chunk);
            planes.resize(chunk.len(), Vec::new());
            for (all, c) in planes.iter_mut().zip(&chunk) {
                all.extend_from_slice(&c[..buf.frames()]);
            }
        }
        (planes, channels)
    }

    fn snr_db(reference: &[f32], test: &[f32]) -> f64 {
        let (mut s, mut e) = (0f64, 0f64);
        for (&r, &t) in reference.iter().zip(test) {
            s += f64::from(r) * f64::from(r);
            e += f64::from(r - t) * f64::from(r - t);
        }
        10.0 * (s / e.max(1e-30)).log10()
    }

    /// The lag (in samples, within ±max) at which `test` best matches `reference`.
    pub(crate) fn best_lag(reference: &[f32], test: &[f32], max: i64) -> i64 {
        let n = reference.len().min(test.len()) as i64;
        (-max..=max)
            .max_by(|&a, &b| {
                let corr = |lag: i64| -> f64 {
                    (max..n - max)
                        .map(|i| {
                            f64::from(reference[i as usize]) * f64::from(test[(i + lag) as usize])
                        })
                        .sum()
                };
                corr(a).total_cmp(&corr(b))
            })
            .unwrap_or(0)
    }

    pub(crate) fn channel(pcm: &[f32], channels: usize, c: usize) -> Vec<f32> {
        pcm.iter().skip(c).step_by(channels).copied().collect()
    }

    #[test]
    fn head_parses_family_0_and_1() {
        let mono = OpusHead::parse(&head_bytes(1, 312, -256, 0, &[])).unwrap();
        assert_eq!((mono.channels, mono.pre_skip, mono.output_gain_q8), (1, 312, -256));
        assert_eq!((mono.stream_count, mono.coupled_count), (1, 0));
        let stereo = OpusHead::parse(&head_bytes(2, 3840, 0, 0, &[])).unwrap();
        assert_eq!((stereo.stream_count, stereo.coupled_count), (1, 1));
        assert_eq!(stereo.input_rate, 16_000);
        let six = OpusHead::parse(&head_bytes(6, 312, 0, 1, &[4, 2, 0, 4, 1, 2, 3, 5])).unwrap();
        assert_eq!(six.mapping, vec![0, 4, 1, 2, 3, 5]);
        // A minor version above 1 is fine.
        let mut minor = head_bytes(1, 0, 0, 0, &[]);
        minor[8] = 0x0F;
        assert!(OpusHead::parse(&minor).is_ok());
    }

    #[test]
    fn head_rejects_bad_headers_without_panicking() {
        let good = head_bytes(6, 312, 0, 1, &[4, 2, 0, 4, 1, 2, 3, 5]);
        for len in 0..good.len() {
            assert!(OpusHead::parse(&good[..len]).is_err(), "truncated to {len}");
        }
        let mut version = head_bytes(2, 312, 0, 0, &[]);
        version[8] = 0x10;
        assert!(matches!(OpusHead::parse(&version), Err(SymError::Unsupported(_))));
        let zero = head_bytes(0, 312, 0, 0, &[]);
        assert!(matches!(OpusHead::parse(&zero), Err(SymError::DecodeError(_))));
        assert!(OpusHead::parse(&head_bytes(3, 312, 0, 0, &[])).is_err());
        assert!(OpusHead::parse(&head_bytes(2, 312, 0, 1, &[0, 0, 0, 1])).is_err());
        assert!(OpusHead::parse(&head_bytes(2, 312, 0, 1, &[1, 2, 0, 1])).is_err());
        assert!(OpusHead::parse(&head_bytes(2, 312, 0, 1, &[1, 0, 0, 1])).is_err());
        assert!(OpusHead::parse(b"OpusTags\x01\x02\0\0\0\0\0\0\0\0\0\0\0").is_err());
        // Arbitrary bytes after the magic never panic.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let mut data = b"OpusHead".to_vec();
            data.extend((0..len).map(|i| (seed >> (i % 8 * 8)) as u8));
            let _ = OpusHead::parse(&data);
            let _ = OpusDecoder::try_new(&params(data, 48_000), &AudioDecoderOptions::default());
        }
    }

    #[test]
    fn unsupported_layouts_are_refused_clearly() {
        let opts = AudioDecoderOptions::default();
        let family255 = head_bytes(2, 312, 0, 255, &[2, 0, 0, 1]);
        assert!(matches!(
            OpusDecoder::try_new(&params(family255, 48_000), &opts),
            Err(SymError::Unsupported(_))
        ));
        // Six channels as six mono streams: valid Opus, not the standard 5.1 layout.
        let odd = head_bytes(6, 312, 0, 1, &[6, 0, 0, 1, 2, 3, 4, 5]);
        assert!(matches!(
            OpusDecoder::try_new(&params(odd, 48_000), &opts),
            Err(SymError::Unsupported(_))
        ));
        let nine = head_bytes(9, 312, 0, 1, &[5, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(matches!(
            OpusDecoder::try_new(&params(nine, 48_000), &opts),
            Err(SymError::Unsupported(_))
        ));
        // No header at all: mono and stereo are implied, more is refused.
        let mut none = AudioCodecParameters::new();
        none.for_codec(CODEC_ID_OPUS).with_channels(Channels::Discrete(2));
        let dec = OpusDecoder::try_new(&none, &opts).unwrap();
        assert_eq!(dec.head().pre_skip, 0);
        none.with_channels(Channels::Discrete(6));
        assert!(OpusDecoder::try_new(&none, &opts).is_err());
    }

    #[test]
    fn mono_round_trip_drops_pre_skip_and_end_padding() {
        let frames = 48_000 + 123;
        let pcm = signal(frames, 1);
        let (packets, pre_skip) = encode(&pcm, 1);
        assert!(pre_skip > 0);
        let decoded_total = packets.len() * 960;
        let padding = (decoded_total - usize::from(pre_skip) - frames) as u64;
        let last = packets.len() - 1;
        let packets: Vec<Packet> = packets
            .iter()
            .enumerate()
            .map(|(i, p)| packet(p, if i == last { padding } else { 0 }))
            .collect();

        // The container states the input rate (16 kHz); the decoder says 48 kHz.
        let mut dec = OpusDecoder::try_new(
            &params(head_bytes(1, pre_skip, 0, 0, &[]), 16_000),
            &AudioDecoderOptions::default(),
        )
        .unwrap();
        assert_eq!(dec.codec_params().sample_rate, Some(48_000));
        let (planes, channels) = decode_all(&mut dec, &packets);
        assert_eq!(channels, Channels::Positioned(Position::FRONT_CENTER));
        assert_eq!(planes.len(), 1);
        assert_eq!(planes[0].len(), frames, "exact length after pre-skip and end trim");
        assert_eq!(best_lag(&pcm, &planes[0], 40), 0, "no time shift");
        let snr = snr_db(&pcm, &planes[0]);
        assert!(snr > 15.0, "SNR {snr:.1} dB");

        // Without gapless trimming every decoded sample comes out.
        let mut raw = OpusDecoder::try_new(
            &params(head_bytes(1, pre_skip, 0, 0, &[]), 48_000),
            &AudioDecoderOptions::default().gapless(false),
        )
        .unwrap();
        let (planes, _) = decode_all(&mut raw, &packets);
        assert_eq!(planes[0].len(), decoded_total);
    }

    #[test]
    fn pre_skip_longer_than_a_packet_spans_packets() {
        let pcm = signal(9600, 1);
        let (packets, _) = encode(&pcm, 1);
        let packets: Vec<Packet> = packets.iter().map(|p| packet(p, 0)).collect();
        let mut dec = OpusDecoder::try_new(
            &params(head_bytes(1, 2500, 0, 0, &[]), 48_000),
            &AudioDecoderOptions::default(),
        )
        .unwrap();
        let (planes, _) = decode_all(&mut dec, &packets);
        assert_eq!(planes[0].len(), packets.len() * 960 - 2500);
    }

    #[test]
    fn stereo_round_trip_keeps_channels_apart_and_applies_gain() {
        let frames = 24_000;
        let pcm = signal(frames, 2);
        let (packets, pre_skip) = encode(&pcm, 2);
        let packets: Vec<Packet> = packets.iter().map(|p| packet(p, 0)).collect();
        let opts = AudioDecoderOptions::default();
        let mut dec =
            OpusDecoder::try_new(&params(head_bytes(2, pre_skip, 0, 0, &[]), 48_000), &opts)
                .unwrap();
        let (planes, channels) = decode_all(&mut dec, &packets);
        assert_eq!(channels, Channels::Positioned(Position::FRONT_LEFT | Position::FRONT_RIGHT));
        for (c, plane) in planes.iter().enumerate() {
            let want = channel(&pcm, 2, c);
            let snr = snr_db(&want, plane);
            assert!(snr > 12.0, "channel {c}: SNR {snr:.1} dB");
        }

        // +6.02 dB of output gain (Q7.8) doubles the amplitude.
        let mut loud =
            OpusDecoder::try_new(&params(head_bytes(2, pre_skip, 1541, 0, &[]), 48_000), &opts)
                .unwrap();
        let (louder, _) = decode_all(&mut loud, &packets);
        let energy = |x: &[f32]| x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>();
        let ratio = (energy(&louder[0]) / energy(&planes[0])).sqrt();
        assert!((ratio - 2.0).abs() < 0.01, "gain ratio {ratio}");
    }

    #[test]
    fn surround_channels_land_on_their_positions() {
        let channels = 6;
        let frames = 19_200;
        let pcm = signal(frames, channels);
        let mut enc = OpusMSEncoder::new(48_000, channels, 1, Application::Audio).unwrap();
        enc.set_bitrate(256_000);
        let layout = enc.layout().clone();
        let mut extra = vec![layout.nb_streams as u8, layout.nb_coupled_streams as u8];
        extra.extend_from_slice(&layout.mapping);
        let mut out = vec![0u8; MAX_PACKET_BYTES * channels];
        let packets: Vec<Packet> = pcm
            .chunks_exact(960 * channels)
            .map(|block| {
                let n = enc.encode(block, 960, &mut out).unwrap();
                packet(&out[..n], 0)
            })
            .collect();
        let opts = AudioDecoderOptions::default();
        let head = head_bytes(channels as u8, 0, 0, 1, &extra);
        let mut dec = OpusDecoder::try_new(&params(head, 48_000), &opts).unwrap();
        let (planes, layout_out) = decode_all(&mut dec, &packets);
        let positions = vorbis_positions(channels as u8).unwrap();
        let rms = |x: &[f32]| {
            (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64).sqrt()
        };
        for (c, &pos) in positions.iter().enumerate() {
            let plane = layout_out.get_canonical_index_for_positioned_channel(pos).unwrap();
            let want = rms(&channel(&pcm, channels, c));
            let got = rms(&planes[plane][2000..]);
            // The LFE stream is coded narrow-band: only check it is there.
            let tolerance = if pos == Position::LFE1 { 0.6 } else { 0.2 };
            assert!(
                (got / want - 1.0).abs() < tolerance,
                "Vorbis channel {c} ({pos:?}): rms {got:.4}, want {want:.4}"
            );
        }

        // A header that swaps the two front channels is honoured.
        let mut swapped = layout.mapping.clone();
        swapped.swap(0, 2);
        let mut extra = vec![layout.nb_streams as u8, layout.nb_coupled_streams as u8];
        extra.extend_from_slice(&swapped);
        let head = head_bytes(channels as u8, 0, 0, 1, &extra);
        let mut dec = OpusDecoder::try_new(&params(head, 48_000), &opts).unwrap();
        let (swapped_planes, _) = decode_all(&mut dec, &packets);
        let fl =
            layout_out.get_canonical_index_for_positioned_channel(Position::FRONT_LEFT).unwrap();
        let fr =
            layout_out.get_canonical_index_for_positioned_channel(Position::FRONT_RIGHT).unwrap();
        assert_eq!(swapped_planes[fl], planes[fr]);
        assert_eq!(swapped_planes[fr], planes[fl]);
    }

    #[test]
    fn corrupted_packets_are_decode_errors_and_decoding_goes_on() {
        let pcm = signal(9600, 2);
        let (packets, pre_skip) = encode(&pcm, 2);
        let mut dec = OpusDecoder::try_new(
            &params(head_bytes(2, pre_skip, 0, 0, &[]), 48_000),
            &AudioDecoderOptions::default(),
        )
        .unwrap();
        let bad: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xFF],                   // code 3 without a frame count
            vec![0x03, 0x00],             // code 3, zero frames
            vec![0x03, 0x3F, 0xFF, 0xFF], // 63 frames: longer than 120 ms
            vec![0x01, 0x05, 0x06],       // code 1 with an odd payload
            vec![0x02, 0xFF, 0xFF, 0x01], // code 2 whose first length runs off the end
        ];
        for data in &bad {
            match dec.decode(&packet(data, 0)) {
                Err(SymError::DecodeError(_)) => {}
                Ok(_) => {}
                Err(e) => panic!("{data:?}: {e}"),
            }
        }
        assert!(matches!(dec.decode(&packet(&[], 0)), Err(SymError::DecodeError(_))));
        // Random garbage and cut packets: never a panic.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for p in &packets {
            for cut in [1, p.len() / 2, p.len().saturating_sub(1)] {
                let _ = dec.decode(&packet(&p[..cut.max(1)], 0));
            }
            let mut junk = p.clone();
            for b in junk.iter_mut().skip(1) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b ^= seed as u8;
            }
            let _ = dec.decode(&packet(&junk, 0));
        }
        // The decoder still works.
        let buf = dec.decode(&packet(&packets[0], 0)).unwrap();
        assert_eq!(buf.frames(), 960);
    }

    #[test]
    fn registered_in_the_registry() {
        let mut registry = CodecRegistry::new();
        register(&mut registry);
        let reg = registry.get_audio_decoder(CODEC_ID_OPUS).unwrap();
        assert_eq!(reg.codec.info.short_name, "opus");
        let dec = (reg.factory)(
            &params(head_bytes(2, 312, 0, 0, &[]), 48_000),
            &AudioDecoderOptions::default(),
        )
        .unwrap();
        assert_eq!(dec.codec_params().sample_rate, Some(48_000));
    }

    /// An Ogg Opus file written by opus-pure with an exact end trim decodes, through the whole
    /// pipeline (symphonia's Ogg reader, this decoder, the caller's trimming), to exactly the
    /// input, unshifted.
    #[test]
    fn ogg_file_end_to_end() {
        let dir = tempfile::tempdir().unwrap();
        for channels in [1usize, 2] {
            let frames = 30_000 + 7;
            let pcm = signal(frames, channels);
            let (packets, pre_skip) = encode(&pcm, channels);
            let mut head = opus_pure::OpusHead::new(channels as u8, 48_000).unwrap();
            head.pre_skip = pre_skip;
            let mut writer = OggOpusWriter::new(Vec::new(), head).unwrap();
            let last = packets.len() - 1;
            for (i, p) in packets.iter().enumerate() {
                if i == last {
                    let end = u64::from(pre_skip) + frames as u64;
                    let dur = end - writer.granule() as u64;
                    writer.write_packet_with_duration(p, dur as u32).unwrap();
                } else {
                    writer.write_packet(p).unwrap();
                }
            }
            let path = dir.path().join(format!("t{channels}.opus"));
            std::fs::write(&path, writer.finish().unwrap()).unwrap();

            let mut d = crate::decode::Decoder::open(&path).unwrap();
            assert_eq!(d.info().sample_rate, 48_000);
            assert_eq!(d.info().codec, "opus");
            assert_eq!(d.info().channels as usize, channels);
            let mut got = vec![Vec::new(); channels];
            while let Some(chunk) = d.next_chunk().unwrap() {
                for (g, p) in got.iter_mut().zip(chunk.planes) {
                    g.extend_from_slice(&p[..chunk.frames]);
                }
            }
            assert_eq!(got[0].len(), frames, "{channels} channels: length");
            let want = channel(&pcm, channels, 0);
            assert_eq!(best_lag(&want, &got[0], 40), 0, "{channels} channels: shift");
            assert!(snr_db(&want, &got[0]) > 12.0);
        }
    }

    /// A pre-skip longer than the length check's tolerance (mutagen's example file has 65535)
    /// is not mistaken for a truncated file, and is dropped across packets.
    #[test]
    fn ogg_file_with_long_pre_skip() {
        let dir = tempfile::tempdir().unwrap();
        let pcm = signal(48_000, 1);
        let (packets, _) = encode(&pcm, 1);
        let pre_skip = 20_000u16;
        let mut head = opus_pure::OpusHead::new(1, 48_000).unwrap();
        head.pre_skip = pre_skip;
        let mut writer = OggOpusWriter::new(Vec::new(), head).unwrap();
        for p in &packets {
            writer.write_packet(p).unwrap();
        }
        let path = dir.path().join("long.opus");
        std::fs::write(&path, writer.finish().unwrap()).unwrap();
        let mut d = crate::decode::Decoder::open(&path).unwrap();
        let mut n = 0;
        while let Some(chunk) = d.next_chunk().unwrap() {
            n += chunk.frames;
        }
        assert_eq!(n, packets.len() * 960 - usize::from(pre_skip));
    }

    /// Compares this decoder, through the whole decode pipeline, with libopus via ffmpeg on
    /// the files listed (separated by `:`) in `PROMPTWAV_OPUS_FILES`:
    /// `PROMPTWAV_OPUS_FILES=a.opus:b.webm cargo test --release opus_matches_ffmpeg -- --ignored --nocapture`.
    /// Needs `ffmpeg` with libopus on the PATH.
    #[test]
    #[ignore = "needs ffmpeg with libopus and PROMPTWAV_OPUS_FILES"]
    fn opus_matches_ffmpeg() {
        let list = std::env::var("PROMPTWAV_OPUS_FILES").unwrap_or_default();
        for file in list.split(':').filter(|f| !f.is_empty()) {
            let out = std::process::Command::new("ffmpeg")
                .args(["-v", "error", "-c:a", "libopus", "-request_sample_fmt", "flt", "-i"])
                .arg(file)
                .args(["-f", "f32le", "-"])
                .output()
                .unwrap();
            assert!(out.status.success(), "ffmpeg failed on {file}");
            let reference: Vec<f32> = out
                .stdout
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let mut d = crate::decode::Decoder::open(Path::new(file)).unwrap();
            let mut planes: Vec<Vec<f32>> = Vec::new();
            while let Some(chunk) = d.next_chunk().unwrap() {
                planes.resize(chunk.planes.len(), Vec::new());
                for (all, p) in planes.iter_mut().zip(chunk.planes) {
                    all.extend_from_slice(&p[..chunk.frames]);
                }
            }
            let channels = planes.len();
            let ours = planes[0].len();
            let theirs = reference.len() / channels;
            let head = ours.min(theirs).min(96_000);
            let lag = best_lag(
                &channel(&reference, channels, 0)[..head],
                &planes[0][..head],
                2000.min(head as i64 / 4),
            );
            let (mut sig, mut err) = (0f64, 0f64);
            for (i, frame) in reference.chunks_exact(channels).take(ours).enumerate() {
                for (c, &r) in frame.iter().enumerate() {
                    let e = f64::from(r) - f64::from(planes[c][i]);
                    sig += f64::from(r) * f64::from(r);
                    err += e * e;
                }
            }
            let snr = 10.0 * (sig / err.max(1e-30)).log10();
            let diff = ours as i64 - theirs as i64;
            println!(
                "{file}: {channels} ch, offset {lag}, length {ours} vs {theirs} ({diff:+}, {:+.3} ms), SNR {snr:.1} dB",
                diff as f64 / 48.0
            );
            assert_eq!(lag, 0, "{file}: offset");
            assert!(diff.abs() <= 48, "{file}: length");
            assert!(snr > 100.0, "{file}: SNR");
        }
    }
}
