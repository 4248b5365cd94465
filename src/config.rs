//! `promptwav.toml`: the settings a project shares between `convert`, `check`, `serve`, the
//! pre-commit hook and CI, so that all use the same profile and finishing.
//!
//! Found as rustfmt finds `rustfmt.toml`: in the current folder, else its parent, and so on up
//! to the root (`--config FILE` names one, `--no-config` uses none). Flags given on the command
//! line win over the file, the file over the defaults. A key the file does not know is an error
//! naming the key (exit 2), as is a value of the wrong type or an unknown profile. The binary
//! reads it; the library knows nothing of it.
//!
//! ```toml
//! profile = "amazon-connect"   # convert, check, serve, name
//! lang = "ko"                  # the messages: "ko" (Korean) or "en" (English)
//!
//! [finish]                     # convert's finishing defaults
//! loudness = -19.0             # or match-loudness = true
//! true-peak = -1.5
//! trim-silence = true
//! trim-pad = 150.0
//! trim-threshold = -45.0
//! fade = 5.0
//! remove-dc = true
//! smart-downmix = true
//!
//! [check]
//! strict = true
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::cli::{CheckArgs, ConvertArgs, ServeArgs};

/// The file name looked for.
pub const FILE_NAME: &str = "promptwav.toml";

/// The file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    /// The target platform.
    pub profile: Option<String>,
    /// The language of the messages (`--lang` wins over it, it over the environment).
    pub lang: Option<promptwav::Lang>,
    /// Finishing defaults of `convert`.
    #[serde(default)]
    pub finish: Finish,
    /// `check`'s settings.
    #[serde(default)]
    pub check: Check,
}

/// `[finish]`: the finishing flags of `convert`, by the same names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Finish {
    /// `--loudness`.
    pub loudness: Option<f64>,
    /// `--match-loudness`.
    pub match_loudness: Option<bool>,
    /// `--true-peak`.
    pub true_peak: Option<f64>,
    /// `--trim-silence`.
    pub trim_silence: Option<bool>,
    /// `--trim-pad`.
    pub trim_pad: Option<f64>,
    /// `--trim-threshold`.
    pub trim_threshold: Option<f64>,
    /// `--fade`.
    pub fade: Option<f64>,
    /// `--remove-dc`.
    pub remove_dc: Option<bool>,
    /// `--smart-downmix`.
    pub smart_downmix: Option<bool>,
}

/// `[check]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Check {
    /// `--strict`: warnings fail too.
    pub strict: Option<bool>,
}

/// Where a setting in effect came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Nobody set it.
    Default,
    /// The config file.
    File(PathBuf),
    /// The command line.
    Flag,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Flag => f.write_str("flag"),
        }
    }
}

/// The config in effect: the file (if any) and where it is.
#[derive(Debug, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// What it says (all empty without a file).
    pub file: File,
}

/// Finds the file from `start` upward.
fn find_from(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
}

impl Config {
    /// Loads the config the global flags ask for: `--no-config`: none; `--config FILE`: that
    /// file (which must exist); else `promptwav.toml` from the current folder upward.
    pub fn load(explicit: Option<&Path>, none: bool) -> anyhow::Result<Config> {
        if none {
            return Ok(Config::default());
        }
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                match find_from(&cwd) {
                    Some(p) => p,
                    None => return Ok(Config::default()),
                }
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let file: File = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
        if let Some(name) = &file.profile
            && promptwav::Profile::by_name(name).is_none()
        {
            bail!("config file {}: {}", path.display(), crate::unknown_profile(name));
        }
        Ok(Config { path: Some(path), file })
    }

    fn file_source(&self) -> Source {
        self.path.clone().map_or(Source::Default, Source::File)
    }

    /// Fills `convert`'s settings the command line left unset from the file.
    pub fn apply_convert(&self, a: &mut ConvertArgs, m: Option<&ArgMatches>) {
        let given = |id: &str| flag_given(m, id);
        if !given("profile")
            && let Some(p) = &self.file.profile
        {
            a.profile.clone_from(p);
        }
        let f = &self.file.finish;
        // --loudness and --match-loudness exclude each other: either on the command line wins.
        if !given("loudness") && !given("match_loudness") {
            if let Some(v) = f.loudness {
                a.loudness = Some(v);
            }
            if let Some(v) = f.match_loudness {
                a.match_loudness = v;
            }
        }
        set(&mut a.true_peak, f.true_peak.map(Some), given("true_peak"));
        set(&mut a.trim_silence, f.trim_silence, given("trim_silence"));
        set(&mut a.trim_pad, f.trim_pad, given("trim_pad"));
        set(&mut a.trim_threshold, f.trim_threshold, given("trim_threshold"));
        set(&mut a.fade, f.fade.map(Some), given("fade"));
        set(&mut a.remove_dc, f.remove_dc, given("remove_dc"));
        set(&mut a.smart_downmix, f.smart_downmix, given("smart_downmix"));
    }

    /// Fills `check`'s settings the command line left unset from the file.
    pub fn apply_check(&self, a: &mut CheckArgs, m: Option<&ArgMatches>) {
        if let Some(p) = &self.file.profile {
            set(&mut a.profile, Some(p.clone()), flag_given(m, "profile"));
        }
        set(&mut a.strict, self.file.check.strict, flag_given(m, "strict"));
    }

    /// Fills `serve`'s profile when the command line left it unset.
    pub fn apply_serve(&self, a: &mut ServeArgs, m: Option<&ArgMatches>) {
        if let Some(p) = &self.file.profile {
            set(&mut a.profile, Some(p.clone()), flag_given(m, "profile"));
        }
    }

    /// Every setting in effect as `(key, value, source)`, for `promptwav config`. `m` holds the
    /// flags of `config` itself (`--profile`, `--strict`), `lang_flag` the global `--lang`.
    pub fn settings(
        &self,
        m: Option<&ArgMatches>,
        lang_flag: Option<promptwav::Lang>,
    ) -> Vec<(String, String, Source)> {
        let file = self.file_source();
        let mut out = Vec::new();
        let mut row = |key: &str, from_file: Option<String>, default: &str| {
            let (value, source) = match from_file {
                Some(v) => (v, file.clone()),
                None => (default.to_string(), Source::Default),
            };
            out.push((key.to_string(), value, source));
        };
        let f = &self.file.finish;
        let num = |v: Option<f64>| v.map(|v| format!("{v}"));
        let yes = |v: Option<bool>| v.map(|v| v.to_string());
        row("profile", self.file.profile.as_ref().map(|p| format!("{p:?}")), "\"channeltalk\"");
        row("finish.loudness", num(f.loudness), "none");
        row("finish.match-loudness", yes(f.match_loudness), "false");
        row("finish.true-peak", num(f.true_peak), "none (-1 with loudness)");
        row("finish.trim-silence", yes(f.trim_silence), "false");
        row("finish.trim-pad", num(f.trim_pad), &format!("{}", promptwav::finish::DEFAULT_PAD_MS));
        row(
            "finish.trim-threshold",
            num(f.trim_threshold),
            &format!("{}", promptwav::finish::DEFAULT_TRIM_THRESHOLD_DB),
        );
        row("finish.fade", num(f.fade), "none (5 with trim-silence)");
        row("finish.remove-dc", yes(f.remove_dc), "false");
        row("finish.smart-downmix", yes(f.smart_downmix), "false");
        row("check.strict", yes(self.file.check.strict), "false");
        let lang = |l: promptwav::Lang| format!("{:?}", l.code());
        match lang_flag {
            Some(l) => out.push(("lang".into(), lang(l), Source::Flag)),
            None => out.push(match self.file.lang {
                Some(l) => ("lang".into(), lang(l), file.clone()),
                None => (
                    "lang".into(),
                    format!("{} (LC_ALL, LC_MESSAGES, LANG)", lang(promptwav::Lang::from_env())),
                    Source::Default,
                ),
            }),
        }
        if let Some(m) = m {
            if flag_given(Some(m), "profile")
                && let Some(p) = m.get_one::<String>("profile")
            {
                out[0] = ("profile".into(), format!("{p:?}"), Source::Flag);
            }
            if flag_given(Some(m), "strict")
                && let Some(row) = out.iter_mut().find(|(key, _, _)| key == "check.strict")
            {
                *row = ("check.strict".into(), "true".into(), Source::Flag);
            }
        }
        out
    }
}

/// Whether the flag `id` was given on the command line.
fn flag_given(m: Option<&ArgMatches>, id: &str) -> bool {
    m.and_then(|m| m.value_source(id)) == Some(ValueSource::CommandLine)
}

/// Sets `slot` from the file's `value` unless the command line gave it.
fn set<T>(slot: &mut T, value: Option<T>, given: bool) {
    if !given && let Some(v) = value {
        *slot = v;
    }
}
