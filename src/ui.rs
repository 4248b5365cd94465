//! How much the binary says, and in which colours: the global `-q/--quiet`, `-v/--verbose` and
//! `--color` flags.
//!
//! - Quiet: only errors (a failed file's line, error messages); no progress bar, no summary.
//!   Output asked for explicitly (`--json`, `--format junit`, `--stdout`, `name`, `profiles`)
//!   is unchanged: it is data, not chatter.
//! - Verbose: each file's details under its line (format and decoder, rates and channels, the
//!   audio's duration, when it finished or how long it took), and the run's total time.
//! - Colour: the status word of a line (OK/WARN/FAIL/SKIP in `check`, converted/failed/skipped
//!   in `convert`) is coloured when the stream it goes to is a terminal, unless `NO_COLOR` is
//!   set (or `CLICOLOR=0`); `CLICOLOR_FORCE` forces it, and `--color always|never` overrides
//!   all of them. The decision is anstream's, the crate clap colours its help with.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use anstyle::{AnsiColor, Style};

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Only errors.
    Quiet = 0,
    /// The usual lines.
    Normal = 1,
    /// Per-file details too.
    Verbose = 2,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Normal as u8);
/// The language of the messages: 0 English, 1 Korean.
static LANG: AtomicU8 = AtomicU8::new(0);

/// Sets the language of the messages (`--lang`, the config file, the environment).
pub fn set_lang(lang: promptwav::Lang) {
    let code = match lang {
        promptwav::Lang::En => 0,
        promptwav::Lang::Ko => 1,
    };
    LANG.store(code, Ordering::SeqCst);
}

/// The language of the messages.
pub fn lang() -> promptwav::Lang {
    match LANG.load(Ordering::SeqCst) {
        1 => promptwav::Lang::Ko,
        _ => promptwav::Lang::En,
    }
}
/// Bit 0: colour on stdout; bit 1: colour on stderr.
static COLOUR: AtomicU8 = AtomicU8::new(0);

/// Sets the level and the colour choice from the global flags (once, before any output).
pub fn init(quiet: bool, verbose: bool, color: crate::cli::ColorWhen) {
    let level = if quiet {
        Level::Quiet
    } else if verbose {
        Level::Verbose
    } else {
        Level::Normal
    };
    LEVEL.store(level as u8, Ordering::SeqCst);
    let choice = match color {
        crate::cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
        crate::cli::ColorWhen::Always => anstream::ColorChoice::Always,
        crate::cli::ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let on = |c: anstream::ColorChoice| c != anstream::ColorChoice::Never;
    let out = on(anstream::AutoStream::choice(&std::io::stdout()));
    let err = on(anstream::AutoStream::choice(&std::io::stderr()));
    COLOUR.store(u8::from(out) | (u8::from(err) << 1), Ordering::SeqCst);
}

/// The level in effect.
pub fn level() -> Level {
    match LEVEL.load(Ordering::SeqCst) {
        0 => Level::Quiet,
        2 => Level::Verbose,
        _ => Level::Normal,
    }
}

/// Whether only errors are printed.
pub fn quiet() -> bool {
    level() == Level::Quiet
}

/// Whether per-file details are printed.
pub fn verbose() -> bool {
    level() == Level::Verbose
}

/// Where a line goes, for the colour decision.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// Standard output.
    Out,
    /// Standard error (and the progress bar's lines).
    Err,
}

fn colour_on(stream: Stream) -> bool {
    let bits = COLOUR.load(Ordering::SeqCst);
    match stream {
        Stream::Out => bits & 1 != 0,
        Stream::Err => bits & 2 != 0,
    }
}

/// The style of a status word, if it is one.
fn style_of(word: &str) -> Option<Style> {
    let colour = match word {
        "OK" | "converted" => AnsiColor::Green,
        "WARN" | "skipped" | "would" => AnsiColor::Yellow,
        "FAIL" | "failed" => AnsiColor::Red,
        "SKIP" => AnsiColor::Cyan,
        _ => return None,
    };
    Some(Style::new().fg_color(Some(colour.into())).bold())
}

/// `line` with its leading status word coloured, when colour is on for `stream`.
pub fn paint(line: &str, stream: Stream) -> String {
    if !colour_on(stream) {
        return line.to_string();
    }
    let end = line.find(' ').unwrap_or(line.len());
    let (word, rest) = line.split_at(end);
    match style_of(word) {
        Some(style) => format!("{style}{word}{style:#}{rest}"),
        None => line.to_string(),
    }
}

/// The colour of a status, for lines whose status word is not English (see [`paint_lead`]).
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    /// Converted, OK.
    Good,
    /// Skipped, planned, WARN.
    Caution,
    /// Failed, FAIL.
    Bad,
    /// SKIP in check.
    Info,
}

/// `line` with its first `lead` bytes (the status word, from the catalogue) coloured by `tone`,
/// when colour is on for `stream`.
pub fn paint_lead(line: &str, lead: usize, tone: Tone, stream: Stream) -> String {
    if !colour_on(stream) || !line.is_char_boundary(lead) {
        return line.to_string();
    }
    let colour = match tone {
        Tone::Good => AnsiColor::Green,
        Tone::Caution => AnsiColor::Yellow,
        Tone::Bad => AnsiColor::Red,
        Tone::Info => AnsiColor::Cyan,
    };
    let style = Style::new().fg_color(Some(colour.into())).bold();
    let (word, rest) = line.split_at(lead);
    format!("{style}{word}{style:#}{rest}")
}

/// Set for a dry run: its records are printed as what the run would do.
static DRY_RUN: AtomicBool = AtomicBool::new(false);

/// Prints records as a dry run's (`would convert`, `would skip`...) from now on, or not.
pub fn set_dry_run(dry_run: bool) {
    DRY_RUN.store(dry_run, Ordering::Relaxed);
}

/// A record's line in the language of the messages, its status coloured.
pub fn record_line(r: &promptwav::Record, stream: Stream) -> String {
    use promptwav::lang as catalogue;
    use promptwav::{Lang, Status};
    let dry_run = DRY_RUN.load(Ordering::Relaxed);
    let line = if dry_run {
        catalogue::dry_run_line(lang(), r)
    } else {
        catalogue::record_line(lang(), r)
    };
    match lang() {
        Lang::En => paint(&line, stream),
        l => {
            let tone = match r.status {
                Status::Converted => Tone::Good,
                Status::Failed => Tone::Bad,
                Status::Skipped | Status::Planned => Tone::Caution,
            };
            let word = if dry_run {
                catalogue::dry_run_word(l, r)
            } else {
                catalogue::status_word(l, r.status)
            };
            paint_lead(&line, word.len(), tone, stream)
        }
    }
}

/// A check report's text in the language of the messages, its verdict coloured.
pub fn check_text(r: &promptwav::check::Report, stream: Stream) -> String {
    use promptwav::Lang;
    use promptwav::lang as catalogue;
    let text = catalogue::check_text(lang(), r);
    let text = text.trim_end_matches('\n');
    match lang() {
        Lang::En => paint(text, stream),
        l => {
            let tone = if r.skipped.is_some() {
                Tone::Info
            } else if !r.ok {
                Tone::Bad
            } else if r.problems.iter().any(|p| p.severity == promptwav::Severity::Warning) {
                Tone::Caution
            } else {
                Tone::Good
            };
            paint_lead(text, catalogue::verdict(l, r).len(), tone, stream)
        }
    }
}

/// Seconds as `0.41 s` or `1 min 3.2 s`.
pub fn seconds(s: f64) -> String {
    if s >= 60.0 {
        format!("{} min {:.1} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{s:.2} s")
    }
}

/// A time taken: `12.3 ms` under a second, else as [`seconds`].
pub fn timing(s: f64) -> String {
    if s < 1.0 { format!("{:.1} ms", s * 1000.0) } else { seconds(s) }
}

/// The details line of a converted (or failed) file, for `--verbose`.
pub fn record_details(
    r: &promptwav::Record,
    target_rate: u32,
    finished_after: Option<f64>,
) -> Option<String> {
    let mut parts = Vec::new();
    match (&r.format, &r.codec) {
        (Some(f), Some(c)) => parts.push(format!("decoder: {c} in {f}")),
        (Some(f), None) => parts.push(format!("format: {f}")),
        (None, Some(c)) => parts.push(format!("decoder: {c}")),
        (None, None) => {}
    }
    if let Some(rate) = r.sample_rate_hz {
        let ch = match r.channels {
            Some(1) => " mono".to_string(),
            Some(2) => " stereo".to_string(),
            Some(n) => format!(" {n} ch"),
            None => String::new(),
        };
        parts.push(format!("{rate} Hz{ch} -> {target_rate} Hz"));
    }
    if let Some(d) = r.duration_s {
        parts.push(format!("{} of audio", seconds(d)));
    }
    if let Some(gain) = r.gain_db {
        parts.push(format!("gain {gain:+.1} dB"));
    }
    if let Some(t) = finished_after {
        parts.push(format!("done {} into the run", timing(t)));
    }
    if parts.is_empty() { None } else { Some(format!("      {}", parts.join(", "))) }
}
