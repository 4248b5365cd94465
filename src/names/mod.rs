//! Names: any file or folder name ► a safe ASCII name that phone platforms accept.
//!
//! The steps, always in this order:
//! 1. A name that is not UTF-8 but decodes cleanly as CP949 (EUC-KR) with Hangul in it (a ZIP
//!    made on Korean Windows) is read as CP949 ([`decoded`]); in any other name, bytes that are
//!    not UTF-8 become U+FFFD (then `_`). The name is put in Unicode NFC (macOS hands out NFD
//!    names, so `안내` may arrive as six jamo; [`form_of`] tells such a name apart on screen).
//! 2. Hangul is romanized by the Revised Romanization of Korean ([`korean`]), in lowercase.
//! 3. Any other non-ASCII character is transliterated by `deunicode` (`é` ► `e`, `東京` ►
//!    `Dong Jing`, `😀` ► `grinning`).
//! 4. Only `[A-Za-z0-9._-]` remain: every run of other characters (spaces, punctuation, control
//!    characters, path separators) becomes one `_`. Case is kept as written.
//! 5. No leading `.`, `-` or `_`, no trailing `.`, `_` or space; a Windows device name (`CON`,
//!    `NUL`, `COM0` to `COM9`, `LPT0` to `LPT9`, ...) gets a `_` appended; an empty result becomes `audio`.
//! 6. The whole name, with its extension, is at most [`MAX_NAME_BYTES`] bytes.
//!
//! A file keeps its stem and gets the target's extension (`안내 멘트.mp3` ► `annae_menteu.wav`).
//! Within one output folder, names are made distinct case-insensitively, in input order:
//! `name.wav`, `name-2.wav`, `name-3.wav` ([`Deduper`]).

pub mod korean;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::OsStr;

use unicode_normalization::UnicodeNormalization;

/// The longest name produced, in bytes, extension included.
pub const MAX_NAME_BYTES: usize = 255;

/// The name used when nothing of the original is left.
pub const FALLBACK: &str = "audio";

/// Windows device names, which no file may be called (with any extension): `COM0` to `COM9` and
/// `LPT0` to `LPT9`, and the superscript digits ¹ ² ³, which Windows also reserves after COM
/// and LPT.
const RESERVED: [&str; 30] = [
    "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6",
    "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// Whether a byte is allowed as is in a safe name.
pub fn is_safe_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// Whether `name` is already a safe name (what [`safe_component`] would leave unchanged).
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name.bytes().all(is_safe_byte)
        && !name.starts_with(['.', '-', '_'])
        && !name.ends_with(['.', '_'])
        && !is_reserved(name)
}

/// Whether `name` (with or without extension) is a Windows device name (`CON`, `nul.txt`, ...).
pub fn is_reserved(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or(name);
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(base))
}

/// Steps 1 to 3: the name in ASCII, before the whitelist.
pub fn transliterate(name: &str) -> String {
    let nfc: String = name.nfc().collect();
    let romanized = korean::romanize(&nfc);
    deunicode::deunicode_with_tofu(&romanized, "_")
}

/// Steps 4 and 5 on an ASCII string: whitelist, trim, device names, fallback. The result is at
/// most `max` bytes.
fn whitelist(ascii: &str, max: usize) -> String {
    let mut out = String::with_capacity(ascii.len());
    let mut pending_sep = false;
    for b in ascii.bytes() {
        if is_safe_byte(b) {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.push(b as char);
        } else {
            pending_sep = true;
        }
    }
    let mut s = out.trim_start_matches(['.', '-', '_']).to_string();
    truncate_to(&mut s, max);
    while s.ends_with(['.', '_', '-']) {
        s.pop();
    }
    if s.is_empty() {
        s = FALLBACK.to_string();
    }
    if is_reserved(&s) {
        // "CON" ► "CON_", "nul.txt" ► "nul_.txt"
        let dot = s.find('.').unwrap_or(s.len());
        s.insert(dot, '_');
        truncate_to(&mut s, max);
    }
    s
}

fn truncate_to(s: &mut String, max: usize) {
    if s.len() > max {
        // ASCII only at this point, so any byte index is a char boundary.
        s.truncate(max);
    }
}

/// A safe name for a folder (every step, no extension handling).
pub fn safe_component(name: &OsStr) -> String {
    whitelist(&transliterate(&decoded(name)), MAX_NAME_BYTES)
}

/// The text of a name: as is when it is UTF-8; read as CP949 when it is not but decodes
/// cleanly as CP949 with Hangul syllables and nothing but ASCII besides (file names from a ZIP
/// made on Korean Windows); else lossy UTF-8 (U+FFFD for the bad bytes).
pub fn decoded(name: &OsStr) -> std::borrow::Cow<'_, str> {
    if let Some(text) = name.to_str() {
        return text.into();
    }
    match cp949(name.as_encoded_bytes()) {
        Some(text) => text.into(),
        None => name.to_string_lossy(),
    }
}

/// The CP949 reading of a path that is not UTF-8, when each of its parts that is not UTF-8
/// reads cleanly as CP949 (as [`decoded`] reads a name): what a person knows the file by (a
/// folder from a ZIP made on Korean Windows). `None` for a UTF-8 path, or one with other bytes.
pub fn cp949_reading(path: &std::path::Path) -> Option<String> {
    if path.to_str().is_some() {
        return None;
    }
    let parts: Option<Vec<String>> = path
        .as_os_str()
        .as_encoded_bytes()
        .split(|&b| b == b'/')
        .map(|part| match std::str::from_utf8(part) {
            Ok(text) => Some(text.to_string()),
            Err(_) => cp949(part),
        })
        .collect();
    parts.map(|p| p.join("/"))
}

/// `bytes` read as CP949, when they decode cleanly with Hangul syllables and nothing but ASCII
/// besides.
fn cp949(bytes: &[u8]) -> Option<String> {
    let text = encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(bytes)?;
    let hangul = |c: char| ('\u{ac00}'..='\u{d7a3}').contains(&c);
    (text.chars().any(hangul) && text.chars().all(|c| c.is_ascii() || hangul(c)))
        .then(|| text.into_owned())
}

/// The Unicode normalization form of a name when it is not NFC: `"NFD"` (macOS's form, Hangul
/// as jamo) or `"mixed"`. NFC and NFD copies of one name look the same on screen; reports
/// and the names map show this mark beside the NFD one.
pub fn form_of(text: &str) -> Option<&'static str> {
    if unicode_normalization::is_nfc(text) {
        None
    } else if unicode_normalization::is_nfd(text) {
        Some("NFD")
    } else {
        Some("mixed")
    }
}

/// The stem of a file name: without its last extension, unless that would leave nothing.
fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// The safe output name of a file: its stem, made safe, plus `.{ext}`.
pub fn output_name(file_name: &OsStr, ext: &str) -> String {
    let lossy = decoded(file_name);
    let max = MAX_NAME_BYTES - ext.len() - 1;
    let mut s = whitelist(&transliterate(stem(&lossy)), max);
    s.push('.');
    s.push_str(ext);
    s
}

/// A name or path as it can be printed on a terminal: control characters (newlines, escape
/// sequences, bells) are shown escaped (`\n`, `\u{1b}`), so a hostile file name cannot rewrite
/// the screen or split a report line. Everything else is kept as is.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
        .collect()
}

/// Keeps names distinct, case-insensitively, within a set of output folders.
///
/// Taking a name costs the same however many files already took it: the next number to try is
/// remembered for each wanted name (every smaller number is taken already, since names are
/// never given back), so 100,000 files wanting one name plan in linear time.
#[derive(Debug, Default)]
pub struct Deduper {
    /// Every name taken (`folder/name`, lowercase), with the input that took it (`None`: a
    /// reserved name, or one taken without an owner).
    taken: HashMap<String, Option<usize>>,
    /// For each wanted name (`folder/name`, lowercase): the last number given for it.
    next: HashMap<String, u64>,
    /// Names tried, for the test that taking stays linear.
    probes: u64,
}

impl Deduper {
    /// A deduper with nothing taken.
    pub fn new() -> Self {
        Deduper::default()
    }

    /// Marks `name` in `folder` as taken without giving it to anyone (an existing output that
    /// keeps its input). Returns false if it was taken already.
    pub fn reserve(&mut self, folder: &str, name: &str) -> bool {
        match self.taken.entry(format!("{folder}/{}", name.to_ascii_lowercase())) {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(None);
                true
            }
        }
    }

    /// Takes `name` in `folder` (a key for the output folder), or `name-2`, `name-3`, ... if it
    /// is taken, and returns the name taken.
    pub fn take(&mut self, folder: &str, name: &str) -> String {
        self.take_inner(folder, name, None, &mut Vec::new())
    }

    /// [`Deduper::take`] for input number `owner`: also returns the owners of the names it
    /// found taken before the one it got (other inputs'; reserved names have no owner). The
    /// numbers a wanted name skips because earlier takes of it found them taken are not tried
    /// again, so they are not listed: those takes listed their owners.
    pub fn take_for(&mut self, folder: &str, name: &str, owner: usize) -> (String, Vec<usize>) {
        let mut passed = Vec::new();
        let taken = self.take_inner(folder, name, Some(owner), &mut passed);
        (taken, passed)
    }

    fn take_inner(
        &mut self,
        folder: &str,
        name: &str,
        owner: Option<usize>,
        passed: &mut Vec<usize>,
    ) -> String {
        let (stem, ext) = match name.rfind('.') {
            Some(i) if i > 0 => (&name[..i], &name[i..]),
            _ => (name, ""),
        };
        let wanted = format!("{folder}/{}", name.to_ascii_lowercase());
        // The number last given for this wanted name is taken, and so is every smaller one.
        let (mut n, mut candidate) = match self.next.get(&wanted) {
            Some(&last) => (last + 1, Self::numbered(stem, ext, last + 1)),
            None => (1, name.to_string()),
        };
        loop {
            self.probes += 1;
            match self.taken.entry(format!("{folder}/{}", candidate.to_ascii_lowercase())) {
                Entry::Vacant(v) => {
                    v.insert(owner);
                    break;
                }
                Entry::Occupied(o) => passed.extend(*o.get()),
            }
            n += 1;
            candidate = Self::numbered(stem, ext, n);
        }
        self.next.insert(wanted, n);
        candidate
    }

    /// `stem-n.ext`, the stem cut so the whole stays within [`MAX_NAME_BYTES`].
    fn numbered(stem: &str, ext: &str, n: u64) -> String {
        let suffix = format!("-{n}");
        let room = MAX_NAME_BYTES.saturating_sub(ext.len() + suffix.len());
        let stem = &stem[..stem.len().min(room)];
        format!("{stem}{suffix}{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> String {
        output_name(OsStr::new(s), "wav")
    }

    #[test]
    fn whitelist_and_separators() {
        assert_eq!(name("hello world.mp3"), "hello_world.wav");
        assert_eq!(name("  a  b  .mp3"), "a_b.wav");
        assert_eq!(name("greeting (final) v2!.m4a"), "greeting_final_v2.wav");
        assert_eq!(name("a/b\\c:d*e?.wav"), "a_b_c_d_e.wav");
        assert_eq!(name("IVR_Menu-1.Final.mp3"), "IVR_Menu-1.Final.wav");
        assert_eq!(name("$(rm -rf ~);`x`.mp3"), "rm_-rf_x.wav");
    }

    #[test]
    fn no_leading_dot_or_dash() {
        assert_eq!(name("-rf.mp3"), "rf.wav");
        assert_eq!(name("..hidden.mp3"), "hidden.wav");
        assert_eq!(name("._-x.mp3"), "x.wav");
    }

    #[test]
    fn reserved_device_names() {
        assert_eq!(name("CON.mp3"), "CON_.wav");
        assert_eq!(name("nul.mp3"), "nul_.wav");
        assert_eq!(name("com1.mp3"), "com1_.wav");
        assert_eq!(name("Lpt9.aux.mp3"), "Lpt9_.aux.wav");
        assert_eq!(name("console.mp3"), "console.wav");
        assert_eq!(safe_component(OsStr::new("aux")), "aux_");
    }

    #[test]
    fn com0_lpt0_and_superscript_digits_are_reserved() {
        assert_eq!(name("COM0.mp3"), "COM0_.wav");
        assert_eq!(name("lpt0.mp3"), "lpt0_.wav");
        for n in ["COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³", "com0", "LPT0"] {
            assert!(is_reserved(n), "{n}");
            assert!(is_reserved(&format!("{n}.wav")), "{n}.wav");
            let out = name(&format!("{n}.mp3"));
            assert!(!is_reserved(&out), "{n} -> {out}");
            assert!(is_safe_name(&out), "{n} -> {out}");
        }
        assert!(!is_reserved("COM10") && !is_reserved("LPT") && !is_reserved("COM"));
    }

    #[test]
    fn never_empty() {
        assert_eq!(name("!!!.mp3"), "audio.wav");
        assert_eq!(name(".mp3"), "mp3.wav");
        assert_eq!(name(""), "audio.wav");
        assert_eq!(safe_component(OsStr::new("...")), "audio");
    }

    #[test]
    fn other_scripts_are_transliterated() {
        assert_eq!(name("café crème.mp3"), "cafe_creme.wav");
        assert_eq!(name("Ärger.wav"), "Arger.wav");
        assert_eq!(name("東京.mp3"), "Dong_Jing.wav");
        assert_eq!(name("привет.ogg"), "privet.wav");
        assert!(name("😀.mp3").starts_with("grinning"), "{}", name("😀.mp3"));
    }

    #[test]
    fn long_names_are_cut_to_255_bytes() {
        let long = format!("{}.mp3", "a".repeat(300));
        let n = name(&long);
        assert_eq!(n.len(), MAX_NAME_BYTES);
        assert!(n.ends_with(".wav"));
        // 255 bytes of Hangul (85 syllables) romanize to more than 255 bytes.
        let korean = format!("{}.mp3", "안".repeat(84));
        assert!(name(&korean).len() <= MAX_NAME_BYTES);
    }

    #[test]
    fn non_utf8_bytes_do_not_panic() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let raw = OsStr::from_bytes(b"caf\xe9 \xff.mp3");
            assert_eq!(output_name(raw, "wav"), "caf.wav");
            // "안내 멘트" in CP949 (a ZIP from Korean Windows).
            let cp949 = OsStr::from_bytes(b"\xbe\xc8\xb3\xbb \xb8\xe0\xc6\xae.mp3");
            assert_eq!(output_name(cp949, "wav"), "annae_menteu.wav");
            assert_eq!(safe_component(OsStr::from_bytes(b"\xbe\xc8\xb3\xbb")), "annae");
        }
    }

    #[test]
    fn normalization_forms_are_told_apart() {
        assert_eq!(form_of("안내.wav"), None);
        assert_eq!(form_of("plain.wav"), None);
        assert_eq!(form_of("\u{110b}\u{1161}\u{11ab}\u{1102}\u{1162}.wav"), Some("NFD"));
        assert_eq!(form_of("안\u{1102}\u{1162}"), Some("mixed"));
    }

    #[test]
    fn colliding_names_plan_in_linear_time() {
        // 100,000 files that all want one name (issue 11: 10,000 took 48.7 s when every name
        // scanned the numbers from 1): each take tries a bounded number of names.
        let mut d = Deduper::new();
        let n = 100_000u64;
        let mut last = String::new();
        for _ in 0..n {
            last = d.take("f", "annae.wav");
        }
        assert_eq!(last, format!("annae-{n}.wav"));
        assert!(d.probes <= n + 10, "{} names tried for {n} files", d.probes);
        // A name that collides with a numbered one still finds the next free number.
        assert_eq!(d.take("f", "annae-2.wav"), "annae-2-2.wav");
        assert!(d.reserve("g", "x.wav"));
        assert_eq!(d.take("g", "X.WAV"), "X-2.WAV");
    }

    #[test]
    fn a_take_lists_the_owners_of_the_names_it_passed() {
        let mut d = Deduper::new();
        assert!(d.reserve("", "kept.wav"));
        assert_eq!(d.take_for("", "cut.wav", 0), ("cut.wav".to_string(), vec![]));
        assert_eq!(d.take_for("", "cut-2.wav", 1), ("cut-2.wav".to_string(), vec![]));
        // cut.wav went to an earlier take of the same name, and is not tried again; cut-2.wav
        // (input 1) is passed.
        assert_eq!(d.take_for("", "CUT.wav", 2), ("CUT-3.wav".to_string(), vec![1]));
        assert_eq!(d.take_for("", "a-2.wav", 7), ("a-2.wav".to_string(), vec![]));
        assert_eq!(d.take_for("", "a-3.wav", 8), ("a-3.wav".to_string(), vec![]));
        assert_eq!(d.take_for("", "a.wav", 9), ("a.wav".to_string(), vec![]));
        assert_eq!(d.take_for("", "A.WAV", 10), ("A-4.WAV".to_string(), vec![7, 8]));
        // A reserved name has no owner to list.
        assert_eq!(d.take_for("", "kept.wav", 3), ("kept-2.wav".to_string(), vec![]));
        // Numbers an earlier take of the name passed are not tried again.
        assert_eq!(d.take_for("", "cut.wav", 4), ("cut-4.wav".to_string(), vec![]));
    }

    #[test]
    fn dedupe_case_insensitive_in_order() {
        let mut d = Deduper::new();
        assert_eq!(d.take("", "a.wav"), "a.wav");
        assert_eq!(d.take("", "A.wav"), "A-2.wav");
        assert_eq!(d.take("", "a.wav"), "a-3.wav");
        assert_eq!(d.take("sub", "a.wav"), "a.wav");
        let long = format!("{}.wav", "x".repeat(251));
        assert_eq!(d.take("", &long), long);
        let second = d.take("", &long);
        assert_eq!(second.len(), MAX_NAME_BYTES);
        assert!(second.ends_with("-2.wav"));
    }

    #[test]
    fn safe_names_are_recognized() {
        assert!(is_safe_name("annae.wav"));
        assert!(!is_safe_name("안내.wav"));
        assert!(!is_safe_name("a b.wav"));
        assert!(!is_safe_name(".x.wav"));
        assert!(!is_safe_name("CON.wav"));
        for n in ["hello world.mp3", "CON.mp3", "-x.mp3", "東京.mp3", "!!!.mp3"] {
            assert!(is_safe_name(&name(n)), "{n} -> {}", name(n));
        }
    }
}
