//! Integration tests: the real `promptwav` binary, run in a temporary folder on the committed

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! fixtures. One test binary; one module per subcommand, helpers in `util`.

mod admin;
mod admin2;
mod adversarial;
mod check;
mod convert;
mod finish;
mod formats;
mod habits;
mod hostile;
mod korean;
mod layers;
mod names;
mod names_plan;
mod promises;
mod promises_audio;
mod promises_read;
mod schema;
mod serve;
mod util;
