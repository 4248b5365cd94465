//! 16-bit little-endian PCM (the common WAV) decoded in one pass, in place of symphonia's PCM
//! decoder, which reads every sample through a byte reader that checks each read: that took 15 %
//! of a 3-minute WAV conversion's CPU (`perf`), more than any other stage but the resampler.
//!
//! Guarantees: the samples are bit for bit symphonia's (the same 16-bit values, in an
//! `AudioBuffer<i16>` of the same layout, converted to float by symphonia as before; tested packet
//! by packet on every WAV fixture); a packet gives its whole frames, a trailing partial frame is
//! dropped, as symphonia does. Only the plain case is ours: a stream whose samples are coded on
//! fewer bits than 16, and every other PCM codec, get symphonia's decoder itself.

use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, GenericAudioBufferRef,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_PCM_S16LE;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{
    CodecRegistry, RegisterableAudioDecoder, SupportedAudioCodec,
};
use symphonia::core::errors::{Error as SymError, Result as SymResult};
use symphonia::core::packet::PacketRef;

/// Registers the decoder for 16-bit little-endian PCM, in front of symphonia's.
pub fn register(registry: &mut CodecRegistry) {
    registry.register_audio_decoder::<Pcm16Decoder>();
}

/// 16-bit little-endian PCM, every sample coded on its 16 bits.
pub struct Pcm16Decoder {
    params: AudioCodecParameters,
    buf: AudioBuffer<i16>,
    channels: usize,
}

impl Pcm16Decoder {
    /// The decoder for `params`, or symphonia's own when the stream is not the plain case. The
    /// parameters are checked by building symphonia's decoder first: the same streams are
    /// accepted, with the same channel layout.
    fn try_new_boxed(
        params: &AudioCodecParameters,
        opts: &AudioDecoderOptions,
    ) -> SymResult<Box<dyn AudioDecoder>> {
        let theirs = symphonia::default::codecs::PcmDecoder::try_new(params, opts)?;
        let (Some(rate), Some(channels), true) =
            (params.sample_rate, params.channels.clone(), plain(params))
        else {
            return Ok(Box::new(theirs));
        };
        let count = channels.count();
        let capacity = usize::try_from(params.max_frames_per_packet.unwrap_or(0)).unwrap_or(0);
        Ok(Box::new(Pcm16Decoder {
            params: params.clone(),
            buf: AudioBuffer::new(AudioSpec::new(rate, channels), capacity),
            channels: count,
        }))
    }

    fn reset_codec(&mut self) {}

    fn info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    fn decode_inner(&mut self, packet: &PacketRef<'_>) -> SymResult<()> {
        let frame_bytes = 2 * self.channels;
        if frame_bytes == 0 {
            return Err(SymError::DecodeError("pcm: no channels"));
        }
        let frames = packet.data.len() / frame_bytes;
        self.buf.grow_capacity(frames);
        self.buf.render_uninit(Some(frames));
        let data = &packet.data[..frames * frame_bytes];
        let sample = |b: &[u8]| i16::from_le_bytes([b[0], b[1]]);
        match self.channels {
            1 => {
                let plane = self.buf.plane_mut(0).ok_or_else(missing)?;
                for (d, b) in plane.iter_mut().zip(data.chunks_exact(2)) {
                    *d = sample(b);
                }
            }
            2 => {
                let (left, right) = self.buf.plane_pair_mut(0, 1).ok_or_else(missing)?;
                for ((l, r), b) in left.iter_mut().zip(right.iter_mut()).zip(data.chunks_exact(4)) {
                    *l = sample(&b[..2]);
                    *r = sample(&b[2..]);
                }
            }
            n => {
                for c in 0..n {
                    let plane = self.buf.plane_mut(c).ok_or_else(missing)?;
                    for (d, b) in plane.iter_mut().zip(data.chunks_exact(frame_bytes)) {
                        *d = sample(&b[2 * c..]);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether `params` is 16-bit little-endian PCM with every sample coded on its 16 bits.
fn plain(params: &AudioCodecParameters) -> bool {
    let bits = params.bits_per_sample.unwrap_or(16);
    params.codec == CODEC_ID_PCM_S16LE
        && bits == 16
        && params.bits_per_coded_sample.unwrap_or(bits) == 16
}

fn missing() -> SymError {
    SymError::DecodeError("pcm: missing audio plane")
}

audio_decoder_adapter!(Pcm16Decoder, Pcm16Decoder::try_new_boxed);

static SUPPORTED: [SupportedAudioCodec; 1] = [SupportedAudioCodec {
    id: CODEC_ID_PCM_S16LE,
    info: CodecInfo {
        short_name: "pcm_s16le",
        long_name: "PCM signed 16-bit little-endian (promptwav)",
        profiles: &[],
    },
}];

#[cfg(test)]
mod tests {
    use std::path::Path;

    use symphonia::core::packet::Packet;

    use super::*;

    /// Each packet's samples (interleaved), or that it failed.
    type Outcomes = Vec<Result<Vec<i16>, ()>>;

    /// Every packet's outcome with our decoder and with symphonia's. `None` when the file is not
    /// plain 16-bit PCM as the decoder module opens it.
    fn both(path: &Path) -> Option<(Outcomes, Outcomes)> {
        let decoder = super::super::Decoder::open(path).ok()?;
        let track_id = decoder.track_id;
        let params = decoder.params.clone();
        if !plain(&params) {
            return None;
        }
        let mut reader = decoder.reader;
        let opts = AudioDecoderOptions::default();
        // Through the registry, as files are decoded: ours, not symphonia's.
        let registered = super::super::registries().1.get_audio_decoder(params.codec)?;
        let mut ours = (registered.factory)(&params, &opts).ok()?;
        assert_eq!(ours.codec_info().long_name, SUPPORTED[0].info.long_name);
        let mut theirs = symphonia::default::codecs::PcmDecoder::try_new(&params, &opts).ok()?;
        let mut packets: Vec<Packet> = Vec::new();
        while let Ok(Some(packet)) = reader.next_packet() {
            if packet.track_id == track_id {
                packets.push(packet);
            }
        }
        // A packet cut short by a byte, and one of a frame and a half, as a damaged file gives.
        if let Some(last) = packets.last().cloned() {
            let mut cut = last.clone();
            cut.data = last.data[..last.data.len().saturating_sub(1)].into();
            packets.push(cut);
            let mut odd = last.clone();
            odd.data =
                last.data[..last.data.len().min(3 * params.channels.as_ref()?.count())].into();
            packets.push(odd);
        }
        let run = |d: &mut dyn AudioDecoder| {
            packets
                .iter()
                .map(|p| {
                    d.decode(p).map_err(|_| ()).map(|buf| {
                        let mut v: Vec<i16> = Vec::new();
                        buf.copy_to_vec_interleaved(&mut v);
                        v
                    })
                })
                .collect::<Vec<_>>()
        };
        Some((run(ours.as_mut()), run(&mut theirs)))
    }

    #[test]
    fn decodes_every_16_bit_wav_fixture_as_symphonia_does() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut checked = Vec::new();
        for path in super::super::files_below(&fixtures) {
            let Some((ours, theirs)) = both(&path) else { continue };
            assert_eq!(ours, theirs, "{}", path.display());
            checked.push(path.file_name().unwrap_or_default().to_string_lossy().to_string());
        }
        eprintln!("compared {} files", checked.len());
        for name in ["pcm_s16le_48000_mono.wav", "pcm_s16le_44100_stereo.wav"] {
            assert!(checked.iter().any(|c| c == name), "{name} not compared");
        }
        assert!(checked.len() > 20, "only {} files compared", checked.len());
    }
}
