//! promptwav turns any audio file a person may upload into a voice prompt a phone platform
//! accepts: by default Channel Talk's mono 48 kHz 16-bit PCM WAV, with a safe ASCII file name.
//!
//! The pipeline, one stage a module:
//!
//! ```text
//! path ─► decode ─► mix ─► resample ─► (finish) ─► encode ─► output (temporary file, renamed
//!                                                                    when complete)
//! name ─► names (NFC ► romanize Korean ► transliterate ► whitelist ► dedupe)
//! ```
//!
//! # The API
//!
//! Everything a program needs is re-exported here, flat; this is what semver covers.
//!
//! - Convert: [`convert_file`] (a file to a file), [`convert_bytes`] (bytes in memory to the
//!   output's bytes), with [`ConvertOptions`] (the [`Profile`], [`FinishOptions`], overwriting,
//!   cancelling); what was done comes back as [`Converted`]. Many files, folders walked, names
//!   planned and made distinct, in parallel: [`plan`] then [`run`], one [`Record`] per input
//!   (with its [`Status`]), counted by [`Summary`].
//! - Decode alone: [`Decoder`] streams any input as [`Chunk`]s of planar samples and tells what
//!   the source is ([`SourceInfo`]).
//! - Check a file against a profile: [`check_file`] with [`CheckOptions`] gives a [`Report`] of
//!   [`Problem`]s, each with its [`Code`] and [`Severity`].
//! - Profiles: [`Profile`] (the targets) and every one in [`PROFILES`].
//! - Finishing (loudness, trimming, fades, DC removal, smart downmix): [`FinishOptions`],
//!   [`Trim`].
//! - Names: [`output_name`] (a file's safe output name), [`romanize`] (Korean), [`is_safe_name`],
//!   [`Deduper`] (distinct names in one folder).
//! - Errors: [`Error`], with its [`ErrorKind`] (what to match on) and [`Stage`].
//! - Reports: a [`Record`] and a [`Report`] serialize (serde) as the JSON of `convert --json`
//!   and `check --json`, in the report schema: `"schema": 1` ([`SCHEMA_VERSION`], the
//!   [`Schema`] field) first, one name per fact, units in the names, facts about the file
//!   written prefixed `output_`; [`NamePair`] is an entry of the JSON names map.
//!
//! The modules themselves (`promptwav::decode`, `promptwav::finish`, ...) stay public for the
//! command line, the benchmarks and the fuzz targets, and are hidden from this documentation:
//! they are internal, not covered by semver.
//!
//! # Examples
//!
//! Convert a file, then check the result against the profile:
//!
//! ```
//! use promptwav::{CheckOptions, ConvertOptions, check_file, convert_file};
//!
//! let input = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/formats/mp3_vbr_22050_mono.mp3");
//! let dir = tempfile::tempdir()?;
//! let dest = dir.path().join("greeting.wav");
//! let done = convert_file(input.as_ref(), &dest, &ConvertOptions::default())?;
//! assert_eq!((done.source.codec.as_str(), done.source.sample_rate), ("mp3", 22_050));
//!
//! let report = check_file(&dest, &CheckOptions::default());
//! assert!(report.ok, "{:?}", report.problems);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A batch, with names, folders, parallelism and one record per input:
//!
//! ```
//! use std::path::PathBuf;
//! use promptwav::{ConvertOptions, Status, Summary};
//!
//! let prompts = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/prompts"));
//! let out = tempfile::tempdir()?;
//! let opts = ConvertOptions::default();
//! let plan = promptwav::plan(&[prompts], out.path(), &opts);
//! let records = promptwav::run(&plan, &opts, &|_| {}, &|_| {});
//! for r in records.iter().filter(|r| r.status == Status::Failed) {
//!     eprintln!("{}: {}", r.input, r.error.as_deref().unwrap_or(""));
//! }
//! assert_eq!(Summary::of(&records).failed, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

#[doc(hidden)]
pub mod batch;
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod convert;
#[doc(hidden)]
pub mod decode;
#[doc(hidden)]
pub mod encode;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod finish;
#[doc(hidden)]
pub mod lang;
#[doc(hidden)]
pub mod mix;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod notice;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod parallel;
#[doc(hidden)]
pub mod problem;
#[doc(hidden)]
pub mod profile;
#[doc(hidden)]
pub mod resample;
#[doc(hidden)]
pub mod schema;
// `promptwav serve`: the converter page and the HTTP API (feature `serve`).
#[cfg(feature = "serve")]
#[doc(hidden)]
pub mod serve;
#[doc(hidden)]
pub mod walk;

// Converting: one file, bytes in memory, a batch.
pub use batch::{ExistingOutput, Plan, PlanItem, Record, Status, Summary, plan, run};
pub use convert::{ConvertOptions, Converted, convert_bytes, convert_one as convert_file};
pub use finish::FinishReport;
// Decoding.
pub use decode::{Chunk, DecodeStats, Decoder, SourceInfo};
pub use mix::Speaker;
// Checking.
/// What checking measured about a file.
pub use check::Facts as CheckFacts;
pub use check::{CheckOptions, Report, check_file};
pub use problem::{Code, Detail, Fix, Problem, Severity};
// Messages for people: the typed notices and the language catalogue.
pub use lang::Lang;
pub use notice::Notice;
// Profiles and finishing.
pub use finish::{FinishOptions, InvalidOption, Trim};
pub use profile::{Codec, ContentRules, PROFILES, Profile, Sources};
// The report schema (the JSON of `convert --json`, `check --json`, the names map).
pub use schema::{NamePair, Schema, VERSION as SCHEMA_VERSION};
// Names.
pub use names::korean::romanize;
pub use names::{Deduper, is_safe_name, output_name};
// Errors.
/// What was known about the source when a conversion failed ([`Error::facts`]).
pub use error::Facts as SourceFacts;
pub use error::{Error, ErrorKind, Result, Stage};
