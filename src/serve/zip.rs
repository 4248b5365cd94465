//! A ZIP archive of stored (uncompressed) entries, written by hand: the results are PCM WAVs,
//! which deflate barely shrinks, so a compressor would cost time for nothing, and the ~100
//! lines here are smaller to audit than a ZIP crate with its features.
//!
//! Guarantees:
//! - Entry names are written as given, flagged UTF-8 (bit 11); the caller gives safe ASCII
//!   names, so any unzip tool extracts them under those names.
//! - Each entry carries its CRC-32 and sizes in the local header and the central directory;
//!   archives beyond the 4 GiB / 65,535-entry limits of classic ZIP are refused ([`TooBig`]), never
//!   written wrong.

/// The archive would need ZIP64 (an entry or the whole over 4 GiB, or over 65,535 entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ZIP would be over 4 GiB or 65,535 files; download the files one by one")]
pub struct TooBig;

/// The CRC-32 (IEEE) of `data`, as ZIP stores it.
pub fn crc32(data: &[u8]) -> u32 {
    const fn table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }
    static TABLE: [u32; 256] = table();
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// A ZIP of `entries` (name, bytes), in order, stored.
pub fn stored(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, TooBig> {
    let total: u64 = entries.iter().map(|(n, d)| 76 + 2 * n.len() as u64 + d.len() as u64).sum();
    if entries.len() > 0xFFFF || total + 22 > u32::MAX as u64 {
        return Err(TooBig);
    }
    let mut out = Vec::with_capacity(total as usize + 22);
    let mut central = Vec::new();
    let u16le = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let u32le = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    // 1980-01-01 00:00: results have no meaningful date, and a fixed one keeps ZIPs identical.
    // (Year 1980 is 0 in bits 9-15; month 1 in bits 5-8; day 1 in bits 0-4.)
    let (time, date) = (0u16, (1u16 << 5) | 1);
    for (name, data) in entries {
        let crc = crc32(data);
        let offset = out.len() as u32;
        let (size, name_len) = (data.len() as u32, name.len() as u16);
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20); // version needed: 2.0
        u16le(&mut out, 1 << 11); // UTF-8 names
        u16le(&mut out, 0); // stored
        u16le(&mut out, time);
        u16le(&mut out, date);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20);
        u16le(&mut central, 20);
        u16le(&mut central, 1 << 11);
        u16le(&mut central, 0);
        u16le(&mut central, time);
        u16le(&mut central, date);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name_len);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0o100644 << 16); // external: a regular file, rw-r--r--
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries.len() as u16);
    u16le(&mut out, entries.len() as u16);
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_check_string() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn layout_of_one_entry() {
        let z = stored(&[("a.wav".into(), b"RIFF".to_vec())]).unwrap_or_default();
        assert_eq!(&z[..4], b"PK\x03\x04");
        assert_eq!(&z[30..35], b"a.wav");
        assert_eq!(&z[35..39], b"RIFF");
        let end = &z[z.len() - 22..];
        assert_eq!(&end[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 1);
    }
}
