//! `check --manifest prompts.toml`: the known set of prompts of a phone setup (greeting,
//! after-hours, holiday, queue music...), each with its limits.
//!
//! ```toml
//! unexpected = "warning"        # a file no prompt lists: "warning" (default), "error", "ignore"
//!
//! [prompts.greeting]
//! file = "greeting.wav"         # matched against the end of each checked path
//! max-duration = 30.0           # seconds
//! loudness = [-24.0, -16.0]     # integrated LUFS, lowest and highest
//!
//! [prompts.queue-music]
//! file = "queue/music.wav"
//! required = false              # default true
//! min-duration = 60.0
//! ```
//!
//! Findings are problems of the usual reports (codes `manifest-missing`,
//! `manifest-unexpected`, `manifest-duration`, `manifest-loudness`), so every report format
//! (text, JSON, JUnit) carries them: a missing prompt is a report of its own, under the name
//! the manifest gives, that fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use promptwav::check::{self, Code, Problem, Report, Severity};
use promptwav::profile::Profile;
use serde::Deserialize;

/// A manifest file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    /// What a file no prompt lists is.
    #[serde(default)]
    pub unexpected: Unexpected,
    /// The prompts, by their name in the setup.
    #[serde(default)]
    pub prompts: BTreeMap<String, Prompt>,
}

/// What a file the manifest does not list is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unexpected {
    /// A warning (fails with `--strict`).
    #[default]
    Warning,
    /// An error: the check fails.
    Error,
    /// Not reported.
    Ignore,
}

/// One prompt of the setup.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Prompt {
    /// Its file, relative (matched against the end of each checked path, by whole components).
    pub file: PathBuf,
    /// Whether the setup needs it (default true): a required prompt without a file fails.
    #[serde(default = "yes")]
    pub required: bool,
    /// The longest it may be, in seconds.
    pub max_duration: Option<f64>,
    /// The shortest it may be, in seconds.
    pub min_duration: Option<f64>,
    /// Its integrated loudness range, `[lowest, highest]` LUFS.
    pub loudness: Option<[f64; 2]>,
}

fn yes() -> bool {
    true
}

impl Manifest {
    /// Reads and checks a manifest file.
    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the manifest {}", path.display()))?;
        let m: Manifest = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("manifest {}: {e}", path.display()))?;
        if m.prompts.is_empty() {
            bail!("manifest {}: no [prompts.NAME] table", path.display());
        }
        for (name, p) in &m.prompts {
            if p.file.as_os_str().is_empty() || p.file.is_absolute() {
                bail!("manifest {}: prompt {name}: `file` must be a relative path", path.display());
            }
            if let Some([lo, hi]) = p.loudness
                && (lo.is_nan() || hi.is_nan() || lo > hi)
            {
                bail!("manifest {}: prompt {name}: loudness [{lo}, {hi}] is empty", path.display());
            }
        }
        Ok(m)
    }

    /// The prompt a checked path is, if any.
    fn prompt_of(&self, path: &Path) -> Option<(&str, &Prompt)> {
        self.prompts.iter().find(|(_, p)| path.ends_with(&p.file)).map(|(n, p)| (n.as_str(), p))
    }

    /// Adds the manifest's findings to a file's report, and recomputes whether it passes.
    pub fn apply(&self, r: &mut Report, profile: &Profile, strict: bool) {
        if r.skipped.is_some() {
            return;
        }
        match self.prompt_of(&r.input_path) {
            None => {
                if self.unexpected == Unexpected::Ignore {
                    return;
                }
                let mut p = Problem::new(
                    Code::ManifestUnexpected,
                    "not in the manifest",
                    "add it to the manifest as a prompt, or remove the file",
                );
                if self.unexpected == Unexpected::Error {
                    p.severity = Severity::Error;
                }
                r.problems.push(p);
            }
            Some((name, prompt)) => {
                let d = r.facts.duration_s;
                if let (Some(max), Some(d)) = (prompt.max_duration, d)
                    && d > max
                {
                    r.problems.push(Problem::new(
                        Code::ManifestDuration,
                        format!("prompt {name}: {d:.1} s, the manifest allows at most {max} s"),
                        "shorten the recording, or raise max-duration in the manifest",
                    ));
                }
                if let (Some(min), Some(d)) = (prompt.min_duration, d)
                    && d < min
                {
                    r.problems.push(Problem::new(
                        Code::ManifestDuration,
                        format!("prompt {name}: {d:.1} s, the manifest needs at least {min} s"),
                        "use the full recording, or lower min-duration in the manifest",
                    ));
                }
                if let Some([lo, hi]) = prompt.loudness {
                    let problem = match r.facts.loudness_lufs {
                        Some(l) if l < lo || l > hi => Some(format!(
                            "prompt {name}: {l:.1} LUFS, the manifest allows {lo} to {hi} LUFS"
                        )),
                        Some(_) => None,
                        None => Some(format!(
                            "prompt {name}: loudness not measurable (silent or under 0.4 s), \
                             the manifest asks {lo} to {hi} LUFS"
                        )),
                    };
                    if let Some(message) = problem {
                        let target = (lo + hi) / 2.0;
                        let p = if check::convert_reads(r) {
                            let command = check::convert_command(
                                &r.input,
                                profile,
                                &format!("--loudness {target}"),
                            );
                            Problem::new(Code::ManifestLoudness, message, command.clone())
                                .with_fix_key(check::Fix::Run(command))
                        } else {
                            let by_hand = format!(
                                "make a readable copy first (see the other fixes), then convert \
                                 it with --loudness {target}"
                            );
                            Problem::new(Code::ManifestLoudness, message, by_hand)
                        };
                        r.problems.push(p);
                    }
                }
            }
        }
        r.ok = !r
            .problems
            .iter()
            .any(|p| p.severity == Severity::Error || (strict && p.severity == Severity::Warning));
    }

    /// A failing report for each required prompt no checked file is, named by its file.
    pub fn missing(&self, reports: &[Report]) -> Vec<Report> {
        self.prompts
            .iter()
            .filter(|(_, p)| p.required)
            .filter(|(_, p)| {
                !reports.iter().any(|r| r.skipped.is_none() && r.input_path.ends_with(&p.file))
            })
            .map(|(name, p)| {
                let mut r = Report::new(&p.file);
                r.ok = false;
                r.problems.push(Problem::new(
                    Code::ManifestMissing,
                    format!("prompt {name}: no file {} among the inputs", p.file.display()),
                    "add the file, or mark the prompt required = false in the manifest",
                ));
                r
            })
            .collect()
    }
}
