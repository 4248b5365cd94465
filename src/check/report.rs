//! Reports of a check run for people (text), for CI systems (JUnit XML), and the table of
//! problem codes (Markdown). JSON lines are the serde serialization of [`Report`].

use std::fmt::Write as _;

use super::{Code, Problem, Report, Severity, Summary};

pub use crate::names::printable as shown;

/// One problem as a line of JUnit text: `error code: message: fix`, XML-escaped.
fn junit_problem(p: &Problem) -> String {
    format!(
        "{} {}: {}: {}",
        p.severity.as_str(),
        p.code,
        xml_escape(&p.message),
        xml_escape(&p.fix)
    )
}

/// The measured facts in one short bracket: `[wav pcm_s16le 48000 Hz mono 16-bit 2.50 s
/// -23.0 LUFS -1.0 dBTP]`.
pub fn facts_line(r: &Report) -> String {
    let channels = |n: u16| match n {
        1 => "mono".to_string(),
        2 => "stereo".to_string(),
        n => format!("{n} ch"),
    };
    facts_line_in(r, channels, "n/a")
}

/// [`facts_line`] in other words: `channels` names a channel count, `none` follows a measure
/// that has no value (`LUFS n/a`).
pub fn facts_line_in(r: &Report, channels: impl Fn(u16) -> String, none: &str) -> String {
    let f = &r.facts;
    let mut parts: Vec<String> = Vec::new();
    parts.extend(f.format.clone());
    parts.extend(f.codec.clone());
    if let Some(v) = f.sample_rate_hz {
        parts.push(format!("{v} Hz"));
    }
    parts.extend(f.channels.map(channels));
    if let Some(v) = f.bits_per_sample {
        parts.push(format!("{v}-bit"));
    }
    if let Some(v) = f.duration_s {
        parts.push(format!("{v:.2} s"));
        parts.push(f.loudness_lufs.map_or(format!("LUFS {none}"), |l| format!("{l:.1} LUFS")));
        parts.push(f.true_peak_dbtp.map_or(format!("dBTP {none}"), |p| format!("{p:.1} dBTP")));
    }
    if parts.is_empty() { String::new() } else { format!("[{}]", shown(&parts.join(" "))) }
}

/// The text report of one file: one line with its verdict and facts, then one line per problem
/// with its fix.
pub fn text(r: &Report) -> String {
    let path = shown(&r.input);
    if let Some(why) = &r.skipped {
        return format!("SKIP  {path}: {}", shown(why));
    }
    let verdict = if !r.ok {
        "FAIL"
    } else if r.problems.iter().any(|p| p.severity == Severity::Warning) {
        "WARN"
    } else {
        "OK  "
    };
    let mut out = format!("{verdict}  {path}  {}", facts_line(r));
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    for p in &r.problems {
        let _ = write!(
            out,
            "\n      {:<7} {}: {}: {}",
            p.severity.as_str(),
            p.code,
            shown(&p.message),
            shown(&p.fix)
        );
    }
    out
}

/// The closing line: `12 checked: 10 ok, 2 failed (3 errors, 4 warnings); 1 skipped`.
pub fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "{} checked: {} ok, {} failed ({} errors, {} warnings)",
        s.checked, s.ok, s.failed, s.errors, s.warnings
    );
    if s.skipped > 0 {
        let _ = write!(line, "; {} skipped", s.skipped);
    }
    line
}

/// Escapes text for XML 1.0 attribute values and content. Characters XML 1.0 cannot hold at
/// all (most control characters, U+FFFE, U+FFFF) are written as `\u{..}` text.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || matches!(c as u32, 0x7F..=0x9F | 0xFFFE | 0xFFFF) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A JUnit XML report: one testsuite, one testcase per file. A file that fails is a testcase
/// with one `<failure>` listing its problems (errors, and warnings with `strict`); a skipped
/// file is a testcase with `<skipped>`; warnings of a passing file go to `<system-out>`.
pub fn junit(reports: &[Report], profile: &str, strict: bool) -> String {
    let s = Summary::of(reports);
    let tests = reports.len();
    let time: f64 = reports.iter().map(|r| r.seconds).sum();
    let suite = xml_escape(&format!("promptwav check ({profile})"));
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{suite}\" tests=\"{tests}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{time:.3}\">",
        s.failed, s.skipped
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{time:.3}\">",
        s.failed, s.skipped
    );
    for r in reports {
        let _ = write!(
            x,
            "    <testcase classname=\"promptwav.check.{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
            xml_escape(profile),
            xml_escape(&r.input),
            xml_escape(&r.input),
            r.seconds
        );
        let failing: Vec<&super::Problem> = r
            .problems
            .iter()
            .filter(|p| {
                p.severity == Severity::Error || (strict && p.severity == Severity::Warning)
            })
            .collect();
        let others: Vec<&super::Problem> =
            r.problems.iter().filter(|p| !failing.iter().any(|f| std::ptr::eq(*f, *p))).collect();
        let facts = facts_line(r);
        if r.skipped.is_none() && r.ok && others.is_empty() && facts.is_empty() {
            x.push_str("/>\n");
            continue;
        }
        x.push_str(">\n");
        if let Some(why) = &r.skipped {
            let _ = writeln!(x, "      <skipped message=\"{}\"/>", xml_escape(why));
        }
        if !r.ok {
            let codes: Vec<&str> = failing.iter().map(|p| p.code.as_str()).collect();
            let message = format!("{} problem(s): {}", failing.len(), codes.join(", "));
            let kind = failing.first().map(|p| p.code.as_str()).unwrap_or("check");
            let _ = write!(
                x,
                "      <failure message=\"{}\" type=\"{}\">",
                xml_escape(&message),
                xml_escape(kind)
            );
            for p in &failing {
                let _ = writeln!(x, "{}", junit_problem(p));
            }
            x.push_str("</failure>\n");
        }
        if !others.is_empty() || !facts.is_empty() {
            x.push_str("      <system-out>");
            x.push_str(&xml_escape(&facts));
            for p in &others {
                let _ = write!(x, "\n{}", junit_problem(p));
            }
            x.push_str("</system-out>\n");
        }
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// The table of problem codes, in Markdown (the README's copy is this output).
pub fn codes_markdown() -> String {
    let mut out = String::from("| code | severity | meaning | fix |\n| --- | --- | --- | --- |\n");
    for c in Code::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            c.as_str(),
            c.default_severity().as_str(),
            c.what().replace('|', "\\|"),
            c.fix().replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}\n"), "a&lt;b&gt;&amp;&quot;c&apos;\\u{1}&#10;");
        assert_eq!(xml_escape("안내 😀"), "안내 😀");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(shown("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
    }
}
