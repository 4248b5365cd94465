//! File name checks against a profile, each with the name `convert` would give the file.

use std::ffi::OsStr;

use super::{Code, Detail, Fix, Problem};
use crate::names;
use crate::profile::Profile;

/// Whether `c` may stand in a safe name.
fn safe_char(c: char) -> bool {
    c.is_ascii() && names::is_safe_byte(c as u8)
}

/// The problems of the file name `name` for `profile` (none for a name `convert` writes).
pub fn check(name: &OsStr, profile: &Profile) -> Vec<Problem> {
    let lossy = name.to_string_lossy();
    let suggested = names::output_name(name, profile.extension);
    let mut out = Vec::new();
    let mut say = |code: Code, message: String, detail: Option<Detail>| {
        let mut p = Problem::fixed(code, message, Fix::Rename(suggested.clone()));
        p.detail = detail;
        out.push(p);
    };

    if profile.ascii_names {
        if name.to_str().is_none() {
            say(Code::NameNonAscii, format!("the name {lossy:?} is not valid UTF-8"), None);
        } else if !lossy.is_ascii() {
            say(
                Code::NameNonAscii,
                format!("the name {lossy:?} has non-ASCII characters"),
                Some(Detail::NameNonAscii { name: lossy.to_string() }),
            );
        }
        let mut bad: Vec<char> = lossy.chars().filter(|&c| c.is_ascii() && !safe_char(c)).collect();
        bad.sort_unstable();
        bad.dedup();
        if !bad.is_empty() {
            let shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
            let chars = shown.join(" ");
            say(
                Code::NameUnsafeChars,
                format!("the name has characters outside [A-Za-z0-9._-]: {chars}"),
                Some(Detail::NameUnsafeChars { chars }),
            );
        } else if let Some(first) = lossy.chars().next().filter(|c| matches!(c, '.' | '-')) {
            say(
                Code::NameUnsafeChars,
                format!("the name starts with {first:?} (a hidden file or a command option)"),
                Some(Detail::NameStartsWith { first }),
            );
        }
        if names::is_reserved(&lossy) {
            let base = lossy.split('.').next().unwrap_or(&lossy);
            say(
                Code::NameReserved,
                format!("{base} is a Windows device name; no file can be called that there"),
                Some(Detail::NameReserved { base: base.to_string() }),
            );
        }
    }
    let ext = match lossy.rfind('.') {
        Some(i) if i > 0 => Some(&lossy[i + 1..]),
        _ => None,
    };
    let wrong_extension = Some(Detail::NameExtension {
        found: ext.map(str::to_string),
        needs: profile.extension.to_string(),
    });
    match ext {
        // Exactly as the profile writes it: Asterisk on Linux looks up `greeting.wav` and does
        // not find `greeting.WAV`.
        Some(e) if e == profile.extension => {}
        Some(e) if e.eq_ignore_ascii_case(profile.extension) => say(
            Code::NameExtension,
            format!(
                "the name ends in .{e}, needs .{} exactly (a case-sensitive file system does \
                 not find the one for the other)",
                profile.extension
            ),
            wrong_extension,
        ),
        Some(e) => say(
            Code::NameExtension,
            format!("the name ends in .{e}, needs .{}", profile.extension),
            wrong_extension,
        ),
        None => say(
            Code::NameExtension,
            format!("the name has no extension, needs .{}", profile.extension),
            wrong_extension,
        ),
    }
    let len = name.as_encoded_bytes().len();
    if len > profile.max_name_bytes {
        say(
            Code::NameTooLong,
            format!("the name is {len} bytes long, at most {} allowed", profile.max_name_bytes),
            Some(Detail::NameTooLong { bytes: len, max: profile.max_name_bytes }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::CHANNELTALK;

    fn codes(name: &str) -> Vec<Code> {
        check(OsStr::new(name), &CHANNELTALK).iter().map(|p| p.code).collect()
    }

    #[test]
    fn each_rule() {
        assert!(codes("annae.wav").is_empty());
        assert!(codes("IVR_Menu-1.Final.wav").is_empty());
        assert_eq!(codes("IVR_Menu-1.Final.WAV"), vec![Code::NameExtension]);
        assert!(codes("_intro.wav").is_empty());
        assert_eq!(codes("안내 멘트.wav"), vec![Code::NameNonAscii, Code::NameUnsafeChars]);
        assert_eq!(codes("greeting (final).wav"), vec![Code::NameUnsafeChars]);
        assert_eq!(codes("-rf.wav"), vec![Code::NameUnsafeChars]);
        assert_eq!(codes("CON.wav"), vec![Code::NameReserved]);
        assert_eq!(codes("COM0.wav"), vec![Code::NameReserved]);
        assert_eq!(codes("lpt0.wav"), vec![Code::NameReserved]);
        assert_eq!(codes("COM¹.wav"), vec![Code::NameNonAscii, Code::NameReserved]);
        assert_eq!(codes("welcome.wave"), vec![Code::NameExtension]);
        assert_eq!(codes("welcome"), vec![Code::NameExtension]);
        let long = format!("{}.wav", "a".repeat(300));
        assert_eq!(codes(&long), vec![Code::NameTooLong]);
    }

    #[test]
    fn the_extension_is_checked_exactly_as_the_profile_writes_it() {
        let p = check(OsStr::new("Greeting.WAV"), &crate::profile::ASTERISK);
        assert_eq!(p.iter().map(|p| p.code).collect::<Vec<_>>(), vec![Code::NameExtension]);
        assert!(p[0].fix.contains("Greeting.wav"), "{}", p[0].fix);
        assert!(p[0].message.contains(".WAV") && p[0].message.contains(".wav"), "{}", p[0].message);
    }

    #[test]
    fn the_fix_names_what_convert_gives() {
        let p = check(OsStr::new("안내 멘트.wav"), &CHANNELTALK);
        let want = names::output_name(OsStr::new("안내 멘트.wav"), "wav");
        assert!(p[0].fix.contains(&want), "{}", p[0].fix);
    }

    #[test]
    fn every_name_convert_gives_passes() {
        for n in [
            "hello world.mp3",
            "CON.mp3",
            "-x.mp3",
            "東京.mp3",
            "!!!.mp3",
            "..hidden.mp3",
            "Lpt9.aux.mp3",
            "안내 멘트.m4a",
            "a.b.c.wav.",
            "",
            "😀.ogg",
        ] {
            let out = names::output_name(OsStr::new(n), "wav");
            assert!(codes(&out).is_empty(), "{n} -> {out}: {:?}", codes(&out));
        }
        let long = format!("{}.mp3", "안".repeat(200));
        let out = names::output_name(OsStr::new(&long), "wav");
        assert!(codes(&out).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let raw = OsStr::from_bytes(b"caf\xe9 \xff.mp3");
            assert_eq!(
                check(raw, &CHANNELTALK).iter().map(|p| p.code).collect::<Vec<_>>(),
                vec![Code::NameNonAscii, Code::NameUnsafeChars, Code::NameExtension]
            );
        }
    }
}
