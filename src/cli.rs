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
    /// Interrupted by Ctrl-C (SIGINT): work in progress was abandoned and cleaned up.
    Interrupted = 130,
}

const AFTER_HELP: &str = "\
Exit codes:
  0  every input converted (skipped inputs allowed)
  1  at least one input failed; the others were still converted
  2  usage error, or the output folder cannot be used; nothing was converted
  130  interrupted (Ctrl-C); files reported as converted are complete, nothing partial is left";

/// Convert any audio to phone-system voice prompts: WAV, mono, 48 kHz, 16-bit PCM by default
/// (Channel Talk), with safe ASCII file names (Korean is romanized).
#[derive(Debug, Parser)]
#[command(name = "promptwav", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert files and folders into prompts in an output folder.
    #[command(after_help = AFTER_HELP)]
    Convert(ConvertArgs),
    /// Check prompts against a profile (header, format, name, content); for CI and admins.
    #[command(after_help = CHECK_AFTER_HELP)]
    Check(CheckArgs),
    /// Print the output name `convert` would give each name.
    Name(NameArgs),
    /// List the target profiles.
    Profiles,
}

/// Arguments of `convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Files or folders to convert. Folders are walked recursively and keep their structure.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The output folder (created if missing). Nothing is written outside it.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// The target platform.
    #[arg(long, default_value = "channeltalk", value_name = "NAME")]
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
    /// Print what would be written, and write nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Also write a map of original name -> new name for every converted file: CSV
    /// (`input,output`), or JSON when FILE ends in `.json`.
    #[arg(long, value_name = "FILE")]
    pub names_map: Option<PathBuf>,
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
    /// The target platform (decides the extension).
    #[arg(long, default_value = "channeltalk", value_name = "NAME")]
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
    #[arg(value_name = "INPUT", required_unless_present = "codes")]
    pub inputs: Vec<PathBuf>,
    /// The target platform.
    #[arg(long, default_value = "channeltalk", value_name = "NAME")]
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
    /// Files checked at once (default: one per CPU core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print the table of problem codes (Markdown) and exit.
    #[arg(long)]
    pub codes: bool,
}
