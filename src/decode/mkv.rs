//! Matroska/WebM (EBML) reading, beside the MP4 box reader ([`super::mp4`]): what symphonia's
//! Matroska reader reads and drops. Today one thing: the end trim of an Opus track
//! ([`matroska_frames`]), from the blocks' `DiscardPadding`.
//!
//! Guarantees: the file is only read, once, as a stream of element headers (a few bytes each)
//! and the few elements needed (the track list, the track's blocks), each at most
//! [`MKV_MAX_ELEMENT`] bytes; unknown sizes (live recorders) are walked into; a cut-off file
//! counts what was complete; damage gives `None` (nothing trimmed), never a panic.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;

use super::opus::{OPUS_RATE, OpusHead};

/// Matroska element IDs the scan below looks at (marker bits kept, as written).
mod mkv_id {
    pub const SEGMENT: u32 = 0x1853_8067;
    pub const CLUSTER: u32 = 0x1F43_B675;
    pub const TRACKS: u32 = 0x1654_AE6B;
    pub const TRACK_ENTRY: u32 = 0xAE;
    pub const TRACK_NUMBER: u32 = 0xD7;
    pub const CODEC_PRIVATE: u32 = 0x63A2;
    pub const SIMPLE_BLOCK: u32 = 0xA3;
    pub const BLOCK_GROUP: u32 = 0xA0;
    pub const BLOCK: u32 = 0xA1;
    pub const DISCARD_PADDING: u32 = 0x75A2;
}

/// The largest element the scan reads into memory (a block, a block group, the track list).
const MKV_MAX_ELEMENT: u64 = 16 * 1024 * 1024;

/// Reads one EBML variable-length integer from `data` at `*pos`. With `keep_marker` the length
/// marker stays in the value (element IDs); without it the value is returned and `None` stands
/// for "unknown size" (all value bits set).
fn ebml_vint(data: &[u8], pos: &mut usize, keep_marker: bool) -> Option<Option<u64>> {
    let first = *data.get(*pos)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || (keep_marker && len > 4) {
        return None;
    }
    let bytes = data.get(*pos..*pos + len)?;
    *pos += len;
    let mut value = if keep_marker { u64::from(first) } else { u64::from(first) & (0xFF >> len) };
    for &b in &bytes[1..] {
        value = (value << 8) | u64::from(b);
    }
    let all_ones = (1u64 << (7 * len)) - 1;
    if !keep_marker && value == all_ones {
        return Some(None);
    }
    Some(Some(value))
}

/// Streams EBML element headers from a reader.
struct EbmlReader<R: Read> {
    inner: R,
}

impl<R: Read> EbmlReader<R> {
    /// Reads a variable-length integer; `Ok(None)` at a clean end of file.
    fn vint(&mut self, keep_marker: bool) -> std::io::Result<Option<Option<u64>>> {
        let mut first = [0u8; 1];
        match self.inner.read_exact(&mut first) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let len = first[0].leading_zeros() as usize + 1;
        if len > 8 || (keep_marker && len > 4) {
            return Err(ErrorKind::InvalidData.into());
        }
        let mut buf = [0u8; 8];
        buf[0] = first[0];
        self.inner.read_exact(&mut buf[1..len])?;
        let mut pos = 0;
        Ok(ebml_vint(&buf[..len], &mut pos, keep_marker))
    }

    /// The next element's ID and size (`None` size: unknown). `Ok(None)` at the end of file.
    fn header(&mut self) -> std::io::Result<Option<(u32, Option<u64>)>> {
        let Some(id) = self.vint(true)? else {
            return Ok(None);
        };
        let id = id.and_then(|v| u32::try_from(v).ok());
        let Some(id) = id else {
            return Err(ErrorKind::InvalidData.into());
        };
        match self.vint(false)? {
            Some(size) => Ok(Some((id, size))),
            None => Err(ErrorKind::UnexpectedEof.into()),
        }
    }

    fn body(&mut self, size: Option<u64>, buf: &mut Vec<u8>) -> std::io::Result<()> {
        let size = match size {
            Some(s) if s <= MKV_MAX_ELEMENT => s as usize,
            _ => return Err(ErrorKind::InvalidData.into()),
        };
        buf.clear();
        buf.resize(size, 0);
        self.inner.read_exact(buf)
    }

    fn skip(&mut self, size: Option<u64>) -> std::io::Result<()> {
        let Some(size) = size else {
            return Err(ErrorKind::InvalidData.into());
        };
        let skipped = std::io::copy(&mut (&mut self.inner).take(size), &mut std::io::sink())?;
        if skipped < size {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Iterates the child elements of an element held in memory: `(id, body)`.
fn ebml_children(data: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let id = ebml_vint(data, &mut pos, true)??;
        let size = ebml_vint(data, &mut pos, false)??;
        let end = pos.checked_add(usize::try_from(size).ok()?)?;
        let body = data.get(pos..end)?;
        pos = end;
        Some((u32::try_from(id).ok()?, body))
    })
}

fn ebml_uint(body: &[u8]) -> Option<u64> {
    if body.len() > 8 {
        return None;
    }
    Some(body.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b)))
}

fn ebml_sint(body: &[u8]) -> Option<i64> {
    if body.is_empty() {
        return Some(0);
    }
    if body.len() > 8 {
        return None;
    }
    let negative = body[0] & 0x80 != 0;
    let init: i64 = if negative { -1 } else { 0 };
    Some(body.iter().fold(init, |v, &b| (v << 8) | i64::from(b)))
}

/// What the scan of a Matroska file found about one Opus track.
#[derive(Debug, Default)]
struct MkvOpusTrack {
    /// Samples (48 kHz) all the track's packets decode to, pre-skip and padding included.
    samples: u64,
    /// Samples the blocks' `DiscardPadding` says to drop at their end.
    discard: u64,
    /// The `OpusHead` pre-skip from the track's `CodecPrivate`.
    pre_skip: u64,
    /// A laced block was met: the count above is not known.
    laced: bool,
}

impl MkvOpusTrack {
    fn block(&mut self, track: u64, block: &[u8], discard_ns: Option<i64>) {
        let mut pos = 0;
        let Some(Some(number)) = ebml_vint(block, &mut pos, false) else {
            return;
        };
        if number != track {
            return;
        }
        // Then a 16-bit relative timestamp and the flags byte.
        let Some(&flags) = block.get(pos + 2) else {
            return;
        };
        if flags & 0x06 != 0 {
            self.laced = true;
            return;
        }
        let Some(packet) = block.get(pos + 3..) else {
            return;
        };
        // A packet that does not parse does not decode either: the decoder skips it.
        let Ok(n) = opus_pure::packet::samples_48k(packet) else {
            return;
        };
        self.samples += n as u64;
        if let Some(ns) = discard_ns.filter(|&ns| ns > 0) {
            let frames = (ns as u128 * u128::from(OPUS_RATE) + 500_000_000) / 1_000_000_000;
            self.discard += (frames as u64).min(n as u64);
        }
    }
}

/// For an Opus track of a Matroska/WebM file whose blocks carry `DiscardPadding` (ffmpeg and
/// libwebm write it on the last block to cut the encoder's padding): the number of frames the
/// track holds after the pre-skip and the padding are dropped. `None` when the file declares no
/// padding (nothing to cut: the decoded length is the length), when the track has laced blocks,
/// or when the file cannot be read; the caller then plays every decoded frame.
///
/// Symphonia's Matroska reader reads `DiscardPadding` and drops it, so no decoder sees it; this
/// reads the file once more (element headers and the track's blocks, a few bytes each) to find
/// it.
pub fn matroska_frames(path: &Path, track_number: u32) -> Option<u64> {
    let file = File::open(path).ok()?;
    let mut reader = EbmlReader { inner: BufReader::with_capacity(64 * 1024, file) };
    let track = u64::from(track_number);
    let mut found = MkvOpusTrack::default();
    let mut buf = Vec::new();
    loop {
        let (id, size) = match reader.header() {
            Ok(Some(h)) => h,
            // The end of the file, or a cut-off tail: count what was complete.
            Ok(None) => break,
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            // Damage: what the file holds is not known.
            Err(_) => return None,
        };
        let step = match id {
            // Containers: walk into them (this also copes with unknown sizes, as live
            // recorders write them).
            mkv_id::SEGMENT | mkv_id::CLUSTER => Ok(()),
            mkv_id::TRACKS => reader.body(size, &mut buf).map(|()| {
                for (id, entry) in ebml_children(&buf) {
                    if id != mkv_id::TRACK_ENTRY {
                        continue;
                    }
                    let mut number = None;
                    let mut private = None;
                    for (id, body) in ebml_children(entry) {
                        match id {
                            mkv_id::TRACK_NUMBER => number = ebml_uint(body),
                            mkv_id::CODEC_PRIVATE => private = Some(body),
                            _ => {}
                        }
                    }
                    if number == Some(track) {
                        found.pre_skip = private
                            .and_then(|p| OpusHead::parse(p).ok())
                            .map(|h| u64::from(h.pre_skip))
                            .unwrap_or(0);
                    }
                }
            }),
            mkv_id::SIMPLE_BLOCK => {
                reader.body(size, &mut buf).map(|()| found.block(track, &buf, None))
            }
            mkv_id::BLOCK_GROUP => reader.body(size, &mut buf).map(|()| {
                let mut block = None;
                let mut discard = None;
                for (id, body) in ebml_children(&buf) {
                    match id {
                        mkv_id::BLOCK => block = Some(body),
                        mkv_id::DISCARD_PADDING => discard = ebml_sint(body),
                        _ => {}
                    }
                }
                if let Some(block) = block {
                    found.block(track, block, discard);
                }
            }),
            _ => reader.skip(size),
        };
        match step {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(_) => return None,
        }
        if found.laced {
            return None;
        }
    }
    if found.discard == 0 {
        return None;
    }
    Some(found.samples.saturating_sub(found.pre_skip).saturating_sub(found.discard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::opus::tests::{best_lag, channel, encode, head_bytes, signal};

    fn el(id: u32, body: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = id.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        v.push(0x01);
        v.extend_from_slice(&(body.len() as u64).to_be_bytes()[1..]);
        v.extend_from_slice(body);
        v
    }

    fn uint_el(id: u32, value: u64) -> Vec<u8> {
        el(id, &value.to_be_bytes())
    }

    /// A WebM file with one Opus track of `packets`, the last in a block group with
    /// `discard_ns` of `DiscardPadding` (if any).
    fn webm(channels: u8, pre_skip: u16, packets: &[Vec<u8>], discard_ns: Option<i64>) -> Vec<u8> {
        let mut ebml = uint_el(0x4286, 1);
        ebml.extend(el(0x4282, b"webm"));
        let mut file = el(0x1A45_DFA3, &ebml);

        let mut info = uint_el(0x2A_D7B1, 1_000_000);
        info.extend(el(0x4D80, b"test"));
        info.extend(el(0x5741, b"test"));
        let mut audio = el(0xB5, &48_000f64.to_be_bytes());
        audio.extend(uint_el(0x9F, u64::from(channels)));
        let mut entry = uint_el(0xD7, 1);
        entry.extend(uint_el(0x73C5, 1));
        entry.extend(uint_el(0x83, 2));
        entry.extend(el(0x86, b"A_OPUS"));
        entry.extend(el(0x63A2, &head_bytes(channels, pre_skip, 0, 0, &[])));
        entry.extend(uint_el(0x56AA, u64::from(pre_skip) * 1_000_000_000 / 48_000));
        entry.extend(el(0xE1, &audio));
        let tracks = el(0xAE, &entry);

        let mut cluster = uint_el(0xE7, 0);
        for (i, p) in packets.iter().enumerate() {
            let mut block = vec![0x81];
            block.extend_from_slice(&((i * 20) as i16).to_be_bytes());
            if i + 1 == packets.len() && discard_ns.is_some() {
                block.push(0x00);
                block.extend_from_slice(p);
                let mut group = el(0xA1, &block);
                group.extend(el(0x75A2, &discard_ns.unwrap_or(0).to_be_bytes()));
                cluster.extend(el(0xA0, &group));
            } else {
                block.push(0x80);
                block.extend_from_slice(p);
                cluster.extend(el(0xA3, &block));
            }
        }
        let mut segment = el(0x1549_A966, &info);
        segment.extend(el(0x1654_AE6B, &tracks));
        segment.extend(el(0x1F43_B675, &cluster));
        // A live recorder's segment: unknown size.
        file.extend([0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        file.extend(segment);
        file
    }

    #[test]
    fn matroska_discard_padding_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let pcm = signal(48_000, 2);
        let (packets, pre_skip) = encode(&pcm, 2);
        let padding = packets.len() * 960 - usize::from(pre_skip) - 48_000;
        let ns = padding as i64 * 1_000_000_000 / 48_000;
        let path = dir.path().join("a.webm");
        std::fs::write(&path, webm(2, pre_skip, &packets, Some(ns))).unwrap();
        assert_eq!(matroska_frames(&path, 1), Some(48_000));
        assert_eq!(matroska_frames(&path, 2), None, "another track");

        // Through the whole pipeline: exact length, no shift.
        let mut d = crate::decode::Decoder::open(&path).unwrap();
        assert_eq!(d.info().format, "webm");
        assert_eq!(d.info().sample_rate, 48_000);
        let mut got = Vec::new();
        while let Some(chunk) = d.next_chunk().unwrap() {
            got.extend_from_slice(&chunk.planes[0][..chunk.frames]);
        }
        assert_eq!(got.len(), 48_000);
        let want = channel(&pcm, 2, 0);
        assert_eq!(best_lag(&want, &got, 40), 0);

        // Without DiscardPadding there is nothing to cut: every decoded frame after the
        // pre-skip comes out.
        let plain = dir.path().join("b.webm");
        std::fs::write(&plain, webm(2, pre_skip, &packets, None)).unwrap();
        assert_eq!(matroska_frames(&plain, 1), None);
        let mut d = crate::decode::Decoder::open(&plain).unwrap();
        let mut n = 0;
        while let Some(chunk) = d.next_chunk().unwrap() {
            n += chunk.frames;
        }
        assert_eq!(n, packets.len() * 960 - usize::from(pre_skip));
    }

    #[test]
    fn matroska_scan_survives_cut_and_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        let pcm = signal(4800, 1);
        let (packets, pre_skip) = encode(&pcm, 1);
        let bytes = webm(1, pre_skip, &packets, Some(5_000_000));
        let path = dir.path().join("c.webm");
        for cut in (0..bytes.len()).step_by(7) {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let _ = matroska_frames(&path, 1);
        }
        let mut damaged = bytes.clone();
        for i in (40..damaged.len()).step_by(13) {
            damaged[i] = 0xFF;
        }
        std::fs::write(&path, &damaged).unwrap();
        let _ = matroska_frames(&path, 1);
        assert_eq!(matroska_frames(&dir.path().join("missing.webm"), 1), None);
    }
}
