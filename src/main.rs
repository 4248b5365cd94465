//! The `promptwav` binary: maps arguments to the library's options and prints.

mod cli;

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use promptwav::batch::{self, Summary};
use promptwav::finish::{FinishOptions, Trim};
use promptwav::{ConvertOptions, Profile, Record, Status, names, output, profile};

use promptwav::names::printable as shown;

use cli::{CheckArgs, CheckFormat, Cli, Command, ConvertArgs, ExitCode, NameArgs};

fn main() {
    // A panic inside one file's conversion is caught and reported as that file's failure; say
    // so in one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        // A codec's panic on a damaged packet is that packet's decode error: nothing to report.
        if promptwav::decode::in_guarded_codec() {
            return;
        }
        let at =
            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("promptwav: internal error{at}; please report the file that caused it");
    }));
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("promptwav: error: {err:#}");
            ExitCode::Usage
        }
    };
    process::exit(code as i32);
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Convert(args) => convert(args),
        Command::Check(args) => check(args),
        Command::Name(args) => name(args),
        Command::Profiles => {
            for p in profile::PROFILES {
                println!(
                    "{:<14} {}: WAV {}-bit {}, {} Hz, {} channel(s), .{}. Source: {}",
                    p.name,
                    p.platform,
                    p.bits_per_sample,
                    p.codec.describe(),
                    p.sample_rate,
                    p.channels,
                    p.extension,
                    p.source
                );
                for (what, value, source) in p.constraints() {
                    println!("    {what:<14} {value} (source: {source})");
                }
            }
            Ok(ExitCode::Ok)
        }
    }
}

fn find_profile(name: &str) -> anyhow::Result<Profile> {
    match Profile::by_name(name) {
        Some(p) => Ok(p.clone()),
        None => {
            let known: Vec<&str> = profile::PROFILES.iter().map(|p| p.name).collect();
            bail!("unknown profile '{name}'; known profiles: {}", known.join(", "))
        }
    }
}

fn record_line(r: &Record) -> String {
    let input = shown(&r.input);
    match r.status {
        Status::Converted => {
            let mut line =
                format!("converted {input} -> {}", shown(r.output.as_deref().unwrap_or("")));
            if let (Some(before), Some(after)) = (r.loudness_before, r.loudness_after) {
                let peak = r.true_peak_after.map(|p| format!(", {p:.1} dBTP")).unwrap_or_default();
                line.push_str(&format!(" [{before:.1} -> {after:.1} LUFS{peak}]"));
            }
            if !r.warnings.is_empty() {
                line.push_str(&format!(" (warning: {})", shown(&r.warnings.join("; "))));
            }
            line
        }
        Status::Planned => {
            format!("would convert {input} -> {}", shown(r.output.as_deref().unwrap_or("")))
        }
        Status::Failed => {
            format!("failed    {input}: {}", shown(r.error.as_deref().unwrap_or("unknown error")))
        }
        Status::Skipped => {
            format!("skipped   {input}: {}", shown(r.error.as_deref().unwrap_or("")))
        }
    }
}

fn prepare_output_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    if !dir.is_dir() {
        bail!("output {} is not a folder", dir.display());
    }
    // Prove we can write there before converting anything.
    output::TempFile::create(dir)
        .with_context(|| format!("cannot write in output folder {}", dir.display()))?;
    Ok(())
}

fn convert(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let opts = ConvertOptions {
        profile: find_profile(&args.profile)?,
        jobs: args.jobs.unwrap_or(0),
        force: args.force,
        dry_run: args.dry_run,
        cancel: Some(interrupt_flag()),
        finish: finish_options(&args)?,
    };
    if !args.dry_run {
        prepare_output_dir(&args.output)?;
    }
    let plan = batch::plan(&args.inputs, &args.output, &opts);
    let total = plan.items.len() as u64;

    let interactive = std::io::stderr().is_terminal() && !args.json;
    let bar = if interactive {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} {elapsed_precise} eta {eta} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };

    let stdout = std::io::stdout();
    let on_record = |r: &Record| {
        let mut out = stdout.lock();
        if args.json {
            if let Ok(line) = serde_json::to_string(r) {
                let _ = writeln!(out, "{line}");
            }
        } else if bar.is_none() {
            let _ = writeln!(out, "{}", record_line(r));
        }
    };
    let on_progress = |r: &Record| {
        if let Some(bar) = &bar {
            if r.status == Status::Failed {
                bar.println(record_line(r));
            }
            bar.set_message(shown(&r.input));
            bar.inc(1);
        }
    };
    let records = batch::run(&plan, &opts, &on_record, &on_progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let summary = Summary::of(&records);
    if !args.json {
        let mut parts = Vec::new();
        if args.dry_run {
            parts.push(format!("{} to convert", summary.planned));
        } else {
            parts.push(format!("{} converted", summary.converted));
        }
        parts.push(format!("{} failed", summary.failed));
        parts.push(format!("{} skipped", summary.skipped));
        if bar.is_some() && summary.failed > 0 {
            println!("Failed:");
            for r in records.iter().filter(|r| r.status == Status::Failed) {
                println!("  {}", record_line(r));
            }
        }
        println!("{}", parts.join(", "));
    }
    if let Some(path) = &args.names_map {
        write_names_map(path, &records)?;
    }
    if opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
        eprintln!("promptwav: interrupted; the files listed as converted are complete");
        return Ok(ExitCode::Interrupted);
    }
    Ok(if summary.failed > 0 { ExitCode::SomeFailed } else { ExitCode::Ok })
}

/// The finishing options of `convert`'s flags, checked.
fn finish_options(args: &ConvertArgs) -> anyhow::Result<FinishOptions> {
    let finish = FinishOptions {
        loudness: args.loudness,
        match_loudness: args.match_loudness,
        true_peak: args.true_peak,
        trim: args
            .trim_silence
            .then_some(Trim { pad_ms: args.trim_pad, threshold_db: args.trim_threshold }),
        fade_ms: args.fade,
        remove_dc: args.remove_dc,
        smart_downmix: args.smart_downmix,
    };
    if let Err(why) = finish.validate() {
        bail!("{why}");
    }
    Ok(finish)
}

/// A flag set by the first Ctrl-C (conversions stop and clean up); a second Ctrl-C exits at
/// once (temporary files then left are removed by the next run).
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let _ = ctrlc::set_handler(move || {
        if f.swap(true, Ordering::SeqCst) {
            process::exit(ExitCode::Interrupted as i32);
        }
    });
    flag
}

fn name(args: NameArgs) -> anyhow::Result<ExitCode> {
    let profile = find_profile(&args.profile)?;
    let print = |input: &std::ffi::OsStr| {
        let out = names::output_name(input, profile.extension);
        if args.json {
            let obj = serde_json::json!({ "input": input.to_string_lossy(), "output": out });
            println!("{obj}");
        } else {
            println!("{out}");
        }
    };
    if args.names.is_empty() {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let line = line.context("cannot read names from standard input")?;
            let line = line.trim_end_matches('\r');
            if !line.is_empty() {
                print(std::ffi::OsStr::new(line));
            }
        }
    } else {
        for n in &args.names {
            print(n);
        }
    }
    Ok(ExitCode::Ok)
}

/// Quotes a CSV field (RFC 4180) when it needs it.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes `input -> output` for every converted (or, in a dry run, planned) file.
fn write_names_map(path: &Path, records: &[Record]) -> anyhow::Result<()> {
    let pairs: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| matches!(r.status, Status::Converted | Status::Planned))
        .filter_map(|r| Some((r.input.as_str(), r.output.as_deref()?)))
        .collect();
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let text = if json {
        let list: Vec<_> =
            pairs.iter().map(|(i, o)| serde_json::json!({ "input": i, "output": o })).collect();
        serde_json::to_string_pretty(&list)? + "\n"
    } else {
        let mut text = String::from("input,output\n");
        for (i, o) in &pairs {
            text.push_str(&format!("{},{}\n", csv_field(i), csv_field(o)));
        }
        text
    };
    std::fs::write(path, text).with_context(|| format!("cannot write names map {}", path.display()))
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    use promptwav::check::{self, CheckOptions, report};
    if args.codes {
        print!("{}", report::codes_markdown());
        return Ok(ExitCode::Ok);
    }
    let opts = CheckOptions {
        profile: find_profile(&args.profile)?,
        strict: args.strict,
        jobs: args.jobs.unwrap_or(0),
    };
    let format = if args.json { CheckFormat::Json } else { args.format };
    let stdout = std::io::stdout();
    let reports = check::run(&args.inputs, &opts, &mut |r| {
        let mut out = stdout.lock();
        let _ = match format {
            CheckFormat::Text => writeln!(out, "{}", report::text(r)),
            CheckFormat::Json => match serde_json::to_string(r) {
                Ok(line) => writeln!(out, "{line}"),
                Err(_) => Ok(()),
            },
            CheckFormat::Junit => Ok(()),
        };
    });
    let summary = check::Summary::of(&reports);
    match format {
        CheckFormat::Text => println!("{}", report::summary_line(&summary)),
        CheckFormat::Junit => print!("{}", report::junit(&reports, opts.profile.name, opts.strict)),
        CheckFormat::Json => {}
    }
    Ok(if summary.failed > 0 { ExitCode::SomeFailed } else { ExitCode::Ok })
}
