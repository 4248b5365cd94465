//! MP3 (MPEG audio layer III) frames decoded by nanomp3 (our fork of it: `super::nanomp3`), a
//! safe Rust port of minimp3, in place of symphonia's MP3 decoder: the same frames from
//! symphonia's MP3 demuxer (so the LAME/Xing gapless trims, ID3 skipping and length checks stay
//! as they are), decoded in about 20 % less time (`examples/decode_only`).
//!
//! Guarantees, as symphonia's decoder: one packet is one frame, and gives the frame's full
//! length of audio (a frame whose bit-reservoir bytes are missing gives silence of that length,
//! so the timing and the gapless trims hold); a damaged frame is a decode error, also one on
//! which nanomp3 panics; a change of sample rate or channel count part-way is a decode error.
//! MP1 and MP2 stay with symphonia.

use super::nanomp3::{self, DecodeError, MAX_SAMPLES_PER_FRAME};
use symphonia::core::audio::layouts::{CHANNEL_LAYOUT_MONO, CHANNEL_LAYOUT_STEREO};
use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, GenericAudioBufferRef,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{
    CodecRegistry, RegisterableAudioDecoder, SupportedAudioCodec,
};
use symphonia::core::errors::{Error as SymError, Result as SymResult};
use symphonia::core::packet::PacketRef;

/// Registers the decoder for MP3, replacing symphonia's.
pub fn register(registry: &mut CodecRegistry) {
    registry.register_audio_decoder::<Mp3Decoder>();
}

/// A symphonia decoder for MP3 frames, backed by nanomp3.
pub struct Mp3Decoder {
    params: AudioCodecParameters,
    opts: AudioDecoderOptions,
    inner: Box<nanomp3::Decoder>,
    /// The frame, followed by a copy of its own header: nanomp3 takes a frame as one only when
    /// it sees the header of the next.
    input: Vec<u8>,
    interleaved: Vec<f32>,
    buf: AudioBuffer<f32>,
    /// The rate and channel count of the stream, as the demuxer found them (from its first
    /// frame): a frame that differs is an error. Fixed from the start rather than taken from
    /// the first frame decoded, so that a decoder started part-way (see `decode::ahead`) judges
    /// every frame as one that started at the beginning does.
    spec: Option<(u32, usize)>,
}

impl Mp3Decoder {
    /// A decoder for the MP3 stream `params` describe.
    pub fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> SymResult<Self> {
        if params.codec != CODEC_ID_MP3 {
            return Err(SymError::Unsupported("mp3: not an MP3 stream"));
        }
        Ok(Mp3Decoder {
            params: params.clone(),
            opts: *opts,
            inner: Box::new(nanomp3::Decoder::new()),
            input: Vec::new(),
            interleaved: vec![0.0; MAX_SAMPLES_PER_FRAME],
            buf: AudioBuffer::default(),
            spec: params.sample_rate.zip(params.channels.as_ref().map(|c| c.count())),
        })
    }

    fn reset_codec(&mut self) {
        *self.inner = nanomp3::Decoder::new();
    }

    fn info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    fn decode_inner(&mut self, packet: &PacketRef<'_>) -> SymResult<()> {
        let data = packet.data;
        if data.len() < 4 {
            return Err(SymError::DecodeError("mp3: packet too short"));
        }
        self.input.clear();
        self.input.extend_from_slice(data);
        self.input.extend_from_slice(&data[..4]);
        // nanomp3 panics on some crafted frames (an index out of bounds in its short-block
        // reordering, found by our fuzzing): such a frame is a damaged packet, and the decoder,
        // whose state it may have left half-done, starts afresh.
        let inner = &mut self.inner;
        let (input, interleaved) = (&self.input, &mut self.interleaved);
        let Some((consumed, result)) = super::guarded(|| inner.decode(input, interleaved)) else {
            self.reset_codec();
            return Err(SymError::DecodeError("mp3: the decoder failed on this frame"));
        };
        let (info, silent) = match result {
            Ok(info) => (info, false),
            // Like symphonia's decoder: the granules whose data is missing are silent.
            Err(DecodeError::ReservoirUnavailable(info)) => (info, true),
            Err(DecodeError::Corrupt(_)) => {
                return Err(SymError::DecodeError("mp3: corrupt frame"));
            }
            Err(_) => return Err(SymError::DecodeError("mp3: not an MPEG audio frame")),
        };
        // Junk skipped before the frame means the packet was not one clean frame.
        if consumed != data.len() || info.layer != 3 {
            return Err(SymError::DecodeError("mp3: invalid packet"));
        }
        let channels = usize::from(info.channels.num());
        let frames = if silent { frame_len(info.sample_rate) } else { info.samples_produced };
        match self.spec {
            None => self.spec = Some((info.sample_rate, channels)),
            Some(spec) if spec != (info.sample_rate, channels) => {
                return Err(SymError::DecodeError("mp3: the stream changes format part-way"));
            }
            Some(_) => {}
        }
        if self.buf.is_unused() {
            let layout = if channels == 1 { CHANNEL_LAYOUT_MONO } else { CHANNEL_LAYOUT_STEREO };
            self.buf = AudioBuffer::new(AudioSpec::new(info.sample_rate, layout), 1152);
        }
        let frames = frames.min(1152);
        self.buf.render_uninit(Some(frames));
        if channels == 2 && !silent {
            // Both planes in one pass over the frame (the general loop below strides twice).
            let Some((left, right)) = self.buf.plane_pair_mut(0, 1) else {
                return Err(SymError::DecodeError("mp3: missing audio plane"));
            };
            let pairs = self.interleaved.chunks_exact(2);
            for ((l, r), pair) in left.iter_mut().zip(right.iter_mut()).zip(pairs) {
                *l = pair[0];
                *r = pair[1];
            }
            self.trim(packet);
            return Ok(());
        }
        for c in 0..channels {
            let Some(plane) = self.buf.plane_mut(c) else {
                return Err(SymError::DecodeError("mp3: missing audio plane"));
            };
            if silent {
                plane.fill(0.0);
            } else {
                let samples = self.interleaved.get(c..).unwrap_or_default();
                for (dst, &sample) in plane.iter_mut().zip(samples.iter().step_by(channels)) {
                    *dst = sample;
                }
            }
        }
        self.trim(packet);
        Ok(())
    }

    /// Applies the packet's gapless trims to the decoded frame, when asked for.
    fn trim(&mut self, packet: &PacketRef<'_>) {
        if self.opts.gapless {
            self.buf.trim(packet.trim_start.get() as usize, packet.trim_end.get() as usize);
        }
    }
}

/// Frames in an MP3 frame: 1152 for MPEG-1 (32, 44.1, 48 kHz), 576 for MPEG-2 and 2.5.
fn frame_len(rate: u32) -> usize {
    if rate >= 32_000 { 1152 } else { 576 }
}

audio_decoder_adapter!(Mp3Decoder);

static SUPPORTED: [SupportedAudioCodec; 1] = [SupportedAudioCodec {
    id: CODEC_ID_MP3,
    info: CodecInfo { short_name: "mp3", long_name: "MPEG Audio Layer 3 (nanomp3)", profiles: &[] },
}];
