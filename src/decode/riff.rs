//! A strict, bounds-checked reader of a RIFF/WAVE file's chunk layout: the one reading of a
//! WAV that both `check` (which reports what it finds) and the decoder (which refuses what it
//! cannot read the same way, and fills in sizes a streaming writer left unset) rely on.
//!
//! Guarantees: never panics and never allocates by a size read from the file (a chunk's payload
//! is skipped by seeking, the `fmt ` chunk is read up to 64 bytes, the chunk list is capped at
//! [`MAX_CHUNKS`], the walk at [`MAX_WALK`] chunks, the findings at a few dozen distinct ones, a
//! repeated one counted); every size is compared with the real file length. The data chunk is
//! found however many chunks come before it (up to [`MAX_WALK`]). What it finds wrong is
//! returned as findings ([`Fault`]), not as errors. The first `fact` chunk is not a finding here
//! but [`Wav::fact`]: whether it is extra or required depends on the codec the profile wants,
//! which the checker decides.

use std::io::{Read, Seek, SeekFrom};

/// What can be wrong with a WAV's layout (`check` gives each its problem code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Bytes where a chunk should start are not a chunk header, or too many chunks.
    BadChunk,
    /// The data chunk comes before the fmt chunk.
    ChunkOrder,
    /// No data chunk.
    DataMissing,
    /// The data chunk's size is not a whole number of frames.
    DataPartialFrame,
    /// The RIFF or data size is unset (0 or 0xFFFFFFFF): the audio runs to the end of the file.
    DataSizeUnset,
    /// The data chunk holds no complete frame.
    DataSizeZero,
    /// A chunk besides fmt and data, or a second data chunk.
    ExtraChunk,
    /// Two (or more) fmt chunks.
    FmtDuplicate,
    /// The fmt chunk's fields contradict each other, or it is too short.
    FmtInconsistent,
    /// No fmt chunk.
    FmtMissing,
    /// An odd-sized chunk without its pad byte.
    MissingPadByte,
    /// The RIFF size disagrees with the file's length.
    RiffSizeMismatch,
    /// A chunk other than data runs past the end of the file.
    TruncatedChunk,
    /// The data chunk runs past the end of the file.
    TruncatedData,
}

/// The most chunks listed; a file with more stops being walked there (and says so).
pub const MAX_CHUNKS: usize = 1024;

/// The chunk size that streaming writers leave when they never come back to fill it in.
pub const UNSET: u32 = 0xFFFF_FFFF;

/// The GUID tail shared by the KSDATAFORMAT_SUBTYPE_* GUIDs of WAVE_FORMAT_EXTENSIBLE: the
/// subformat's first two bytes are the plain format tag.
const SUBTYPE_TAIL: [u8; 14] =
    [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

/// WAVE_FORMAT_PCM.
pub const TAG_PCM: u16 = 1;

/// WAVE_FORMAT_EXTENSIBLE.
pub const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// One chunk as found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkInfo {
    /// The four-character id.
    pub id: [u8; 4],
    /// Offset of the chunk header in the file.
    pub offset: u64,
    /// The size its header states.
    pub size: u32,
}

impl ChunkInfo {
    /// The id for people (`LIST`, `fmt `, non-printable bytes escaped).
    pub fn name(&self) -> String {
        id_name(&self.id)
    }
}

fn id_name(id: &[u8; 4]) -> String {
    id.iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect()
}

/// The `fmt ` chunk's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmt {
    /// The size of the chunk.
    pub chunk_size: u32,
    /// wFormatTag.
    pub tag: u16,
    /// nChannels.
    pub channels: u16,
    /// nSamplesPerSec.
    pub rate: u32,
    /// nAvgBytesPerSec.
    pub byte_rate: u32,
    /// nBlockAlign.
    pub block_align: u16,
    /// wBitsPerSample.
    pub bits: u16,
    /// The subformat's tag, for WAVE_FORMAT_EXTENSIBLE with a standard subformat GUID.
    pub sub_tag: Option<u16>,
    /// wValidBitsPerSample of WAVE_FORMAT_EXTENSIBLE.
    pub valid_bits: Option<u16>,
    /// cbSize (the size of the extension), when the chunk is long enough to hold it.
    pub cb_size: Option<u16>,
}

impl Fmt {
    /// The codec's tag: the subformat's for WAVE_FORMAT_EXTENSIBLE, else the format tag.
    pub fn codec_tag(&self) -> u16 {
        if self.tag == TAG_EXTENSIBLE { self.sub_tag.unwrap_or(TAG_EXTENSIBLE) } else { self.tag }
    }

    /// Whether the samples are plain PCM-like (integer, float, G.711), whose frame layout the
    /// header alone fixes.
    pub fn is_linear_like(&self) -> bool {
        matches!(self.codec_tag(), 1 | 3 | 6 | 7)
    }

    /// Bytes per sample of one channel, as the bit depth implies.
    pub fn sample_bytes(&self) -> u16 {
        self.bits.div_ceil(8)
    }
}

/// The data chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Data {
    /// Offset of the payload (after the chunk header).
    pub offset: u64,
    /// The size the header states.
    pub declared: u32,
    /// The bytes of audio really there: the declared size, or less if the file ends first, or
    /// everything to the end of the file if the size is unset.
    pub available: u64,
    /// The size is unset (0xFFFFFFFF, or 0 with audio after it): the data runs to the end of
    /// the file.
    pub unknown_length: bool,
}

/// The first `fact` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    /// Offset of the chunk header in the file.
    pub offset: u64,
    /// The size its header states.
    pub size: u32,
    /// dwSampleLength: the number of samples (per channel), when the chunk holds it.
    pub samples: Option<u32>,
}

/// What was found wrong with the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What kind of fault.
    pub fault: Fault,
    /// What is wrong, for a person.
    pub message: String,
}

/// A WAVE file's layout.
#[derive(Debug, Clone, Default)]
pub struct Wav {
    /// The file's length.
    pub file_len: u64,
    /// The RIFF chunk's size.
    pub riff_size: u32,
    /// The chunks in file order (at most [`MAX_CHUNKS`]).
    pub chunks: Vec<ChunkInfo>,
    /// The first `fmt ` chunk, if it was readable.
    pub fmt: Option<Fmt>,
    /// The first data chunk.
    pub data: Option<Data>,
    /// The first fact chunk.
    pub fact: Option<Fact>,
    /// What is wrong.
    pub findings: Vec<Finding>,
}

/// Whether four bytes can be a chunk id: printable ASCII, not starting with a space.
fn plausible_id(id: &[u8]) -> bool {
    id.len() == 4 && id[0] != b' ' && id.iter().all(|&b| (0x20..0x7F).contains(&b))
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// Reads up to `buf.len()` bytes at `pos`; returns how many were read.
fn read_at<R: Read + Seek>(r: &mut R, pos: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    r.seek(SeekFrom::Start(pos))?;
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn parse_fmt(bytes: &[u8], chunk_size: u32) -> Option<Fmt> {
    let tag = u16_at(bytes, 0)?;
    let mut fmt = Fmt {
        chunk_size,
        tag,
        channels: u16_at(bytes, 2)?,
        rate: u32_at(bytes, 4)?,
        byte_rate: u32_at(bytes, 8)?,
        block_align: u16_at(bytes, 12)?,
        bits: u16_at(bytes, 14)?,
        sub_tag: None,
        valid_bits: None,
        cb_size: if bytes.len() >= 18 { u16_at(bytes, 16) } else { None },
    };
    if tag == TAG_EXTENSIBLE && bytes.len() >= 40 && u16_at(bytes, 16).unwrap_or(0) >= 22 {
        fmt.valid_bits = u16_at(bytes, 18);
        let guid = bytes.get(24..40)?;
        if guid[2..] == SUBTYPE_TAIL {
            fmt.sub_tag = u16_at(guid, 0);
        }
    }
    Some(fmt)
}

/// Checks the fmt fields against each other.
fn fmt_faults(fmt: &Fmt, findings: &mut Findings) {
    let mut say = |message: String| findings.push(Fault::FmtInconsistent, message);
    if fmt.channels == 0 {
        say("the fmt chunk says 0 channels".into());
    }
    if fmt.rate == 0 {
        say("the fmt chunk says a sample rate of 0 Hz".into());
    }
    if fmt.tag == TAG_EXTENSIBLE && fmt.sub_tag.is_none() {
        say(format!(
            "WAVE_FORMAT_EXTENSIBLE, but the fmt chunk ({} bytes) lacks a valid extension or \
             has an unknown subformat GUID",
            fmt.chunk_size
        ));
    }
    if let Some(valid) = fmt.valid_bits
        && valid > fmt.bits
    {
        say(format!("{valid} valid bits in {}-bit samples", fmt.bits));
    }
    if !fmt.is_linear_like() || fmt.channels == 0 {
        return;
    }
    if fmt.bits == 0 {
        say("the fmt chunk says 0 bits per sample".into());
        return;
    }
    if fmt.codec_tag() == 3 && !matches!(fmt.bits, 32 | 64) {
        say(format!("{}-bit floating point samples (only 32 or 64 exist)", fmt.bits));
    }
    let want_align = u32::from(fmt.channels) * u32::from(fmt.sample_bytes());
    if u32::from(fmt.block_align) != want_align {
        say(format!(
            "block align is {}, but {} channel(s) of {}-bit samples need {want_align}",
            fmt.block_align, fmt.channels, fmt.bits
        ));
    }
    let want_rate = u64::from(fmt.rate) * u64::from(fmt.block_align);
    if u64::from(fmt.byte_rate) != want_rate {
        say(format!(
            "byte rate is {}, but {} Hz x block align {} is {want_rate}",
            fmt.byte_rate, fmt.rate, fmt.block_align
        ));
    }
}

/// The most chunks walked in search of the data chunk: enough for any real file (a file of
/// 10,000 empty chunks is read to its data), and a bound on the work a hostile file can cause.
pub const MAX_WALK: usize = 1 << 20;

/// The most distinct findings kept; a repeated finding is kept once, with a count.
const MAX_FINDINGS: usize = 64;

/// Findings as they are met: a repeat of one already there is counted, not added again.
#[derive(Default)]
struct Findings {
    list: Vec<(Finding, u64)>,
    dropped: u64,
}

impl Findings {
    fn push(&mut self, fault: Fault, message: String) {
        if let Some(seen) =
            self.list.iter_mut().find(|(f, _)| f.fault == fault && f.message == message)
        {
            seen.1 += 1;
        } else if self.list.len() < MAX_FINDINGS {
            self.list.push((Finding { fault, message }, 1));
        } else {
            self.dropped += 1;
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.list.iter().any(|(f, _)| f.fault == fault)
    }

    /// The findings, a repeated one once with "(N times)".
    fn done(self) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .list
            .into_iter()
            .map(|(mut f, n)| {
                if n > 1 {
                    f.message.push_str(&format!(" ({n} times)"));
                }
                f
            })
            .collect();
        if self.dropped > 0
            && let Some(last) = out.last_mut()
        {
            last.message.push_str(&format!("; {} more finding(s) not listed", self.dropped));
        }
        out
    }
}

/// "48000 Hz, 1 channel(s), 16-bit" for a message.
fn fmt_summary(fmt: &Fmt) -> String {
    format!("{} Hz, {} channel(s), {}-bit", fmt.rate, fmt.channels, fmt.bits)
}

/// Whether the RIFF size field is unset (0 or 0xFFFFFFFF), as a writer to a pipe leaves it.
pub fn size_unset(size: u32) -> bool {
    size == 0 || size == UNSET
}

/// Reads the layout of a file that starts with `RIFF....WAVE`. Only I/O errors fail; a
/// malformed file gives findings.
///
/// Sizes left unset by a writer that could not seek back (0xFFFFFFFF, or 0, as
/// `ffmpeg ... -f wav pipe:1` writes them) mean "unknown length": the data chunk then runs to the
/// end of the file ([`Data::unknown_length`]), and must be the last chunk.
pub fn parse<R: Read + Seek>(r: &mut R, file_len: u64) -> std::io::Result<Wav> {
    let mut wav = Wav { file_len, ..Wav::default() };
    let mut head = [0u8; 12];
    let n = read_at(r, 0, &mut head)?;
    wav.riff_size = u32_at(&head[..n], 4).unwrap_or(0);
    let riff_unset = size_unset(wav.riff_size);
    let mut findings = Findings::default();
    let mut fmt_seen = false;
    let mut data_before_fmt = false;
    // Why the walk stopped early, if it did: (truncated, junk offset).
    let mut truncated = false;
    let mut junk_at: Option<u64> = None;
    let mut pos: u64 = 12;
    let mut walked = 0usize;

    while pos < file_len {
        if walked >= MAX_WALK {
            findings.push(
                Fault::BadChunk,
                format!("more than {MAX_WALK} chunks; the rest was not examined"),
            );
            break;
        }
        walked += 1;
        let mut header = [0u8; 8];
        let got = read_at(r, pos, &mut header)?;
        if got < 8 || !plausible_id(&header[..4]) {
            junk_at = Some(pos);
            break;
        }
        let id: [u8; 4] = [header[0], header[1], header[2], header[3]];
        let size = u32_at(&header, 4).unwrap_or(0);
        let chunk = ChunkInfo { id, offset: pos, size };
        let payload = pos + 8;
        let room = file_len - payload;

        if &id == b"data" {
            if wav.data.is_some() {
                findings.push(
                    Fault::ExtraChunk,
                    format!("a second data chunk at byte {pos}: players read only the first"),
                );
            } else {
                if !fmt_seen {
                    data_before_fmt = true;
                }
                // A size of 0 with audio after it is unset too when the RIFF size is, or when
                // what follows is no chunk (a recording whose header was never finished).
                let unknown = size == UNSET
                    || (size == 0 && room > 0 && (riff_unset || !chunk_at(r, payload)?));
                let available = if unknown { room } else { u64::from(size).min(room) };
                wav.data = Some(Data {
                    offset: payload,
                    declared: size,
                    available,
                    unknown_length: unknown,
                });
                if unknown {
                    if wav.chunks.len() < MAX_CHUNKS {
                        wav.chunks.push(chunk);
                    }
                    break;
                }
            }
        }

        if u64::from(size) > room {
            truncated = true;
            let what = if &id == b"data" { Fault::TruncatedData } else { Fault::TruncatedChunk };
            findings.push(
                what,
                format!(
                    "the {} chunk says {size} bytes, but the file ends after {room} (cut off)",
                    chunk.name()
                ),
            );
        }

        if &id == b"fmt " {
            let mut bytes = [0u8; 64];
            let want = (size.min(64) as usize).min(bytes.len());
            let got = read_at(r, payload, &mut bytes[..want])?;
            let parsed = if size < 16 || got < 16 { None } else { parse_fmt(&bytes[..got], size) };
            if !fmt_seen {
                fmt_seen = true;
                match parsed {
                    None => findings.push(
                        Fault::FmtInconsistent,
                        format!(
                            "the fmt chunk has {} bytes, needs at least 16",
                            size.min(got as u32)
                        ),
                    ),
                    Some(fmt) => {
                        fmt_faults(&fmt, &mut findings);
                        wav.fmt = Some(fmt);
                    }
                }
            } else {
                let (first, second) = match (&wav.fmt, &parsed) {
                    (Some(a), Some(b)) => (fmt_summary(a), fmt_summary(b)),
                    (Some(a), None) => (fmt_summary(a), "unreadable".to_string()),
                    (None, Some(b)) => ("unreadable".to_string(), fmt_summary(b)),
                    (None, None) => ("unreadable".to_string(), "unreadable".to_string()),
                };
                findings.push(
                    Fault::FmtDuplicate,
                    format!(
                        "two fmt chunks: the first says {first}, a second at byte {pos} says \
                         {second}; programs disagree on which one counts"
                    ),
                );
            }
        } else if &id == b"fact" && wav.fact.is_none() {
            let mut bytes = [0u8; 4];
            let got = read_at(r, payload, &mut bytes[..(size.min(4) as usize)])?;
            let samples = if got == 4 { u32_at(&bytes, 0) } else { None };
            wav.fact = Some(Fact { offset: pos, size, samples });
        } else if &id != b"data" {
            findings.push(
                Fault::ExtraChunk,
                format!(
                    "a {} chunk ({size} bytes) besides fmt and data: strict parsers \
                     (Asterisk, Python's wave, embedded players) may refuse it",
                    chunk.name()
                ),
            );
        }
        if wav.chunks.len() < MAX_CHUNKS {
            wav.chunks.push(chunk);
        }
        if truncated {
            break;
        }

        let end = payload + u64::from(size);
        let mut next = end;
        if size % 2 == 1 {
            if end == file_len {
                findings.push(
                    Fault::MissingPadByte,
                    format!(
                        "the {} chunk has an odd size ({size}) and the file ends without its \
                         pad byte",
                        id_name(&id)
                    ),
                );
            } else {
                let mut peek = [0u8; 5];
                let got = read_at(r, end, &mut peek)?;
                let here = got >= 4 && plausible_id(&peek[..4]);
                let after = got >= 5 && plausible_id(&peek[1..5]);
                if here && !after {
                    findings.push(
                        Fault::MissingPadByte,
                        format!(
                            "the {} chunk has an odd size ({size}) and no pad byte after it, so \
                             strict parsers misread the next chunk",
                            id_name(&id)
                        ),
                    );
                } else {
                    next = end + 1;
                }
            }
        }
        pos = next;
    }

    if let Some(at) = junk_at {
        let stray = file_len - at;
        if u64::from(wav.riff_size) + 8 > at {
            findings.push(
                Fault::BadChunk,
                format!(
                    "the {stray} byte(s) at byte {at}, where a chunk should start, are not a \
                     chunk"
                ),
            );
        }
    }

    match wav.data {
        Some(d) if d.unknown_length => {
            let sizes = if riff_unset {
                format!(
                    "the RIFF and data sizes are unset ({:#010X} and {:#010X})",
                    wav.riff_size, d.declared
                )
            } else {
                format!("the data chunk's size is unset ({:#010X})", d.declared)
            };
            findings.push(
                Fault::DataSizeUnset,
                format!(
                    "{sizes}, as a program writing to a pipe leaves them; the audio runs to the \
                     end of the file ({} bytes)",
                    d.available
                ),
            );
        }
        Some(d) if d.declared == 0 => {
            findings.push(Fault::DataSizeZero, "the data chunk is empty (size 0)".into())
        }
        _ if riff_unset => findings.push(
            Fault::DataSizeUnset,
            format!(
                "the RIFF size is unset ({:#010X}), as a program writing to a pipe leaves it; \
                 the file is {file_len} bytes",
                wav.riff_size
            ),
        ),
        _ => {}
    }

    let riff_end = u64::from(wav.riff_size) + 8;
    if !riff_unset && riff_end != file_len && !(truncated && riff_end > file_len) {
        let message = if riff_end > file_len {
            format!(
                "the RIFF header says the file is {riff_end} bytes, it is {file_len} (cut off?)"
            )
        } else {
            format!(
                "the RIFF header says the file is {riff_end} bytes, but it is {file_len}: {} \
                 byte(s) after the RIFF chunk",
                file_len - riff_end
            )
        };
        findings.push(Fault::RiffSizeMismatch, message);
    }

    // Whole frames: what a player reads of the data is frames of block-align bytes.
    if let (Some(fmt), Some(d)) = (&wav.fmt, wav.data)
        && fmt.is_linear_like()
        && fmt.block_align > 0
        && !findings.has(Fault::TruncatedData)
        && d.available > 0
    {
        let align = u64::from(fmt.block_align);
        if d.available < align {
            findings.push(
                Fault::DataSizeZero,
                format!(
                    "the data chunk holds {} byte(s), less than one frame ({align} bytes): no audio",
                    d.available
                ),
            );
        } else if d.available % align != 0 {
            findings.push(
                Fault::DataPartialFrame,
                format!(
                    "the data chunk's {} bytes are not a whole number of {align}-byte frames: the \
                     last {} byte(s) are a cut-off frame",
                    d.available,
                    d.available % align
                ),
            );
        }
    }

    if !fmt_seen {
        findings.push(Fault::FmtMissing, "no fmt chunk: the file does not say its format".into());
    } else if data_before_fmt {
        findings.push(
            Fault::ChunkOrder,
            "the data chunk comes before the fmt chunk; strict parsers need fmt first".into(),
        );
    }
    if wav.data.is_none() {
        findings.push(Fault::DataMissing, "no data chunk: the file holds no audio".into());
    }
    wav.findings = findings.done();
    Ok(wav)
}

/// Whether a plausible chunk header starts at `pos`.
fn chunk_at<R: Read + Seek>(r: &mut R, pos: u64) -> std::io::Result<bool> {
    let mut header = [0u8; 8];
    let got = read_at(r, pos, &mut header)?;
    Ok(got == 8 && plausible_id(&header[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::pcm16_header;
    use std::io::Cursor;

    fn parse_bytes(b: &[u8]) -> Wav {
        parse(&mut Cursor::new(b), b.len() as u64).unwrap_or_else(|e| panic!("{e}"))
    }

    fn codes(w: &Wav) -> Vec<Fault> {
        w.findings.iter().map(|f| f.fault).collect()
    }

    #[test]
    fn canonical_header_is_clean() {
        let mut b = pcm16_header(48000, 1, 8).to_vec();
        b.extend_from_slice(&[0; 8]);
        let w = parse_bytes(&b);
        assert!(w.findings.is_empty(), "{:?}", w.findings);
        let fmt = w.fmt.unwrap_or_else(|| panic!("no fmt"));
        assert_eq!((fmt.tag, fmt.channels, fmt.rate, fmt.bits), (1, 1, 48000, 16));
        assert_eq!(
            w.data,
            Some(Data { offset: 44, declared: 8, available: 8, unknown_length: false })
        );
    }

    #[test]
    fn every_prefix_and_random_mutation_is_handled() {
        // Never panics, whatever the bytes: every prefix of a file with extra chunks, and
        // pseudo-random corruptions of it.
        let mut b = b"RIFF\0\0\0\0WAVELIST\x05\0\0\0abcde\0".to_vec();
        b.extend_from_slice(&pcm16_header(48000, 1, 6)[12..]);
        b.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        for n in 0..=b.len() {
            let _ = parse_bytes(&b[..n]);
        }
        let mut x: u64 = 0x1234_5678;
        for _ in 0..2000 {
            let mut c = b.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % c.len();
                c[i] = (x >> 32) as u8;
            }
            let _ = parse_bytes(&c);
        }
    }

    fn chunk(id: &[u8; 4], size: u32, body: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(body);
        out
    }

    /// A canonical 16-bit mono header at `rate` with `data` bytes of audio (zeros).
    fn wav(rate: u32, data: u32) -> Vec<u8> {
        let mut b = pcm16_header(rate, 1, data).to_vec();
        b.extend(std::iter::repeat_n(0u8, data as usize));
        b
    }

    #[test]
    fn a_second_fmt_chunk_is_a_fault_naming_both() {
        let one = wav(48000, 8);
        let mut b = one[..36].to_vec();
        b.extend_from_slice(&wav(8000, 0)[12..36]);
        b.extend_from_slice(&one[36..]);
        let w = parse_bytes(&b);
        assert_eq!(codes(&w), vec![Fault::FmtDuplicate, Fault::RiffSizeMismatch]);
        let m = &w.findings[0].message;
        assert!(m.contains("48000 Hz") && m.contains("8000 Hz"), "{m}");
        assert_eq!(w.fmt.map(|f| f.rate), Some(48000));
    }

    #[test]
    fn the_data_chunk_is_found_after_many_chunks_and_repeats_are_counted() {
        let mut b = wav(48000, 8)[..36].to_vec();
        for _ in 0..5000 {
            b.extend_from_slice(&chunk(b"JUNK", 0, &[]));
        }
        b.extend_from_slice(&chunk(b"data", 8, &[0; 8]));
        let riff = (b.len() - 8) as u32;
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        let w = parse_bytes(&b);
        assert_eq!(codes(&w), vec![Fault::ExtraChunk], "{:?}", w.findings);
        assert!(w.findings[0].message.ends_with("(5000 times)"), "{:?}", w.findings);
        assert_eq!(w.data.map(|d| d.available), Some(8));
        assert_eq!(w.chunks.len(), MAX_CHUNKS);
    }

    #[test]
    fn unset_sizes_mean_to_the_end_of_the_file() {
        for unset in [UNSET, 0] {
            let mut b = wav(48000, 10);
            b[4..8].copy_from_slice(&unset.to_le_bytes());
            b[40..44].copy_from_slice(&unset.to_le_bytes());
            let w = parse_bytes(&b);
            assert_eq!(codes(&w), vec![Fault::DataSizeUnset], "{:?}", w.findings);
            let d = w.data.unwrap_or_else(|| panic!("no data"));
            assert!(d.unknown_length);
            assert_eq!(d.available, 10);
        }
        // A data size of 0 followed by a real chunk is an empty data chunk.
        let mut b = wav(48000, 0);
        b.extend_from_slice(&chunk(b"JUNK", 2, &[0, 0]));
        let riff = (b.len() - 8) as u32;
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        let w = parse_bytes(&b);
        assert_eq!(codes(&w), vec![Fault::ExtraChunk, Fault::DataSizeZero], "{:?}", w.findings);
    }

    #[test]
    fn data_must_be_whole_frames() {
        let w = parse_bytes(&wav(48000, 1)[..45]);
        assert!(codes(&w).contains(&Fault::DataSizeZero), "{:?}", w.findings);
        let mut b = wav(48000, 9);
        b.push(0); // pad byte
        let riff = (b.len() - 8) as u32;
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        let w = parse_bytes(&b);
        assert_eq!(codes(&w), vec![Fault::DataPartialFrame], "{:?}", w.findings);
    }

    #[test]
    fn huge_sizes_are_not_trusted() {
        let mut b = b"RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\x7f".to_vec();
        b.extend_from_slice(&[1, 0, 1, 0]);
        let w = parse_bytes(&b);
        assert!(codes(&w).contains(&Fault::TruncatedChunk), "{:?}", codes(&w));
    }
}
