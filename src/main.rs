//! The `promptwav` binary: maps arguments to the library's options and prints.

mod cli;
mod config;
mod prompts;
mod stdio;
mod ui;

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use promptwav::batch::{self, Summary};
use promptwav::finish::{FinishOptions, Trim};
use promptwav::lang as catalogue;
use promptwav::{ConvertOptions, Lang, NamePair, Profile, Record, Status, names, output, profile};

use promptwav::names::printable as shown;

use cli::{CheckArgs, CheckFormat, Cli, Command, ConvertArgs, ExitCode, NameArgs, ServeArgs};

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
        tell(&format!("promptwav: internal error{at}; please report the file that caused it"));
    }));
    // A file size limit (ulimit -f) must fail the write that passes it, not kill the run:
    // with a handler installed, the write returns EFBIG and that one file fails.
    #[cfg(unix)]
    let _ =
        signal_hook::flag::register(signal_hook::consts::SIGXFSZ, Arc::new(AtomicBool::new(false)));
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli =
        <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = match run_configured(cli, &matches) {
        Ok(code) => finish_code(code),
        Err(err) => {
            tell(&error_text(&err));
            ExitCode::Usage
        }
    };
    process::exit(code as i32);
}

/// An error that stops a command, for a person: the errors an admin meets in the language of
/// the messages (chosen by their type, never their text), the others as they are.
fn error_text(err: &anyhow::Error) -> String {
    let lang = ui::lang();
    let text = if let Some(e) = err.downcast_ref::<batch::FolderError>() {
        catalogue::folder_error(lang, e)
    } else if let Some(e) = err.downcast_ref::<OutputIsFile>() {
        catalogue::output_is_file(lang, &e.0)
    } else if let (Lang::Ko, Some(kind)) = (lang, error_kind_of(err)) {
        // The kind in Korean, the English detail after it.
        format!("{} ({err:#})", catalogue::error_kind(lang, kind))
    } else {
        format!("{err:#}")
    };
    format!("{}{text}", catalogue::error_prefix(lang))
}

/// The kind of failure an error is, from its type: promptwav's own errors, I/O errors (a
/// folder that cannot be written), invalid finishing options.
fn error_kind_of(err: &anyhow::Error) -> Option<promptwav::ErrorKind> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<promptwav::Error>() {
            Some(e.kind())
        } else if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            Some(promptwav::ErrorKind::of_io(e.kind()))
        } else {
            cause
                .downcast_ref::<promptwav::finish::InvalidOption>()
                .map(|_| promptwav::ErrorKind::InvalidOptions)
        }
    })
}

/// The output folder given is a file.
#[derive(Debug)]
pub struct OutputIsFile(pub PathBuf);

impl std::fmt::Display for OutputIsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&catalogue::output_is_file(Lang::En, &self.0))
    }
}

impl std::error::Error for OutputIsFile {}

/// Loads the config file, fills what the command line left unset from it, and runs. The
/// language of the messages: `--lang`, else the file's `lang`, else the environment.
fn run_configured(mut cli: Cli, matches: &clap::ArgMatches) -> anyhow::Result<ExitCode> {
    ui::init(cli.ui.quiet, cli.ui.verbose, cli.ui.color);
    ui::set_lang(cli.ui.lang.map_or_else(Lang::from_env, Lang::from));
    let config = config::Config::load(cli.config.config.as_deref(), cli.config.no_config)?;
    if cli.ui.lang.is_none()
        && let Some(lang) = config.file.lang
    {
        ui::set_lang(lang);
    }
    let sub = matches.subcommand().map(|(_, m)| m);
    match &mut cli.command {
        Command::Convert(a) => config.apply_convert(a, sub),
        Command::Check(a) => config.apply_check(a, sub),
        Command::Serve(a) => config.apply_serve(a, sub),
        Command::Config(_) => {
            for (key, value, source) in config.settings(sub, cli.ui.lang.map(Lang::from)) {
                say_or_exit(&format!("{key:<22} = {value:<28} # {source}"));
            }
            return Ok(ExitCode::Ok);
        }
        _ => {}
    }
    run(cli)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Convert(args) => convert(args),
        Command::Check(args) => check(args),
        Command::Name(args) => name(args),
        Command::Serve(args) => serve(args),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "promptwav", &mut out);
            say_or_exit(String::from_utf8_lossy(&out).trim_end());
            Ok(ExitCode::Ok)
        }
        Command::Man(args) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let page = match &args.subcommand {
                None => cmd,
                Some(name) => match cmd.find_subcommand(name) {
                    Some(sub) => sub.clone().display_name(format!("promptwav-{name}")),
                    None => bail!("no subcommand '{name}'"),
                },
            };
            let mut out = Vec::new();
            clap_mangen::Man::new(page).render(&mut out)?;
            say_or_exit(String::from_utf8_lossy(&out).trim_end());
            Ok(ExitCode::Ok)
        }
        Command::Profiles(args) => profiles(args),
        Command::Config(_) => Ok(ExitCode::Ok),
    }
}

/// A profile in one short line: what it writes and its limits.
fn profile_summary(p: &Profile) -> String {
    let khz = f64::from(p.sample_rate) / 1000.0;
    let channels = if p.channels == 1 { "mono".to_string() } else { format!("{} ch", p.channels) };
    let codec = match p.codec {
        profile::Codec::Pcm => format!("{}-bit PCM", p.bits_per_sample),
        profile::Codec::Mulaw => "u-law".into(),
        profile::Codec::Alaw => "A-law".into(),
    };
    let mut limits = Vec::new();
    if let Some(max) = p.max_duration_s {
        let op = if p.max_duration_exclusive { "<" } else { "<=" };
        limits.push(format!("{op} {}", human_seconds(max)));
    }
    if let Some(bytes) = p.max_file_bytes {
        // "Under 50 MB" is kept as 49,999,999 bytes: say it as the platform does.
        limits.push(match bytes + 1 {
            under if under.is_multiple_of(1_000_000) => format!("< {} MB", under / 1_000_000),
            _ => format!("<= {} MB", tenths_mb(bytes)),
        });
    }
    let limits = if limits.is_empty() { String::new() } else { format!(", {}", limits.join(", ")) };
    format!("WAV {codec}, {khz} kHz, {channels}, .{}{limits}", p.extension)
}

/// Bytes as megabytes to a tenth, without a trailing `.0` (25 MB, 24.5 MB).
fn tenths_mb(bytes: u64) -> String {
    let tenths = bytes / 100_000;
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// 300 -> "5 min", 90 -> "90 s".
fn human_seconds(s: f64) -> String {
    if s >= 60.0 && (s % 60.0).abs() < 1e-9 {
        format!("{} min", s / 60.0)
    } else {
        format!("{s} s")
    }
}

fn profiles(args: cli::ProfilesArgs) -> anyhow::Result<ExitCode> {
    let chosen: Vec<&Profile> = match &args.name {
        Some(name) => vec![
            profile::PROFILES
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| anyhow::anyhow!("{}", unknown_profile(name)))?,
        ],
        None => profile::PROFILES.iter().collect(),
    };
    if args.json {
        for p in chosen {
            say_or_exit(&serde_json::to_string(p)?);
        }
        return Ok(ExitCode::Ok);
    }
    if args.name.is_none() {
        let w = chosen.iter().map(|p| p.platform.chars().count()).max().unwrap_or(8);
        say_or_exit(&format!("{:<16} {:<w$}  {}", "PROFILE", "PLATFORM", "WRITES"));
        for p in &chosen {
            say_or_exit(&format!("{:<16} {:<w$}  {}", p.name, p.platform, profile_summary(p)));
        }
        say_or_exit(
            "\n`promptwav profiles NAME` shows a profile's requirements and their sources.",
        );
        return Ok(ExitCode::Ok);
    }
    for p in chosen {
        say_or_exit(&format!("{} ({}): {}", p.name, p.platform, profile_summary(p)));
        for (what, value, source) in p.constraints() {
            say_or_exit(&format!("  {what:<14} {value}\n  {:<14} source: {source}", ""));
        }
    }
    Ok(ExitCode::Ok)
}

fn unknown_profile(name: &str) -> String {
    let known: Vec<&str> = profile::PROFILES.iter().map(|p| p.name).collect();
    format!("unknown profile '{name}'; known profiles: {}", known.join(", "))
}

/// `serve`: the flags mapped to [`promptwav::serve::ServeOptions`].
fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    use promptwav::serve::{self, ServeOptions, Stopped};
    let Some(profile) = Profile::by_name(&args.profile) else {
        find_profile(&args.profile)?;
        bail!("unknown profile '{}'", args.profile);
    };
    let mut opts = ServeOptions {
        profile,
        token: args.token.filter(|t| !t.is_empty()),
        no_auth: args.no_auth,
        ..ServeOptions::default()
    };
    if let Some(listen) = &args.listen {
        (opts.listen, opts.port_fallback) = serve::parse_listen(listen)?;
    }
    if let Some(size) = &args.max_upload {
        opts.max_upload = serve::parse_size(size)?;
    }
    if let Some(jobs) = args.jobs {
        opts.jobs = jobs.clamp(1, promptwav::batch::MAX_JOBS);
        opts.queue = opts.jobs * 4;
    }
    if let Some(queue) = args.queue {
        opts.queue = queue;
    }
    let open = args.open;
    let stopped = serve::run(opts, |started| {
        say(&format!("promptwav serve: open {} in a browser (Ctrl-C stops)", started.url));
        if let Some(login) = &started.login {
            say(&format!("one-time link for a browser (sets the token cookie): {login}"));
        }
        if open {
            open_browser(started.login.as_deref().unwrap_or(&started.url));
        }
    })?;
    Ok(match stopped {
        Stopped::Clean => ExitCode::Ok,
        Stopped::Forced => ExitCode::SomeFailed,
    })
}

/// Opens `url` in the default browser, quietly doing nothing when there is none.
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        process::Command::new("xdg-open")
    };
    let _ = cmd
        .arg(url)
        .stdin(process::Stdio::null())
        .stdout(process::Stdio::null())
        .stderr(process::Stdio::null())
        .spawn();
}

fn find_profile(name: &str) -> anyhow::Result<Profile> {
    match Profile::by_name(name) {
        Some(p) => Ok(p.clone()),
        None => bail!("{}", unknown_profile(name)),
    }
}

/// Creates the output folder if needed and proves it can be written; says whether this run
/// created it.
fn prepare_output_dir(dir: &Path) -> anyhow::Result<bool> {
    let created = !dir.exists();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    // Prove we can write there before converting anything.
    output::TempFile::create(dir)
        .with_context(|| format!("cannot write in output folder {}", dir.display()))?;
    Ok(created)
}

/// Prints a record as a line (text or JSON).
fn print_record(r: &Record, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(r) {
            say(&line);
        }
    } else if !ui::quiet() || r.status == Status::Failed {
        say(&ui::record_line(r, ui::Stream::Out));
    }
}

/// The inputs of the command line followed by those of `--files-from`.
fn all_inputs(inputs: &[PathBuf], list: &cli::InputArgs) -> anyhow::Result<Vec<PathBuf>> {
    let mut all = inputs.to_vec();
    let Some(from) = &list.files_from else { return Ok(all) };
    let bytes = if from.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut b)
            .context("cannot read the list of inputs from standard input")?;
        b
    } else {
        std::fs::read(from).with_context(|| format!("cannot read the list {}", from.display()))?
    };
    let sep = if list.null { b'\0' } else { b'\n' };
    for item in bytes.split(|&b| b == sep) {
        let item = if list.null { item } else { item.strip_suffix(b"\r").unwrap_or(item) };
        if !item.is_empty() {
            all.push(path_from_bytes(item));
        }
    }
    if all.is_empty() {
        bail!("no input: the list {} is empty", from.display());
    }
    Ok(all)
}

/// A path from the bytes of a list file (any bytes on Unix; UTF-8 elsewhere).
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

fn convert(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let opts = ConvertOptions {
        profile: find_profile(&args.profile)?,
        jobs: args.jobs.unwrap_or(0),
        force: args.force,
        dry_run: args.dry_run,
        cancel: Some(stop::flag()),
        finish: finish_options(&args)?,
    };
    let inputs = all_inputs(&args.inputs, &args.input_list)?;
    if let Some(stdio) = stdio::Stdio::of(&args, &inputs)? {
        return stdio::convert(&args, &opts, stdio);
    }
    let output = args.output.clone().unwrap_or_default();
    batch::check_output_folder(&inputs, &output)?;
    if output.exists() && !output.is_dir() {
        return Err(OutputIsFile(output).into());
    }
    ui::set_dry_run(args.dry_run);
    // What can be told of the names map without the plan is told before planning (which may
    // decode contested inputs).
    if let Some(path) = &args.names_map {
        names_map_folder(path)?;
    }
    let mut plan = batch::plan(&inputs, &output, &opts);
    if let Some((k, n)) = args.shard {
        plan.retain_shard(k - 1, n);
    }
    if let Some(path) = &args.names_map {
        names_map_preflight(path, &plan, args.force)?;
    }
    let created = !args.dry_run && prepare_output_dir(&output)?;
    let total = plan.items.len() as u64;

    let interactive = std::io::stderr().is_terminal() && !args.json && !ui::quiet();
    let started = std::time::Instant::now();
    let finished_after: Mutex<HashMap<PathBuf, f64>> = Mutex::default();
    let target_rate = opts.profile.sample_rate;
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

    // Records finished but not printed yet (they wait for earlier inputs): a hard exit prints
    // them, so no completed file goes unreported.
    let pending: Arc<Mutex<HashMap<PathBuf, Record>>> = Arc::default();
    {
        let pending = pending.clone();
        let json = args.json;
        stop::on_hard_exit(move || {
            let Ok(pending) = pending.try_lock() else { return };
            let mut done: Vec<&Record> = pending.values().collect();
            done.sort_by(|a, b| a.input.cmp(&b.input));
            for r in done {
                print_record(r, json);
            }
        });
    }
    let quiet_lines = bar.is_some();
    let on_record = |r: &Record| {
        if let Ok(mut p) = pending.lock() {
            p.remove(&r.input_path);
        }
        if args.json || !quiet_lines {
            print_record(r, args.json);
            if ui::verbose() && !args.json {
                let after = finished_after.lock().ok().and_then(|m| m.get(&r.input_path).copied());
                if let Some(line) = ui::record_details(r, target_rate, after) {
                    say(&line);
                }
            }
        }
    };
    let on_progress = |r: &Record| {
        if let Ok(mut p) = pending.lock() {
            p.insert(r.input_path.clone(), r.clone());
        }
        let after = started.elapsed().as_secs_f64();
        if let Ok(mut m) = finished_after.lock() {
            m.insert(r.input_path.clone(), after);
        }
        if let Some(bar) = &bar {
            // Every file's line above the bar as it finishes (as cargo prints), so the admin
            // sees each new name; failures are listed again with the summary.
            bar.println(ui::record_line(r, ui::Stream::Err));
            if ui::verbose()
                && let Some(line) = ui::record_details(r, target_rate, Some(after))
            {
                bar.println(line);
            }
            bar.set_message(shown(&r.input));
            bar.inc(1);
        }
    };
    let mut records = batch::run(&plan, &opts, &on_record, &on_progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    // The map is written even when the run was stopped: it lists what was converted.
    if let Some(path) = args.names_map.as_deref().filter(|_| !args.dry_run)
        && let Err(e) = write_names_map(path, &records)
    {
        let r = Record::failed(path, promptwav::Stage::Write, format!("{e:#}"));
        print_record(&r, args.json);
        records.push(r);
    }

    // A folder this run created and left empty (every file failed) is not left behind;
    // removing a folder only succeeds when it is empty.
    if created {
        let _ = std::fs::remove_dir(&output);
    }

    let summary = Summary::of(&records);
    let stopped = stop::reason();
    if !args.json && stopped != Some(ExitCode::BrokenPipe) && !ui::quiet() {
        let lang = ui::lang();
        let mut parts = catalogue::convert_summary(lang, &summary, args.dry_run);
        if quiet_lines && summary.failed > 0 {
            say(catalogue::failed_heading(lang));
            for r in records.iter().filter(|r| r.status == Status::Failed) {
                say(&format!("  {}", ui::record_line(r, ui::Stream::Out)));
            }
        }
        if ui::verbose() {
            let audio: f64 = records.iter().filter_map(|r| r.duration_s).sum();
            let wall = started.elapsed().as_secs_f64();
            parts.push(catalogue::speed(
                lang,
                &ui::seconds(audio),
                &ui::seconds(wall),
                audio / wall.max(1e-9),
            ));
        }
        say(&parts.join(", "));
    }
    if let Some(code) = stopped {
        if code != ExitCode::BrokenPipe {
            tell(catalogue::interrupted(ui::lang()));
        }
        return Ok(code);
    }
    Ok(if summary.failed > 0 { ExitCode::SomeFailed } else { ExitCode::Ok })
}

/// Refuses a names map path that would destroy something, before anything is converted: its
/// folder must exist; it is never an input of the run; an existing file is replaced only when it
/// is a names map (a rerun's), or with `--force`.
fn names_map_preflight(path: &Path, plan: &batch::Plan, force: bool) -> anyhow::Result<()> {
    names_map_folder(path)?;
    if plan.is_input(path) {
        bail!("the names map {} is an input of this run; choose another path", path.display());
    }
    let map = resolved(path).to_string_lossy().to_lowercase();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let taken = plan.items.iter().any(|item| match item {
        batch::PlanItem::Convert { output, .. } => {
            resolved(output).to_string_lossy().to_lowercase() == map
        }
        batch::PlanItem::Done(_) => false,
    });
    if taken || name == batch::manifest::FILE_NAME || output::is_temporary_name(&name) {
        bail!(
            "the names map {} would replace an output or a file of promptwav's own; choose \
             another name",
            path.display()
        );
    }
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => {
            bail!(
                "the names map {} is a link; promptwav does not write through links",
                path.display()
            )
        }
        Ok(m) if !m.is_file() => bail!("the names map {} is not a file", path.display()),
        Ok(_) if force || looks_like_names_map(path) => Ok(()),
        Ok(_) => bail!(
            "{} exists and is not a names map; choose another path (or use --force to replace it)",
            path.display()
        ),
    }
}

/// Refuses a names map whose folder does not exist (checked before planning, and again with
/// the plan).
fn names_map_folder(path: &Path) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        let why = format!(
            "the folder of the names map {} does not exist; create it first or choose another path",
            path.display()
        );
        // An I/O error of its kind, so the message can be told in the language of the messages.
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, why).into());
    }
    Ok(())
}

/// `path` with its longest existing ancestor resolved (links, `..`) and the rest appended: two
/// paths to one place compare equal even before the place exists.
fn resolved(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut base = path;
    loop {
        if let Ok(c) =
            std::fs::canonicalize(if base.as_os_str().is_empty() { Path::new(".") } else { base })
        {
            let mut out = c;
            out.extend(rest.iter().rev());
            return out;
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Whether the file at `path` is a names map promptwav wrote (CSV with its header, with or
/// without a byte-order mark, or a JSON list of input/output pairs).
fn looks_like_names_map(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("input,output\n") || text == "input,output\n" {
        return true;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(list)) => list.iter().all(|v| {
            v.as_object().is_some_and(|o| o.contains_key("input") && o.contains_key("output"))
        }),
        _ => false,
    }
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
        smart_downmix: !args.plain_downmix,
    };
    // Typed, so the message can be told in the language of the messages.
    finish.validate()?;
    Ok(finish)
}

/// How a run is stopped from outside: a signal, or the reader of stdout going away.
mod stop {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};

    use super::ExitCode;

    /// Why the run stops: 0 while it does not, else the exit code it ends with.
    static WHY: AtomicI32 = AtomicI32::new(0);
    /// The run's cancel flag, set by the first stop.
    static CANCEL: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    /// What a hard exit must still print (records of completed files not yet printed).
    type Flush = Box<dyn Fn() + Send>;
    static FLUSH: Mutex<Option<Flush>> = Mutex::new(None);

    /// The cancel flag, with the signal handlers installed on first use.
    pub fn flag() -> Arc<AtomicBool> {
        CANCEL
            .get_or_init(|| {
                let flag = Arc::new(AtomicBool::new(false));
                install(flag.clone());
                flag
            })
            .clone()
    }

    /// Stops the run with `code` (the first reason wins): conversions in progress are
    /// abandoned and cleaned up, no new one starts.
    pub fn request(code: ExitCode) {
        let _ = WHY.compare_exchange(0, code as i32, Ordering::SeqCst, Ordering::SeqCst);
        if let Some(c) = CANCEL.get() {
            c.store(true, Ordering::SeqCst);
        }
    }

    /// The exit code the run was stopped with, if it was.
    pub fn reason() -> Option<ExitCode> {
        match WHY.load(Ordering::SeqCst) {
            0 => None,
            129 => Some(ExitCode::Hangup),
            141 => Some(ExitCode::BrokenPipe),
            143 => Some(ExitCode::Terminated),
            _ => Some(ExitCode::Interrupted),
        }
    }

    /// Sets what a hard exit prints first.
    pub fn on_hard_exit(f: impl Fn() + Send + 'static) {
        *FLUSH.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(f));
    }

    /// The exit that cannot wait: removes this process's temporary files, prints the records
    /// of completed files not yet printed, and exits.
    fn hard_exit(code: i32) -> ! {
        promptwav::output::remove_live_temporaries();
        if let Ok(flush) = FLUSH.try_lock()
            && let Some(f) = flush.as_ref()
        {
            f();
        }
        let _ = std::io::stdout().flush();
        super::tell(promptwav::lang::stopped_at_once(super::ui::lang()));
        std::process::exit(code);
    }

    /// A second signal within this time of the first is the same interrupt (`timeout`, a
    /// terminal and a process manager may each send one).
    const SAME_INTERRUPT: std::time::Duration = std::time::Duration::from_secs(2);

    #[cfg(unix)]
    fn install(_flag: Arc<AtomicBool>) {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            let mut first: Option<std::time::Instant> = None;
            for sig in signals.forever() {
                let code = match sig {
                    SIGTERM => ExitCode::Terminated,
                    SIGHUP => ExitCode::Hangup,
                    _ => ExitCode::Interrupted,
                };
                match first {
                    None => {
                        first = Some(std::time::Instant::now());
                        request(code);
                    }
                    Some(t) if t.elapsed() < SAME_INTERRUPT => {}
                    Some(_) => hard_exit(reason().unwrap_or(code) as i32),
                }
            }
        });
    }

    #[cfg(not(unix))]
    fn install(_flag: Arc<AtomicBool>) {
        let first: Mutex<Option<std::time::Instant>> = Mutex::new(None);
        let _ = ctrlc::set_handler(move || {
            let mut first = first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match *first {
                None => {
                    *first = Some(std::time::Instant::now());
                    request(ExitCode::Interrupted);
                }
                Some(t) if t.elapsed() < SAME_INTERRUPT => {}
                Some(_) => hard_exit(ExitCode::Interrupted as i32),
            }
        });
    }
}

/// Set when a report line could not be written to stdout (a full disk, say): the run then
/// cannot end with 0, since its report is incomplete.
static REPORT_LOST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes `text` and a newline to stdout. When stdout is closed (`| head -1`), the run stops
/// quietly (exit 141, as a process killed by SIGPIPE would) instead of panicking; any other
/// failure to write the report is remembered (see [`finish_code`]).
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            stop::request(ExitCode::BrokenPipe);
        } else if !REPORT_LOST.swap(true, std::sync::atomic::Ordering::SeqCst) {
            tell(&format!(
                "promptwav: error: cannot write the report to standard output: {}",
                promptwav::error::io_reason(&e)
            ));
        }
    }
}

/// Writes a line to stderr; a stderr that cannot be written to is not a reason to stop or
/// panic (`2>/dev/full`, a closed terminal).
fn tell(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// The exit code of a finished command: `code`, but 1 (not 0) when part of the report could not
/// be written.
fn finish_code(code: ExitCode) -> ExitCode {
    if code == ExitCode::Ok && REPORT_LOST.load(std::sync::atomic::Ordering::SeqCst) {
        ExitCode::SomeFailed
    } else {
        code
    }
}

/// Like [`say`], for commands that write nothing to disk: a closed stdout ends the process.
fn say_or_exit(text: &str) {
    say(text);
    if stop::reason() == Some(ExitCode::BrokenPipe) {
        process::exit(ExitCode::BrokenPipe as i32);
    }
}

fn name(args: NameArgs) -> anyhow::Result<ExitCode> {
    let profile = find_profile(&args.profile)?;
    let print = |input: &std::ffi::OsStr| {
        // The name convert gives the file: its last component; the folders only when asked,
        // made safe as convert makes the folders of a folder input.
        let path = Path::new(input);
        let file = path.file_name().unwrap_or(input);
        let mut out = names::output_name(file, profile.extension);
        if args.with_folders {
            let mut parts: Vec<String> = path
                .parent()
                .into_iter()
                .flat_map(|p| p.components())
                .filter_map(|c| match c {
                    std::path::Component::Normal(part) => Some(names::safe_component(part)),
                    _ => None,
                })
                .collect();
            parts.push(out);
            out = parts.join("/");
        }
        if args.json {
            let input = input.to_string_lossy();
            if let Ok(line) = serde_json::to_string(&NamePair::new(&input, &out)) {
                say_or_exit(&line);
            }
        } else {
            say_or_exit(&out);
        }
    };
    if args.names.is_empty() {
        // Names as bytes, one per line: a name from a Windows ZIP need not be UTF-8.
        let stdin = std::io::stdin();
        for line in stdin.lock().split(b'\n') {
            let line = line.context("cannot read names from standard input")?;
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            if !line.is_empty() {
                print(path_from_bytes(line).as_os_str());
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

/// Writes `input -> output` for every file converted, or skipped because its output is up to
/// date, in one step (a temporary file renamed over the old map). A CSV map starts with a UTF-8
/// byte-order mark (for Excel); a JSON map is plain UTF-8.
fn write_names_map(path: &Path, records: &[Record]) -> anyhow::Result<()> {
    let pairs: Vec<(&Record, &str)> = records
        .iter()
        .filter(|r| matches!(r.status, Status::Converted | Status::Planned | Status::Skipped))
        .filter_map(|r| Some((r, r.output.as_deref()?)))
        .collect();
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let text = if json {
        // The exact input path, and its normalization form when it is not NFC; each entry
        // carries the report schema's version.
        let list: Vec<NamePair> = pairs.iter().map(|(r, o)| NamePair::new(&r.input, o)).collect();
        serde_json::to_string_pretty(&list)? + "\n"
    } else {
        // A byte-order mark first: Excel on Korean Windows reads a CSV without one as CP949
        // and garbles every Hangul name.
        let mut text = String::from("\u{feff}input,output\n");
        // The CSV is for people: an input whose name is not NFC is marked ("안내.wav (NFD)").
        for (r, o) in &pairs {
            let input = match r.input_form {
                Some(form) => format!("{} ({form})", r.input),
                None => r.input.clone(),
            };
            text.push_str(&format!("{},{}\n", csv_field(&input), csv_field(o)));
        }
        text
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = output::TempFile::create(folder)
        .with_context(|| format!("cannot write names map {}", path.display()))?;
    tmp.file()
        .write_all(text.as_bytes())
        .and_then(|()| tmp.commit(path, true))
        .with_context(|| format!("cannot write names map {}", path.display()))
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    use promptwav::check::{self, CheckOptions, report};
    if args.codes {
        say_or_exit(report::codes_markdown().trim_end());
        return Ok(ExitCode::Ok);
    }
    let opts = CheckOptions {
        profile: find_profile(&args.profile)?,
        strict: args.strict,
        jobs: args.jobs.unwrap_or(0),
        quick: args.quick,
    };
    let format = if args.json { CheckFormat::Json } else { args.format };
    let inputs = all_inputs(&args.inputs, &args.input_list)?;
    let manifest = args.manifest.as_deref().map(prompts::Manifest::load).transpose()?;
    let strict = opts.strict;
    let print = |r: &check::Report| match format {
        CheckFormat::Text => print_check_text(r),
        CheckFormat::Json => {
            if let Ok(line) = serde_json::to_string(r) {
                say_or_exit(&line);
            }
        }
        CheckFormat::Junit => {}
    };
    let (inputs, shard_skips) = match args.shard {
        Some((k, n)) => check_shard(&inputs, k - 1, n),
        None => (inputs, Vec::new()),
    };
    let mut reports = check::run(&inputs, &opts, &mut |r| match &manifest {
        Some(m) => {
            let mut r = r.clone();
            m.apply(&mut r, &opts.profile, strict);
            print(&r);
        }
        None => print(r),
    });
    for r in &shard_skips {
        print(r);
    }
    reports.extend(shard_skips);
    if let Some(m) = &manifest {
        for r in &mut reports {
            m.apply(r, &opts.profile, strict);
        }
        let missing = m.missing(&reports);
        for r in &missing {
            print(r);
        }
        reports.extend(missing);
    }
    let summary = check::Summary::of(&reports);
    match format {
        CheckFormat::Text if ui::quiet() => {}
        CheckFormat::Text => say_or_exit(&catalogue::check_summary(ui::lang(), &summary)),
        CheckFormat::Junit => {
            say_or_exit(report::junit(&reports, opts.profile.name, opts.strict).trim_end())
        }
        CheckFormat::Json => {}
    }
    Ok(if summary.failed > 0 { ExitCode::SomeFailed } else { ExitCode::Ok })
}

/// A file's text report of `check`: its status coloured, only failures when quiet, its timing
/// when verbose.
fn print_check_text(r: &promptwav::check::Report) {
    if ui::quiet() && r.ok {
        return;
    }
    let mut text = ui::check_text(r, ui::Stream::Out);
    if ui::verbose() && r.skipped.is_none() {
        let took = catalogue::checked_in(ui::lang(), &ui::timing(r.seconds));
        text.push_str(&format!("\n      {took}"));
    }
    say_or_exit(&text);
}

/// The files of shard `index` (from 0) of `count` of `check`'s walk, with the same hash as
/// `convert --shard` (64-bit FNV-1a of the path as given or walked, as
/// `promptwav::batch::Plan::retain_shard`): the files to check, and reports for the entries the
/// walk skipped (hidden, not audio) that fall in the shard. Unreadable entries stay inputs, so
/// `check` reports them as it always does.
fn check_shard(
    inputs: &[PathBuf],
    index: u64,
    count: u64,
) -> (Vec<PathBuf>, Vec<promptwav::check::Report>) {
    use promptwav::walk::SkipKind;
    let mine = |p: &Path| promptwav::batch::in_shard(p, index, count);
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for entry in promptwav::walk::walk(inputs, None) {
        match entry {
            Ok(found) if mine(&found.path) => files.push(found.path),
            Err(skip) if mine(&skip.path) => match skip.kind {
                SkipKind::Unreadable => files.push(skip.path),
                SkipKind::Skipped => {
                    let mut r = promptwav::check::Report::new(&skip.path);
                    r.skipped = Some(skip.reason);
                    r.skip_notice = skip.notice;
                    skipped.push(r);
                }
            },
            _ => {}
        }
    }
    (files, skipped)
}
