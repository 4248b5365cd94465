//! The command line, parsed once by clap and turned into the library's options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit codes, stable and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything converted (skipped inputs are fine), or every file passed.
    Ok = 0,
    /// At least one file failed; the others were still processed.
    SomeFailed = 1,
    /// Usage error, or an unusable output folder: nothing was done.
    Usage = 2,
    /// Stopped by SIGHUP (the terminal closed): as for [`ExitCode::Interrupted`].
    Hangup = 129,
    /// Interrupted by Ctrl-C (SIGINT): work in progress was abandoned and cleaned up.
    Interrupted = 130,
    /// Stopped because standard output was closed (`| head -1`): as for an interrupt, quietly.
    BrokenPipe = 141,
    /// Stopped by SIGTERM (`docker stop`, systemd, CI cancellation): as for an interrupt.
    Terminated = 143,
}

const TOP_AFTER_HELP: &str = "\
Exit codes (every command):
  0  success: every input converted or checked and passed (skipped inputs allowed)
  1  at least one file failed (convert: the others were still converted; check: a file did not
     pass), or the report could not be written
  2  usage error, or the output folder or names map cannot be used: nothing was done
  129, 130, 143  stopped by SIGHUP, SIGINT (Ctrl-C) or SIGTERM; work in progress cleaned up
  141  standard output was closed (`| head`): stopped quietly

`promptwav COMMAND --help` says more of each command.";

const AFTER_HELP: &str = "\
Exit codes:
  0  every input converted (skipped inputs allowed)
  1  at least one input failed; the others were still converted (--dry-run: would fail)
  2  usage error, or the output folder or names map cannot be used; nothing was converted
  129, 130, 143  stopped by SIGHUP, SIGINT (Ctrl-C) or SIGTERM: work in progress abandoned and
       cleaned up; files reported as converted are complete, nothing partial is left, the
       names map lists them
  141  standard output was closed (`| head`): stopped quietly, as for a signal";

/// Convert any audio to phone-system voice prompts: WAV, mono, 48 kHz, 16-bit PCM by default
/// (Channel Talk), with safe ASCII file names (Korean is romanized).
#[derive(Debug, Parser)]
#[command(name = "promptwav", version, about, after_help = TOP_AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// How much to say, and in which colours (every command).
    #[command(flatten)]
    pub ui: UiArgs,
    /// Which config file (every command).
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// The global config flags.
#[derive(Debug, Args)]
pub struct ConfigFlags {
    /// Read settings from FILE instead of the promptwav.toml found from the current folder
    /// upward.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no config file: only flags and defaults.
    #[arg(long, global = true)]
    pub no_config: bool,
}

/// Arguments of `config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Show the settings as this profile flag would make them.
    #[arg(long, value_name = "NAME", value_parser = profile_names())]
    pub profile: Option<String>,
    /// Show the settings as check's --strict would make them.
    #[arg(long)]
    pub strict: bool,
}

/// When to colour statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always (even into a file or a pipe).
    Always,
    /// Never.
    Never,
}

/// The global output flags: `-q`, `-v`, `--color`.
#[derive(Debug, Args)]
pub struct UiArgs {
    /// Print only errors (failed files and error messages): no progress, no summary. --json,
    /// JUnit and --stdout output are unchanged.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print each file's details: format and decoder, rates, duration, timings.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour statuses (OK/WARN/FAIL, converted/failed/skipped).
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// The language of the messages: en (English) or ko (Korean) [default: `lang` in
    /// promptwav.toml, else LC_ALL, LC_MESSAGES or LANG: ko_KR.UTF-8 is Korean]. --help stays
    /// English; --json and JUnit output are never translated.
    #[arg(long, value_enum, global = true, value_name = "LANG")]
    pub lang: Option<LangArg>,
}

/// Values of `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// Korean (한국어).
    Ko,
}

impl From<LangArg> for promptwav::Lang {
    fn from(l: LangArg) -> promptwav::Lang {
        match l {
            LangArg::En => promptwav::Lang::En,
            LangArg::Ko => promptwav::Lang::Ko,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert files and folders into prompts in an output folder.
    #[command(after_help = AFTER_HELP)]
    Convert(ConvertArgs),
    /// Check prompts against a profile (header, format, name, content); for CI and admins.
    #[command(
        after_help = CHECK_AFTER_HELP,
        override_usage = "promptwav check [OPTIONS] <INPUT>...\n       promptwav check --files-from <FILE> [OPTIONS]\n       promptwav check --codes"
    )]
    Check(CheckArgs),
    /// Print the output name `convert` would give each name.
    Name(NameArgs),
    /// List the target platforms, or show one's requirements and their sources.
    Profiles(ProfilesArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(after_help = "Install, for example:\n  \
        promptwav completions bash > ~/.local/share/bash-completion/completions/promptwav\n  \
        promptwav completions zsh > ~/.zfunc/_promptwav\n  \
        promptwav completions fish > ~/.config/fish/completions/promptwav.fish")]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout: `promptwav man | man -l -`.
    Man(ManArgs),
    /// Print the settings in effect (promptwav.toml, flags, defaults) and where each came from.
    #[command(after_help = "The config file, promptwav.toml, is found from the current folder \
        upward (--config FILE names one, --no-config ignores it). Flags on the command line \
        win over it.")]
    Config(ConfigArgs),
    /// Serve the converter page and the HTTP API (on this machine only, by default).
    #[command(after_help = SERVE_AFTER_HELP)]
    Serve(ServeArgs),
}

/// Arguments of `profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// One profile's requirements, each with its source.
    #[arg(value_name = "NAME", value_parser = profile_names())]
    pub name: Option<String>,
    /// One JSON object per profile per line, every field.
    #[arg(long)]
    pub json: bool,
}

/// The profile names with a one-line description each, for `--help` and completions.
pub fn profile_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(promptwav::profile::PROFILES.iter().map(|p| {
        clap::builder::PossibleValue::new(p.name).help(format!(
            "{}: {} Hz {}",
            p.platform,
            p.sample_rate,
            p.codec.describe()
        ))
    }))
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's own page (`promptwav man convert`) instead of the main one.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

/// Where inputs come from besides the command line, and which of them this run takes: shared
/// by `convert` and `check`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Also read input paths from FILE, one per line (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// With --files-from: paths are separated by NUL bytes, as `find -print0` writes them.
    #[arg(short = '0', long, requires = "files_from")]
    pub null: bool,
}

const SERVE_AFTER_HELP: &str = "\
Open the URL it prints in a browser: drop files, download WAVs with safe names. Nothing is
stored: each upload is removed when its request ends.

Exit codes:
  0  stopped by SIGINT (Ctrl-C) or SIGTERM; every request in flight finished or was cancelled
  1  stopped, but a request in flight had not ended a few seconds after the signal
  2  usage error, or the address cannot be listened on";

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on: HOST:PORT, HOST or PORT [default: 127.0.0.1:4800, or the next
    /// free port]. Any non-loopback address needs --token (or --no-auth).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// The platform preselected on the page and used by the API by default.
    #[arg(long, default_value = "channeltalk", value_name = "NAME", value_parser = profile_names())]
    pub profile: String,
    /// The largest upload accepted (bytes, or with K, M, G) [default: 1G, an hour of 48 kHz
    /// 24-bit stereo WAV].
    #[arg(long, value_name = "SIZE")]
    pub max_upload: Option<String>,
    /// Conversions at once (default: one per CPU core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Requests that may wait for a conversion slot beyond --jobs (default: 4 per job); more
    /// are answered 503 with Retry-After.
    #[arg(long, value_name = "N")]
    pub queue: Option<usize>,
    /// Require this token on every request (Authorization: Bearer TOKEN, or the cookie set by
    /// the one-time link the server prints).
    #[arg(long, value_name = "TOKEN", conflicts_with = "no_auth")]
    pub token: Option<String>,
    /// Listen on a non-loopback address without a token (a proxy in front checks access).
    #[arg(long)]
    pub no_auth: bool,
}

/// Arguments of `convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Files or folders to convert. Folders are walked recursively and keep their structure.
    /// `-`: standard input (then the only input).
    #[arg(required_unless_present = "files_from", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Inputs from a list file.
    #[command(flatten)]
    pub input_list: InputArgs,
    /// Convert only shard K of N (K from 1 to N): a stable split of the inputs by a hash of
    /// each input's path, with names planned from all the inputs, so N runs (CI jobs, machines,
    /// Kubernetes pods) together write exactly what one run would.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// The output folder (created if missing). Nothing is written outside it. `-`: write the
    /// one input's WAV to standard output (as --stdout); `./-` is a folder named `-`.
    #[arg(short, long, value_name = "DIR", required_unless_present = "stdout")]
    pub output: Option<PathBuf>,
    /// Write the one input's WAV to standard output: the exact bytes `-o DIR` would write
    /// (built in a temporary file in the system's temporary folder, removed at the end). An
    /// input `-` reads the audio from standard input (format found from the content). Messages
    /// and the --json record go to standard error.
    #[arg(long, conflicts_with_all = ["output", "names_map", "dry_run", "shard"])]
    pub stdout: bool,
    /// The name of the audio read from standard input (input `-`): it decides the output name
    /// and is the record's input [default: stdin].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The target platform.
    #[arg(long, default_value = "channeltalk", value_name = "NAME", value_parser = profile_names())]
    pub profile: String,
    /// One JSON object per input per line on stdout, in input order.
    #[arg(long)]
    pub json: bool,
    /// Files converted at once (default: one per CPU core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Overwrite outputs that exist already.
    #[arg(short, long)]
    pub force: bool,
    /// Print what would be done (would convert, convert again, replace, skip, fail), and write
    /// nothing. Every file to convert is opened and probed: one that would fail is reported
    /// with its reason, and the exit code is 1 as for the real run.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Also write a map of original name -> new name for every converted file: CSV
    /// (`input,output`), or JSON when FILE ends in `.json`.
    #[arg(long, value_name = "FILE")]
    pub names_map: Option<PathBuf>,
    /// Normalize each file's integrated loudness (EBU R128) to LUFS, e.g. -16, or -19 for
    /// telephony speech. Peaks stay under --true-peak, by gain or a transparent limiter.
    #[arg(long, value_name = "LUFS", allow_negative_numbers = true, help_heading = "Finishing")]
    pub loudness: Option<f64>,
    /// Bring every file to the batch's median loudness (the batch is measured first).
    #[arg(long, conflicts_with = "loudness", help_heading = "Finishing")]
    pub match_loudness: bool,
    /// True-peak ceiling in dBTP [default: -1 with --loudness or --match-loudness]. Given
    /// alone, only limits the peaks.
    #[arg(long, value_name = "DBTP", allow_negative_numbers = true, help_heading = "Finishing")]
    pub true_peak: Option<f64>,
    /// Trim leading and trailing silence: audio more than --trim-threshold below the file's
    /// speech level, keeping --trim-pad. Never cuts inside the speech.
    #[arg(long, help_heading = "Finishing")]
    pub trim_silence: bool,
    /// Silence kept before the first and after the last sound when trimming, in ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = promptwav::finish::DEFAULT_PAD_MS,
        requires = "trim_silence",
        help_heading = "Finishing"
    )]
    pub trim_pad: f64,
    /// The silence threshold when trimming, in dB relative to the file's speech level.
    #[arg(
        long,
        value_name = "DB",
        default_value_t = promptwav::finish::DEFAULT_TRIM_THRESHOLD_DB,
        allow_negative_numbers = true,
        requires = "trim_silence",
        help_heading = "Finishing"
    )]
    pub trim_threshold: f64,
    /// Fade in and out over MS milliseconds, so the prompt starts and ends at zero (no click)
    /// [default: 5 with --trim-silence, else none].
    #[arg(long, value_name = "MS", help_heading = "Finishing")]
    pub fade: Option<f64>,
    /// Remove DC offset (high-pass below 20 Hz). Finishing does it anyway when the offset is
    /// one `check` flags.
    #[arg(long, help_heading = "Finishing")]
    pub remove_dc: bool,
    /// Mix stereo to mono by the plain average (L+R)/2, always. By default a stereo file with
    /// one silent channel (30 dB below the other) or channels in opposite phase is taken from
    /// one channel at full level instead (said in a warning).
    #[arg(long, help_heading = "Finishing", conflicts_with = "smart_downmix")]
    pub plain_downmix: bool,
    /// The default now; accepted for compatibility.
    #[arg(long, hide = true)]
    pub smart_downmix: bool,
}

/// Arguments of `name`.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// Names to convert; with none, names are read from standard input, one per line.
    #[arg(value_name = "NAME")]
    pub names: Vec<std::ffi::OsString>,
    /// Print `{"input": ..., "output": ...}` per line.
    #[arg(long)]
    pub json: bool,
    /// Keep the folders of a path, made safe as `convert` makes the folders of a folder input
    /// (`in/영업시간 안내.mp3` -> `in/yeongeopsigan_annae.wav`). Without it, a path gives the
    /// name of its last component, as `convert FILE` names it.
    #[arg(long)]
    pub with_folders: bool,
    /// The target platform (decides the extension).
    #[arg(long, default_value = "channeltalk", value_name = "NAME", value_parser = profile_names())]
    pub profile: String,
}

const CHECK_AFTER_HELP: &str = "\
Each problem has a stable code, a severity and a one-line fix; `--codes` lists them.
Loudness (integrated, LUFS) and true peak (dBTP) are always measured. Files are only read.

Exit codes:
  0  every file passed (warnings allowed, unless --strict)
  1  at least one file failed
  2  usage error (unknown profile, bad arguments)";

/// Report formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per file (OK, WARN, FAIL, SKIP), then its problems with a fix each.
    Text,
    /// One JSON object per file per line.
    Json,
    /// A JUnit XML report (one testcase per file), which CI systems display natively.
    Junit,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check. Folders are walked recursively, as `convert` walks them.
    #[arg(value_name = "INPUT", required_unless_present_any = ["codes", "files_from"])]
    pub inputs: Vec<PathBuf>,
    /// Inputs from a list file.
    #[command(flatten)]
    pub input_list: InputArgs,
    /// The target platform.
    #[arg(long, default_value = "channeltalk", value_name = "NAME", value_parser = profile_names())]
    pub profile: String,
    /// The report format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text, value_name = "FORMAT")]
    pub format: CheckFormat,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Warnings fail too.
    #[arg(long)]
    pub strict: bool,
    /// Header only: name, container, header, format and limits (the duration from the
    /// header); the audio is not decoded, so silence, clipping, DC offset and loudness are not
    /// looked at. Many times faster, for CI that only needs the format.
    #[arg(long)]
    pub quick: bool,
    /// Check only shard K of N (K from 1 to N): the walked files split by the same stable hash
    /// of each path as `convert --shard`, so N CI jobs together check every file once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// The prompt set of a phone setup (TOML): which files must be there, with per-prompt
    /// limits (duration, loudness); missing and unexpected files are reported too.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Files checked at once (default: one per CPU core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print the table of problem codes (Markdown) and exit.
    #[arg(long)]
    pub codes: bool,
}

/// Parses `K/N` with 1 <= K <= N.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N, e.g. 2/3")?;
    let k: u64 = k.trim().parse().map_err(|_| format!("'{k}' is not a whole number"))?;
    let n: u64 = n.trim().parse().map_err(|_| format!("'{n}' is not a whole number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("K must be from 1 to N (got {k}/{n})"));
    }
    Ok((k, n))
}
