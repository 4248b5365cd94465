//! `convert` with pipes: the input `-` (the audio on standard input) and `-o -` / `--stdout`
//! (the WAV on standard output).
//!
//! Both go through a private temporary folder in the system's temporary folder
//! ([`std::env::temp_dir`], `TMPDIR`), removed when the command ends, whether it succeeded or
//! not (a second Ctrl-C, which exits at once, may leave it): standard input is copied to a
//! file there, named after `--name` (default `stdin`), so the format is found from the content
//! as for any file; the output is converted into a file there by the same batch path as
//! `-o DIR`, then copied to standard output. A WAV's header holds the data length, which is only
//! known at the end: the temporary file is what lets the bytes on standard output be exactly
//! the file `convert -o DIR` writes, with no bound on the length.
//!
//! With `--stdout`, standard output carries only the WAV: the line of the file (or its
//! `--json` record, whose `output` is `-`) goes to standard error. Exit codes are the usual
//! ones: 1 when the input failed (nothing is written to standard output), 2 for a usage error.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use promptwav::{ConvertOptions, Record, Status, batch};

use crate::ExitCode;
use crate::cli::ConvertArgs;

/// What of a `convert` run uses the standard streams.
pub struct Stdio {
    /// The input is standard input (the inputs are exactly `-`).
    from_stdin: bool,
    /// The output is standard output (`-o -` or `--stdout`).
    to_stdout: bool,
}

impl Stdio {
    /// `None` for a run that uses neither; an error for a combination that cannot work.
    pub fn of(args: &ConvertArgs, inputs: &[PathBuf]) -> anyhow::Result<Option<Stdio>> {
        let dash = |p: &Path| p.as_os_str() == "-";
        let from_stdin = inputs.iter().any(|p| dash(p));
        let to_stdout = args.stdout || args.output.as_deref().is_some_and(dash);
        if !from_stdin && !to_stdout {
            if args.name.is_some() {
                bail!("--name names the audio of standard input: use it with the input `-`");
            }
            return Ok(None);
        }
        if from_stdin && inputs.len() > 1 {
            bail!("`-` (standard input) must be the only input");
        }
        if from_stdin && args.input_list.files_from.as_deref().is_some_and(dash) {
            bail!("standard input cannot hold both the list of inputs and the audio");
        }
        if from_stdin && args.shard.is_some() {
            bail!("--shard splits many inputs; standard input is one");
        }
        if to_stdout {
            if inputs.len() != 1 {
                bail!("--stdout (or `-o -`) writes one WAV: give exactly one input");
            }
            if !from_stdin && inputs[0].is_dir() {
                bail!("--stdout (or `-o -`) writes one WAV: {} is a folder", inputs[0].display());
            }
            if args.names_map.is_some() || args.dry_run || args.shard.is_some() {
                bail!("--names-map, --dry-run and --shard need an output folder, not `-o -`");
            }
            if std::io::stdout().is_terminal() {
                bail!(
                    "standard output is a terminal: redirect it (`> out.wav`, `| ...`) or give \
                     an output folder"
                );
            }
        }
        Ok(Some(Stdio { from_stdin, to_stdout }))
    }
}

/// The file name the audio of standard input gets: the last component of `--name`, or `stdin`.
fn stdin_name(name: Option<&str>) -> anyhow::Result<std::ffi::OsString> {
    let Some(name) = name else { return Ok("stdin".into()) };
    match Path::new(name).file_name() {
        Some(n) if !n.is_empty() => Ok(n.to_os_string()),
        _ => bail!("--name {name:?} is not a file name"),
    }
}

/// Runs `convert` with standard input and/or output.
pub fn convert(
    args: &ConvertArgs,
    opts: &ConvertOptions,
    stdio: Stdio,
) -> anyhow::Result<ExitCode> {
    let work = tempfile::Builder::new()
        .prefix("promptwav-stdio-")
        .tempdir()
        .context("cannot create a temporary folder (set TMPDIR to a writable folder)")?;
    let mut input = args.inputs.first().cloned().unwrap_or_default();
    let mut shown_input = None;
    if stdio.from_stdin {
        let name = stdin_name(args.name.as_deref())?;
        let folder = work.path().join("in");
        std::fs::create_dir(&folder).context("cannot write in the temporary folder")?;
        input = folder.join(&name);
        let mut file = std::fs::File::create(&input).with_context(|| {
            format!("cannot write in the temporary folder {}", folder.display())
        })?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file)
            .context("cannot read the audio from standard input")?;
        shown_input = Some(name.to_string_lossy().into_owned());
    }
    let out_dir = if stdio.to_stdout {
        work.path().join("out")
    } else {
        let dir = args.output.clone().unwrap_or_default();
        batch::check_output_folder(std::slice::from_ref(&input), &dir)?;
        if dir.exists() && !dir.is_dir() {
            return Err(crate::OutputIsFile(dir).into());
        }
        dir
    };
    crate::prepare_output_dir(&out_dir)?;
    let plan = batch::plan(std::slice::from_ref(&input), &out_dir, opts);
    let mut records = batch::run(&plan, opts, &|_| {}, &|_| {});
    for r in &mut records {
        if let Some(name) = &shown_input {
            r.input.clone_from(name);
            r.input_path = PathBuf::from(name);
        }
    }
    let Some(record) = records.first_mut() else {
        bail!("nothing to convert");
    };
    if let Some(code) = crate::stop::reason() {
        return Ok(code);
    }
    if !stdio.to_stdout {
        crate::print_record(record, args.json);
        return Ok(if record.status == Status::Failed {
            ExitCode::SomeFailed
        } else {
            ExitCode::Ok
        });
    }
    let written = record.output_path.take().filter(|_| record.status == Status::Converted);
    if written.is_some() {
        record.output = Some("-".into());
    } else if record.status != Status::Failed {
        // Nothing written and no failure (a skipped input): for a pipe, still a failure. In a
        // fresh folder the only skips are a stop and a full disk; anything else is an output
        // in the way.
        record.status = Status::Failed;
        record.error_kind = Some(match record.notice {
            Some(promptwav::Notice::Interrupted) => promptwav::ErrorKind::Interrupted,
            Some(promptwav::Notice::DiskFull) => promptwav::ErrorKind::DiskFull,
            _ => promptwav::ErrorKind::OutputExists,
        });
    }
    tell_record(record, args.json);
    let Some(path) = written else { return Ok(ExitCode::SomeFailed) };
    copy_to_stdout(&path)
}

/// The record of a `--stdout` run, on standard error.
fn tell_record(r: &Record, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(r) {
            crate::tell(&line);
        }
    } else if !crate::ui::quiet() || r.status == Status::Failed {
        crate::tell(&crate::ui::record_line(r, crate::ui::Stream::Err));
    }
}

/// Copies the finished WAV to standard output. A closed standard output (`| head -c 10`) ends
/// the run quietly with 141, as elsewhere; any other write error is a failure (1).
fn copy_to_stdout(path: &Path) -> anyhow::Result<ExitCode> {
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the converted file {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let result = (|| -> std::io::Result<()> {
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return out.flush();
            }
            out.write_all(&buf[..n])?;
        }
    })();
    match result {
        Ok(()) => Ok(ExitCode::Ok),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::BrokenPipe),
        Err(e) => {
            crate::tell(&format!(
                "promptwav: error: cannot write the WAV to standard output: {}",
                promptwav::error::io_reason(&e)
            ));
            Ok(ExitCode::SomeFailed)
        }
    }
}
