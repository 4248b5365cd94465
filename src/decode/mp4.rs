//! Gapless information of AAC in MP4/M4A, which symphonia's MP4 reader does not apply: the
//! edit list (`elst`: how many priming samples to skip and how long the track really is), or
//! else iTunes' `iTunSMPB` tag. Reads only box headers and the few small boxes it needs,
//! with every size checked against the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// What to trim from a decoded AAC track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gapless {
    /// Leading frames to drop (encoder priming).
    pub skip: u64,
    /// Frames to keep after that, when known.
    pub frames: Option<u64>,
}

/// The largest `moov` we read into memory: an audio file's is a few hundred KB at most.
const MAX_MOOV: u64 = 32 * 1024 * 1024;

/// Finds the gapless information of the first sound track of the MP4 at `path`.
pub fn gapless(path: &Path, sample_rate: u32) -> Option<Gapless> {
    from_moov(&read_moov(path)?, sample_rate)
}

/// The body of the `moov` box of the MP4 file at `path` (at most [`MAX_MOOV`] bytes), read
/// with every size checked against the file. Shared with the AMR-in-3GP lookup.
pub(super) fn read_moov(path: &Path) -> Option<Vec<u8>> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    read_top_box(&mut file, len, b"moov")
}

fn read_top_box(file: &mut File, len: u64, want: &[u8; 4]) -> Option<Vec<u8>> {
    let mut pos = 0u64;
    while pos.checked_add(8)? <= len {
        file.seek(SeekFrom::Start(pos)).ok()?;
        let mut h = [0u8; 16];
        file.read_exact(&mut h[..8]).ok()?;
        let mut size = u64::from(be_u32(&h, 0)?);
        let mut header = 8u64;
        if size == 1 {
            file.read_exact(&mut h[8..16]).ok()?;
            size = be_u64(&h, 8)?;
            header = 16;
        } else if size == 0 {
            size = len - pos;
        }
        if size < header || pos.checked_add(size)? > len {
            return None;
        }
        if &h[4..8] == want {
            let body = size - header;
            if body > MAX_MOOV {
                return None;
            }
            let mut buf = vec![0u8; usize::try_from(body).ok()?];
            file.read_exact(&mut buf).ok()?;
            return Some(buf);
        }
        pos += size;
    }
    None
}

/// The child boxes of a container body, as (type, body); stops at the first malformed box.
pub(super) fn children(mut data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    while data.len() >= 8 {
        let Some(size32) = be_u32(data, 0) else { break };
        let kind = [data[4], data[5], data[6], data[7]];
        let (header, size) = match size32 {
            0 => (8, data.len()),
            1 => match be_u64(data, 8).map(usize::try_from) {
                Some(Ok(size)) => (16, size),
                _ => break,
            },
            n => (8, n as usize),
        };
        if size < header || size > data.len() {
            break;
        }
        out.push((kind, &data[header..size]));
        data = &data[size..];
    }
    out
}

/// The first child box of type `kind`.
pub(super) fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    children(data).into_iter().find(|(k, _)| k == kind).map(|(_, body)| body)
}

/// The box at `path` below `data`, one child type a step.
pub(super) fn child_path<'a>(mut data: &'a [u8], path: &[&[u8; 4]]) -> Option<&'a [u8]> {
    for kind in path {
        data = child(data, kind)?;
    }
    Some(data)
}

pub(super) fn be_u32(d: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = d.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

pub(super) fn be_u64(d: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = d.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// The timescale of an `mvhd` or `mdhd` body.
fn timescale(body: &[u8]) -> Option<u32> {
    let at = if body.first()? == &1 { 20 } else { 12 };
    be_u32(body, at).filter(|&t| t > 0)
}

fn from_moov(moov: &[u8], sample_rate: u32) -> Option<Gapless> {
    let movie_scale = child(moov, b"mvhd").and_then(timescale);
    let from_tag = child(moov, b"udta").and_then(itunsmpb).or_else(|| {
        // Some writers put `meta` straight in `moov`.
        meta_itunsmpb(moov)
    });
    for (kind, trak) in children(moov) {
        if &kind != b"trak" {
            continue;
        }
        let Some(mdia) = child(trak, b"mdia") else {
            continue;
        };
        let is_sound = child(mdia, b"hdlr").and_then(|h| h.get(8..12)) == Some(b"soun");
        if !is_sound {
            continue;
        }
        let media_scale = child(mdia, b"mdhd").and_then(timescale);
        let from_elst = child(trak, b"edts")
            .and_then(|e| child(e, b"elst"))
            .and_then(|elst| edit(elst, movie_scale?, media_scale?, sample_rate));
        return match (from_elst, from_tag) {
            (Some(e), _) if e.skip > 0 => Some(e),
            (_, Some(t)) => Some(t),
            (e, None) => e,
        };
    }
    from_tag
}

/// The first non-empty edit: media time to skip, segment duration to keep, in sample frames.
fn edit(elst: &[u8], movie_scale: u32, media_scale: u32, rate: u32) -> Option<Gapless> {
    let version = *elst.first()?;
    let count = be_u32(elst, 4)? as usize;
    let entry_len = if version == 1 { 20 } else { 12 };
    for i in 0..count.min(16) {
        let at = 8 + i * entry_len;
        let (duration, media_time) = if version == 1 {
            (be_u64(elst, at)?, be_u64(elst, at + 8)? as i64)
        } else {
            (u64::from(be_u32(elst, at)?), i64::from(be_u32(elst, at + 4)? as i32))
        };
        if media_time < 0 {
            continue; // an empty edit (a delay): nothing to trim
        }
        let to_frames = |v: u64, scale: u32| -> u64 {
            ((u128::from(v) * u128::from(rate) + u128::from(scale) / 2) / u128::from(scale)) as u64
        };
        let skip = to_frames(media_time as u64, media_scale);
        let frames = (duration > 0).then(|| to_frames(duration, movie_scale));
        return Some(Gapless { skip, frames });
    }
    None
}

fn meta_itunsmpb(container: &[u8]) -> Option<Gapless> {
    let meta = child(container, b"meta")?;
    // `meta` is a full box: 4 bytes of version and flags before its children (in QuickTime
    // files it is not; try both).
    let ilst = meta.get(4..).and_then(|m| child(m, b"ilst")).or_else(|| child(meta, b"ilst"))?;
    for (kind, item) in children(ilst) {
        if &kind != b"----" {
            continue;
        }
        let name = child(item, b"name").and_then(|n| n.get(4..));
        if name != Some(b"iTunSMPB") {
            continue;
        }
        let data = child(item, b"data")?.get(8..)?;
        return parse_itunsmpb(std::str::from_utf8(data).ok()?);
    }
    None
}

fn itunsmpb(udta: &[u8]) -> Option<Gapless> {
    meta_itunsmpb(udta)
}

/// " 00000000 00000840 000001C0 0000000000046E00 ...": delay, padding, original length.
fn parse_itunsmpb(text: &str) -> Option<Gapless> {
    let fields: Vec<u64> = text
        .split_whitespace()
        .take(4)
        .map(|f| u64::from_str_radix(f, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    let [_, delay, _padding, length] = fields[..] else {
        return None;
    };
    Some(Gapless { skip: delay, frames: (length > 0).then_some(length) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itunsmpb_text() {
        let g = parse_itunsmpb(" 00000000 00000840 000001C0 0000000000046E00 00000000 00000000");
        assert_eq!(g, Some(Gapless { skip: 0x840, frames: Some(0x46E00) }));
        assert_eq!(parse_itunsmpb("garbage"), None);
    }

    #[test]
    fn edit_list_versions() {
        // version 0, one entry: duration 44100 (movie scale 1000 -> 1 s), media_time 1024
        let mut e = vec![0u8, 0, 0, 0, 0, 0, 0, 1];
        e.extend_from_slice(&1000u32.to_be_bytes());
        e.extend_from_slice(&1024u32.to_be_bytes());
        e.extend_from_slice(&0x0001_0000u32.to_be_bytes());
        assert_eq!(edit(&e, 1000, 44100, 44100), Some(Gapless { skip: 1024, frames: Some(44100) }));
        // An empty edit first (media_time -1) is passed over.
        let mut e2 = vec![0u8, 0, 0, 0, 0, 0, 0, 2];
        e2.extend_from_slice(&500u32.to_be_bytes());
        e2.extend_from_slice(&(-1i32).to_be_bytes());
        e2.extend_from_slice(&0x0001_0000u32.to_be_bytes());
        e2.extend_from_slice(&e[8..]);
        assert_eq!(
            edit(&e2, 1000, 44100, 44100),
            Some(Gapless { skip: 1024, frames: Some(44100) })
        );
        // Truncated boxes give nothing rather than garbage.
        assert_eq!(edit(&e[..12], 1000, 44100, 44100), None);
    }

    #[test]
    fn children_stop_at_lying_sizes() {
        let mut data = Vec::new();
        data.extend_from_slice(&16u32.to_be_bytes());
        data.extend_from_slice(b"free");
        data.extend_from_slice(&[0; 8]);
        data.extend_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        data.extend_from_slice(b"moov");
        assert_eq!(children(&data).len(), 1);
    }
}
