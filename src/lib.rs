//! promptwav turns any audio file a person may upload into a voice prompt a phone platform
//! accepts: by default Channel Talk's mono 48 kHz 16-bit PCM WAV, with a safe ASCII file name.
//!
//! The pipeline, one module a stage:
//!
//! ```text
//! path ─► decode ─► mix ─► resample ─► (finish) ─► encode ─► output (temporary file, renamed
//!                                                                    when complete)
//! name ─► names (NFC ► romanize Korean ► transliterate ► whitelist ► dedupe)
//! ```
//!
//! [`batch`] plans and runs many files in parallel and reports one [`batch::Record`] per input;
//! [`convert`] runs the pipeline for one file; [`finish`] (only when asked: loudness, trimming,
//! fades, DC removal) works on the mono signal before encoding; [`profile`] holds the targets;
//! [`check`] tells whether a file meets them, and why not.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use promptwav::{batch, ConvertOptions, Status};
//!
//! // One file:
//! let done = promptwav::convert::convert_file(
//!     Path::new("greeting.mp3"),
//!     Path::new("out/greeting.wav"),
//!     &promptwav::Profile::default(), // Channel Talk
//!     false,                          // do not overwrite
//! )?;
//! println!("{} s of {} at {} Hz", done.duration_s(), done.source.codec, done.source.sample_rate);
//!
//! // A batch, with names, folders, parallelism and one record per input:
//! let opts = ConvertOptions::default();
//! let plan = batch::plan(&[PathBuf::from("prompts")], Path::new("out"), &opts);
//! let records = batch::run(&plan, &opts, &|_| {}, &|_| {});
//! for r in records.iter().filter(|r| r.status == Status::Failed) {
//!     eprintln!("{}: {}", r.input, r.error.as_deref().unwrap_or(""));
//! }
//! # Ok::<(), promptwav::Error>(())
//! ```

pub mod batch;
pub mod check;
pub mod convert;
pub mod decode;
pub mod encode;
pub mod error;
pub mod finish;
pub mod mix;
pub mod names;
pub mod output;
pub mod parallel;
pub mod problem;
pub mod profile;
pub mod resample;
/// `promptwav serve`: the converter page and the HTTP API (feature `serve`).
#[cfg(feature = "serve")]
pub mod serve;
pub mod walk;

pub use batch::{ConvertOptions, Record, Status};
pub use error::{Error, Result, Stage};
pub use profile::Profile;
