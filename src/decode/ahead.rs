//! Decoding one file on several threads, with exactly the output of decoding it on one.
//!
//! The container is still read on the caller's thread, packet after packet; the packets of the
//! audio track are cut into segments of a few seconds, and each segment is decoded by a worker
//! thread with a decoder of its own. A decoder carries state from packet to packet (MP3's bit
//! reservoir, overlap and filterbank memory), so a worker first decodes the packets just before
//! its segment and throws their output away: for the codecs allowed here that is enough for its
//! state, and so its output, to be bit for bit what one decoder going through the whole file
//! gives (tested on every fixture with segments of a few packets). Codecs whose state never
//! settles exactly (AAC with noise substitution) are not decoded
//! this way, with one exception:
//!
//! Opus is decoded in segments of [`OPUS_SEGMENT_FRAMES`] after a warm-up of
//! [`OPUS_WARM_UP_FRAMES`], always (on one worker when the file has no second core), so that
//! its output is a function of the file alone, never of `--jobs` or the machine: the segment
//! boundaries and warm-ups are fixed by the packets' durations (from their TOC bytes). A file
//! no longer than one segment is decoded by one decoder from its start, exactly as without
//! segments. A segment starts with a new decoder only after a warm-up of CELT-only packets
//! (CELT's energy prediction, filter memories and pitch post-filter converge, not always to the
//! bit; SILK's state is reset by the decoder itself when SILK follows CELT-only packets);
//! otherwise it goes on with the decoder of the segment before, on the same worker. The output
//! is within [`OPUS_MIN_SNR_DB`] of one decoder going through the whole file (tested on CELT,
//! hybrid and SILK files, the fixtures and real files: 148 dB and more).
//!
//! The caller sees the same stream of events as from the container itself: every packet read,
//! the end or the container's error in its place, and for each audio packet what decoding it
//! gave, in order. Errors, damaged packets and the end are judged by the caller exactly as
//! without workers. Memory is bounded: at most two segments per worker are in flight (one for
//! Opus, whose segments are longer).

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use symphonia::core::audio::{Audio, GenericAudioBufferRef};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::AudioDecoderFactoryFn;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatReader;
use symphonia::core::packet::Packet;

use super::{Decoded, MAX_IDLE_PACKETS, decode_with};

/// What a decoder of a codec needs before the first packet of a segment for its output there to
/// be exact (or, for Opus, within [`OPUS_MIN_SNR_DB`]): at least `packets` packets, `bytes`
/// bytes and `frames` frames (as [`Length`] measures them) of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WarmUp {
    packets: usize,
    bytes: usize,
    frames: u64,
    length: Length,
}

/// How the frames of a packet are counted, for segments and warm-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Length {
    /// The duration the container gives (at least 1).
    Declared,
    /// Opus: the samples at 48 kHz its TOC byte says (RFC 6716 §3.1), which every container
    /// agrees on (Matroska does not always give a duration); the declared one if the TOC is
    /// damaged.
    OpusToc,
}

impl Length {
    fn of(self, packet: &Packet) -> u64 {
        let declared = packet.dur.get().max(1);
        match self {
            Length::Declared => declared,
            Length::OpusToc => opus_pure::packet::samples_48k(&packet.data)
                .ok()
                .filter(|&n| n > 0)
                .map_or(declared, |n| n as u64),
        }
    }
}

/// The warm-up a codec needs, or `None` if its output cannot be made exact this way.
///
/// - FLAC and ALAC frames are independent.
/// - MP3 (our nanomp3 adapter): a frame's main data may start up to 511 bytes before its header
///   (the bit reservoir), and the overlap and filterbank memory come from the frame before: the
///   warm-up covers 2 KiB of frames, and at least two.
/// - Vorbis: a packet's output overlaps the packet before it (its window's right half), and
///   nothing else carries over (the codebooks and modes are the stream's): one packet.
/// - MP1 and MP2 are not decoded ahead: symphonia's decoder takes the stream's format from the
///   first frame it decodes, so one started part-way judges a stream that changes format
///   differently (found by the `ahead` fuzz target).
pub(super) fn warm_up(codec: &str) -> Option<WarmUp> {
    let exact = |packets, bytes| WarmUp { packets, bytes, frames: 0, length: Length::Declared };
    match codec {
        "flac" | "alac" => Some(exact(0, 0)),
        "mp3" => Some(exact(2, 2048)),
        "vorbis" => Some(exact(1, 0)),
        _ => None,
    }
}

/// Frames of source audio per segment (about 1.5 s at 44.1 kHz): long enough that the warm-up
/// costs little (about 5 % more decoding for MP3 at 128 kbit/s, one packet in 64 for Vorbis,
/// none for FLAC), short enough that both workers start at once and memory stays small (0.5 MB
/// of decoded stereo per segment; peak RSS of a 3-minute stereo file 12-16 MB).
pub(super) const SEGMENT_FRAMES: u64 = 1 << 16;

/// Opus segments: 4 s at 48 kHz, so that memory stays small (1.5 MB of decoded stereo per
/// segment, peak RSS under 16 MB), and prompts up to 4 s are never cut.
pub const OPUS_SEGMENT_FRAMES: u64 = 4 * 48_000;

/// The warm-up before an Opus segment: half a second at 48 kHz, an eighth more decoding (1 s was
/// bit-exact on every file tested, at a quarter more; half a second gives 148 dB and more).
pub const OPUS_WARM_UP_FRAMES: u64 = 24_000;

/// The least signal-to-noise ratio (dB) of Opus decoded in segments against one decoder going
/// through the whole file, over the whole output (tested).
#[allow(dead_code)] // Stated here, held by the test.
pub const OPUS_MIN_SNR_DB: f64 = 90.0;

/// The segments and warm-up of a codec decoded in segments whatever the threads (Opus), with
/// `pre_skip` frames dropped by a new decoder from its first output: `None` for other codecs,
/// and for a pre-skip the warm-up would not cover (the segment's own output would be cut).
///
/// Only single-stream Opus (mono, stereo): the modes of a multistream packet's other streams
/// are not looked at.
pub(super) fn always_segmented(codec: &str, pre_skip: u64, streams: u8) -> Option<(WarmUp, u64)> {
    let warm =
        WarmUp { packets: 1, bytes: 0, frames: OPUS_WARM_UP_FRAMES, length: Length::OpusToc };
    (codec == "opus" && streams == 1 && pre_skip < OPUS_WARM_UP_FRAMES / 2)
        .then_some((warm, OPUS_SEGMENT_FRAMES))
}

/// Packets per segment at most, for containers that do not say how long a packet is.
const SEGMENT_PACKETS: usize = 512;

/// Segments in flight per worker.
const DEPTH: usize = 2;

/// What the caller reads in place of `FormatReader::next_packet`.
pub(super) enum Event {
    /// A packet of the audio track: its decoding is taken with [`Ahead::take`].
    Ours,
    /// A packet of another track (counted by the caller, never decoded).
    Other(u32),
    /// The end of the container (`None`) or its error.
    End(Option<SymError>),
}

struct Job {
    warm: Vec<Packet>,
    body: Vec<Packet>,
    /// The caller's decoder, given with the first job so that the worker does not build
    /// another (a Vorbis decoder parses its codebooks into 1.3 MB of tables).
    decoder: Option<Box<dyn AudioDecoder>>,
    /// Decode with a new decoder after the warm-up; otherwise go on with the decoder of the
    /// worker's previous job, which is the segment just before (see [`Ahead::read_segment`]).
    fresh: bool,
}

/// One decoded packet of a segment: its planes are `channels` runs of `frames` samples from
/// `offset` in the segment's samples.
struct Piece {
    decoded: Decoded,
    offset: usize,
    channels: usize,
    frames: usize,
}

#[derive(Default)]
struct Done {
    pieces: VecDeque<Piece>,
    samples: Vec<f32>,
}

struct Worker {
    jobs: Option<SyncSender<Job>>,
    done: Option<Receiver<Done>>,
    /// Sample buffers handed back for reuse (no page faults for every segment).
    spare: Option<mpsc::Sender<Vec<f32>>>,
    handle: Option<JoinHandle<()>>,
}

/// Segments being read, decoded and handed back in order.
pub(super) struct Ahead {
    workers: Vec<Worker>,
    track_id: u32,
    warm_up: WarmUp,
    segment_frames: u64,
    /// Events read from the container and not yet given to the caller.
    events: VecDeque<Event>,
    /// The packets of the track before the next segment, for its warm-up.
    recent: VecDeque<Packet>,
    /// The segment whose pieces the caller is taking.
    current: Done,
    dispatched: usize,
    collected: usize,
    /// The worker of each segment dispatched and not yet collected, in order.
    order: VecDeque<usize>,
    /// The worker of the last segment dispatched.
    last_worker: usize,
    /// Frames of the packets in a row, up to the last one read, that a new decoder can start
    /// before (Opus: CELT-only ones; see [`always_segmented`]).
    restartable_run: u64,
    reader_done: bool,
    /// Packets of other tracks in a row (reading stops where the caller's idle guard will).
    other_run: u64,
    /// The caller's decoder, for the first job (codecs whose decoders are reset and reused).
    first: Option<Box<dyn AudioDecoder>>,
}

impl Ahead {
    /// Starts `threads` workers decoding with decoders made by `factory`; the first of them
    /// takes `first`, the caller's decoder, if it can be reset and reused (left to the caller
    /// when the workers do not start).
    pub(super) fn start(
        threads: usize,
        factory: AudioDecoderFactoryFn,
        first: &mut Option<Box<dyn AudioDecoder>>,
        params: &AudioCodecParameters,
        track_id: u32,
        warm_up: WarmUp,
        segment_frames: u64,
    ) -> Option<Ahead> {
        // Codecs made exact by their warm-up start a segment from a reset decoder; Opus, whose
        // adapter keeps more than the codec's state, from a new one.
        let reusable = warm_up.length == Length::Declared;
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (job_tx, job_rx) = mpsc::sync_channel::<Job>(DEPTH);
            let (done_tx, done_rx) = mpsc::sync_channel::<Done>(DEPTH);
            let (spare_tx, spare_rx) = mpsc::channel::<Vec<f32>>();
            let params = params.clone();
            let handle = std::thread::Builder::new()
                .name("promptwav-decode".into())
                .spawn(move || work(factory, &params, reusable, &job_rx, &done_tx, &spare_rx))
                .ok()?;
            workers.push(Worker {
                jobs: Some(job_tx),
                done: Some(done_rx),
                spare: Some(spare_tx),
                handle: Some(handle),
            });
        }
        Some(Ahead {
            workers,
            track_id,
            warm_up,
            segment_frames: segment_frames.max(1),
            events: VecDeque::new(),
            recent: VecDeque::new(),
            current: Done::default(),
            dispatched: 0,
            collected: 0,
            order: VecDeque::new(),
            last_worker: usize::MAX,
            restartable_run: 0,
            reader_done: false,
            other_run: 0,
            first: if reusable { first.take() } else { None },
        })
    }

    /// The next event of the container, reading ahead to keep the workers busy.
    pub(super) fn next_event(&mut self, reader: &mut dyn FormatReader) -> Event {
        // With a segment in flight, its first packet's event is still queued (a segment is
        // collected only when that packet is decoded), so a full pipeline never leaves the
        // queue empty.
        // Opus segments are longer: one in flight per worker keeps the memory as small.
        let depth = if self.warm_up.length == Length::OpusToc { 1 } else { DEPTH };
        while !self.reader_done && self.dispatched - self.collected < depth * self.workers.len() {
            self.read_segment(reader);
        }
        // Reading stops early only at a run of other tracks' packets longer than the caller
        // accepts: the caller fails before it gets here.
        self.events
            .pop_front()
            .unwrap_or(Event::End(Some(SymError::DecodeError("no audio packets"))))
    }

    /// What decoding the next packet of the track gave; its audio, if any, goes to `planes`.
    pub(super) fn take(&mut self, planes: &mut Vec<Vec<f32>>) -> Decoded {
        if self.current.pieces.is_empty() {
            let index = self.order.pop_front().unwrap_or(0);
            let Some(worker) = self.workers.get(index) else {
                return Decoded::Failed(
                    "internal error while decoding; please report this file".into(),
                );
            };
            let received = worker.done.as_ref().map(|rx| rx.recv());
            self.collected += 1;
            match received {
                Some(Ok(done)) => {
                    let used = std::mem::replace(&mut self.current, done).samples;
                    if let Some(spare) = &worker.spare {
                        let _ = spare.send(used);
                    }
                }
                _ => {
                    return Decoded::Failed(
                        "internal error while decoding; please report this file".into(),
                    );
                }
            }
        }
        let Some(piece) = self.current.pieces.pop_front() else {
            return Decoded::Failed(
                "internal error while decoding; please report this file".into(),
            );
        };
        if let Decoded::Audio { .. } = piece.decoded {
            planes.resize_with(piece.channels, Vec::new);
            for (c, plane) in planes.iter_mut().enumerate() {
                let start = piece.offset + c * piece.frames;
                plane.clear();
                plane.extend_from_slice(&self.current.samples[start..start + piece.frames]);
            }
        }
        piece.decoded
    }

    /// Reads one segment's worth of packets (or up to the end) and hands it to a worker.
    fn read_segment(&mut self, reader: &mut dyn FormatReader) {
        // Opus: a new decoder starts a segment only after a warm-up of CELT-only packets (whose
        // state converges; SILK's is reset by the decoder itself when SILK starts again after
        // CELT-only packets, as in one decoder going through the file). Otherwise the segment
        // goes to the worker of the one before, which goes on with its decoder: exactly one
        // decoder's output there.
        let fresh = self.dispatched == 0
            || match self.warm_up.length {
                Length::Declared => true,
                Length::OpusToc => self.restartable_run >= self.warm_up.frames,
            };
        let mut body = Vec::new();
        let mut frames = 0u64;
        while frames < self.segment_frames && body.len() < SEGMENT_PACKETS {
            match reader.next_packet() {
                Ok(Some(packet)) if packet.track_id == self.track_id => {
                    self.other_run = 0;
                    let length = self.warm_up.length.of(&packet);
                    frames += length;
                    let restartable = self.warm_up.length != Length::OpusToc
                        || opus_pure::packet::mode(&packet.data)
                            .is_ok_and(|m| m == opus_pure::OpusMode::CeltOnly);
                    self.restartable_run =
                        if restartable { self.restartable_run.saturating_add(length) } else { 0 };
                    self.events.push_back(Event::Ours);
                    body.push(packet);
                }
                Ok(Some(packet)) => {
                    self.events.push_back(Event::Other(packet.track_id));
                    self.other_run += 1;
                    if self.other_run > MAX_IDLE_PACKETS {
                        self.reader_done = true;
                        break;
                    }
                }
                Ok(None) => {
                    self.events.push_back(Event::End(None));
                    self.reader_done = true;
                    break;
                }
                Err(e) => {
                    self.events.push_back(Event::End(Some(e)));
                    self.reader_done = true;
                    break;
                }
            }
        }
        if body.is_empty() {
            return;
        }
        let warm: Vec<Packet> =
            if fresh { self.recent.iter().cloned().collect() } else { Vec::new() };
        self.remember(&body);
        let index = if fresh {
            self.last_worker.wrapping_add(1) % self.workers.len().max(1)
        } else {
            self.last_worker
        };
        self.last_worker = index;
        self.order.push_back(index);
        self.dispatched += 1;
        if let Some(jobs) = self.workers.get(index).and_then(|w| w.jobs.as_ref()) {
            // A worker that is gone is found by `take`.
            let _ = jobs.send(Job { warm, body, fresh, decoder: self.first.take() });
        }
    }

    /// Keeps the fewest packets, ending with `body`, that make the warm-up of the next segment.
    fn remember(&mut self, body: &[Packet]) {
        let WarmUp { packets, bytes, frames, length } = self.warm_up;
        if packets == 0 && bytes == 0 && frames == 0 {
            return;
        }
        let enough = |q: &VecDeque<Packet>, skip: usize| {
            q.len() - skip >= packets
                && q.iter().skip(skip).map(|p| p.data.len()).sum::<usize>() >= bytes
                && q.iter().skip(skip).map(|p| length.of(p)).sum::<u64>() >= frames
        };
        let mut tail: VecDeque<Packet> = VecDeque::new();
        for packet in body.iter().rev() {
            tail.push_front(packet.clone());
            if enough(&tail, 0) {
                self.recent = tail;
                return;
            }
        }
        self.recent.extend(tail);
        while self.recent.len() > 1 && enough(&self.recent, 1) {
            self.recent.pop_front();
        }
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        // Closing both channels lets every worker finish: a worker blocked on sending sees the
        // receiver gone, one waiting for work sees the sender gone.
        for worker in &mut self.workers {
            worker.jobs.take();
            worker.done.take();
            worker.spare.take();
        }
        for worker in &mut self.workers {
            if let Some(handle) = worker.handle.take() {
                let _ = handle.join();
            }
        }
    }
}

/// A worker: decodes each job's warm-up (output thrown away) and then its body, with a decoder
/// in its initial state (new, or its own reset) so that the output depends on the job alone (a
/// job that is not `fresh` goes on with the decoder of the worker's previous job, the segment
/// just before it).
fn work(
    factory: AudioDecoderFactoryFn,
    params: &AudioCodecParameters,
    reusable: bool,
    jobs: &Receiver<Job>,
    done: &SyncSender<Done>,
    spare: &Receiver<Vec<f32>>,
) {
    let mut kept: Option<Box<dyn AudioDecoder>> = None;
    for mut job in jobs.iter() {
        if let Some(decoder) = job.decoder.take() {
            kept = Some(decoder);
        }
        let mut samples = spare.try_recv().unwrap_or_default();
        samples.clear();
        let mut out = Done { pieces: VecDeque::with_capacity(job.body.len()), samples };
        // A fresh job starts from a decoder's initial state: the worker's own decoder, reset
        // when `reusable` (building one anew costs more than decoding a packet: Vorbis parses
        // its codebooks), or a new one.
        let decoder = match kept.take() {
            Some(decoder) if !job.fresh => Ok(decoder),
            Some(mut decoder) if reusable => {
                decoder.reset();
                Ok(decoder)
            }
            _ => factory(params, &AudioDecoderOptions::default()),
        };
        match decoder {
            Ok(mut decoder) => {
                for packet in &job.warm {
                    let _ = decode_with(decoder.as_mut(), packet, |_| {});
                }
                for packet in &job.body {
                    // The planes go one after the other straight from the decoder's buffer.
                    let offset = out.samples.len();
                    let mut channels = 0;
                    let decoded = decode_with(decoder.as_mut(), packet, |buf| {
                        channels = append_planes(buf, &mut out.samples);
                    });
                    let frames = match decoded {
                        Decoded::Audio { frames, .. } => frames,
                        _ => 0,
                    };
                    out.pieces.push_back(Piece { decoded, offset, channels, frames });
                }
                kept = Some(decoder);
            }
            Err(e) => {
                for _ in &job.body {
                    out.pieces.push_back(Piece {
                        decoded: Decoded::Failed(format!("decoder error: {e}")),
                        offset: 0,
                        channels: 0,
                        frames: 0,
                    });
                }
            }
        }
        if done.send(out).is_err() {
            return;
        }
    }
}

/// Appends the planes of `buf` to `samples`, one after the other, as f32; returns how many.
fn append_planes(buf: &GenericAudioBufferRef<'_>, samples: &mut Vec<f32>) -> usize {
    let channels = buf.num_planes();
    if let GenericAudioBufferRef::F32(buf) = buf {
        // Most decoders give f32: no conversion, and no zeroing before the copy.
        for plane in buf.iter_planes() {
            samples.extend_from_slice(plane);
        }
    } else {
        let start = samples.len();
        samples.resize(start + channels * buf.frames(), 0.0);
        let mut planes: Vec<&mut [f32]> =
            samples[start..].chunks_exact_mut(buf.frames().max(1)).collect();
        buf.copy_to_slice_planar::<f32, _>(&mut planes);
    }
    channels
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::Decoder;

    /// Everything a decoder delivers (see `Decoder::drain_as_bits`), and whether it decoded
    /// ahead.
    fn decode_all(path: &Path, segment_frames: Option<u64>) -> (Vec<u32>, String, bool) {
        let mut decoder = match Decoder::open(path) {
            Ok(d) => d,
            Err(e) => return (Vec::new(), e.to_string(), false),
        };
        let ahead = segment_frames.is_some_and(|s| decoder.decode_ahead_in(2, s));
        let (bits, end) = decoder.drain_as_bits();
        (bits, end, ahead)
    }

    use super::super::files_below as files;

    #[test]
    fn decoding_ahead_gives_exactly_what_one_thread_gives() {
        let mut checked = Vec::new();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut all: Vec<PathBuf> =
            ["formats", "broken", "fuzz"].iter().flat_map(|d| files(&fixtures.join(d))).collect();
        // More folders to try, separated by `:` (for collections of real files kept elsewhere).
        if let Some(extra) = std::env::var_os("PROMPTWAV_AHEAD_DIRS") {
            all.extend(std::env::split_paths(&extra).flat_map(|d| files(&d)));
        }
        for path in all {
            let (alone, end, _) = decode_all(&path, None);
            // One packet a segment is the hardest case for the warm-up; the others are what
            // conversions use.
            for segment in [1, 3000, super::SEGMENT_FRAMES] {
                let (ahead, ahead_end, used) = decode_all(&path, Some(segment));
                assert_eq!(ahead_end, end, "{} (segments of {segment})", path.display());
                assert!(
                    ahead == alone,
                    "{}: samples differ (segments of {segment})",
                    path.display()
                );
                if used && segment == 1 {
                    checked
                        .push(path.file_name().unwrap_or_default().to_string_lossy().to_string());
                }
            }
        }
        // The codecs decoded ahead are really tried (MP3 in three kinds, MP2, FLAC, ALAC and
        // damaged files among them).
        for name in [
            "mp3_cbr128_44100_stereo.mp3",
            "mp3_vbr_22050_mono.mp3",
            "mp3_named_as.wav",
            "flac_s24_96000_stereo.flac",
            "alac_44100_mono.m4a",
            "truncated.mp3",
            "truncated.flac",
            "vorbis_44100_stereo.ogg",
        ] {
            assert!(checked.iter().any(|c| c == name), "{name} not decoded ahead: {checked:?}");
        }
    }

    /// Everything `decoder` delivers, as samples, and its end.
    fn drain(mut decoder: Decoder) -> (Vec<f32>, String) {
        let (bits, end) = decoder.drain_as_bits();
        (bits.into_iter().map(f32::from_bits).collect(), end)
    }

    fn snr_db(reference: &[f32], test: &[f32]) -> f64 {
        let (mut s, mut e) = (0f64, 0f64);
        for (&r, &t) in reference.iter().zip(test) {
            s += f64::from(r) * f64::from(r);
            e += (f64::from(r) - f64::from(t)).powi(2);
        }
        if e == 0.0 { f64::INFINITY } else { 10.0 * (s / e).log10() }
    }

    /// An Ogg Opus file of `seconds` of a music-like or speech-like signal, encoded with
    /// opus-pure in the mode the application and bitrate lead to (CELT, SILK, hybrid).
    fn opus_file(
        dir: &Path,
        name: &str,
        channels: usize,
        app: opus_pure::Application,
        bitrate: i32,
    ) -> PathBuf {
        let seconds = 14;
        let mut enc = opus_pure::OpusEncoder::new(48_000, channels, app).expect("encoder");
        enc.bitrate_bps = bitrate;
        let mut head = opus_pure::OpusHead::new(channels as u8, 48_000).expect("head");
        head.pre_skip = enc.lookahead() as u16;
        let mut writer = opus_pure::OggOpusWriter::new(Vec::new(), head).expect("writer");
        let mut out = vec![0u8; opus_pure::MAX_PACKET_BYTES];
        let mut seed = 1u32;
        for block in 0..seconds * 50 {
            let mut pcm = Vec::with_capacity(960 * channels);
            for i in 0..960 {
                let t = (block * 960 + i) as f64 / 48_000.0;
                // Syllables of a buzz with formants, or chords with a melody, plus some noise.
                let x = if app == opus_pure::Application::Voip {
                    let f0 = 120.0 + 30.0 * (1.3 * t).sin();
                    (0.3 * (2.0 * std::f64::consts::PI * f0 * t).sin() + 0.1 * (6000.0 * t).sin())
                        * (3.0 * std::f64::consts::PI * t).sin().powi(2)
                } else {
                    0.2 * (2.0 * std::f64::consts::PI * (220.0 + 20.0 * (0.5 * t).sin()) * t).sin()
                        + 0.15 * (2.0 * std::f64::consts::PI * 330.0 * t + (7.0 * t).sin()).sin()
                };
                for c in 0..channels {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let noise = (f64::from(seed >> 8) / f64::from(1u32 << 24) - 0.5) * 0.02;
                    pcm.push((x * (1.0 - 0.3 * c as f64) + noise) as f32);
                }
            }
            let n = enc.encode(&pcm, 960, &mut out).expect("encode");
            writer.write_packet(&out[..n]).expect("write");
        }
        let path = dir.join(name);
        std::fs::write(&path, writer.finish().expect("finish")).expect("file");
        path
    }

    #[test]
    fn opus_in_segments_is_deterministic_and_within_the_bound() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut all = vec![
            opus_file(dir.path(), "music.opus", 2, opus_pure::Application::Audio, 96_000),
            opus_file(dir.path(), "hybrid.opus", 1, opus_pure::Application::Audio, 24_000),
            opus_file(dir.path(), "silk.opus", 1, opus_pure::Application::Voip, 12_000),
        ];
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        all.extend(
            files(&fixtures.join("formats"))
                .into_iter()
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("opus"))),
        );
        // Real files kept elsewhere, separated by `:` (folders of them too).
        if let Some(extra) = std::env::var_os("PROMPTWAV_OPUS_DIRS") {
            all.extend(
                std::env::split_paths(&extra)
                    .flat_map(|d| if d.is_dir() { files(&d) } else { vec![d] }),
            );
        }
        let mut tried = 0;
        for path in all {
            let Ok(mut one) = Decoder::open(&path) else { continue };
            if one.info().codec != "opus" {
                continue;
            }
            one.decode_sequentially();
            let (reference, end) = drain(one);
            // As conversions decode it: on one worker or two, the same samples.
            let mut outputs = Vec::new();
            let mut segmented = true;
            for threads in [1, 2] {
                let mut d = Decoder::open(&path).expect("opens");
                segmented &= d.decode_ahead(threads);
                outputs.push(drain(d));
            }
            if !segmented {
                // Multistream, or a pre-skip longer than the warm-up: one decoder.
                assert!(outputs[0].0 == reference, "{}", path.display());
                continue;
            }
            assert!(outputs[0] == outputs[1], "{}: depends on the threads", path.display());
            // With short segments too, so that short files meet boundaries.
            for segment in [super::OPUS_SEGMENT_FRAMES, 48_000] {
                let mut d = Decoder::open(&path).expect("opens");
                d.segment_threads = None;
                let (warm_up, _) = d.always_segmented().expect("opus is segmented");
                let registered =
                    super::super::registries().1.get_audio_decoder(d.params.codec).expect("opus");
                d.ahead = super::Ahead::start(
                    2,
                    registered.factory,
                    &mut d.decoder,
                    &d.params,
                    d.track_id,
                    warm_up,
                    segment,
                );
                let (samples, segmented_end) = drain(d);
                assert_eq!(segmented_end, end, "{}", path.display());
                assert_eq!(samples.len(), reference.len(), "{}", path.display());
                let snr = snr_db(&reference, &samples);
                eprintln!("{}: segments of {segment}: {snr:.1} dB", path.display());
                assert!(snr >= super::OPUS_MIN_SNR_DB, "{}: {snr:.1} dB", path.display());
                tried += 1;
            }
        }
        assert!(tried >= 10, "only {tried} decodings in segments");
    }

    #[test]
    fn other_codecs_are_not_decoded_ahead() {
        for name in ["aac_lc_44100_stereo.m4a", "pcm_s16le_48000_mono.wav"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats").join(name);
            let mut decoder = Decoder::open(&path).expect("fixture opens");
            assert!(!decoder.decode_ahead(2), "{name}");
        }
    }
}
