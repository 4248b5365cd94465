//! Decodes files with promptwav's decoder and throws the audio away: the decoder's own speed,
//! the floor for a whole conversion (used by `benches/compare.sh`).
//!
//!     cargo run --release --example decode_only -- FILE...

use std::path::Path;

fn main() {
    let mut failed = false;
    for arg in std::env::args_os().skip(1) {
        let path = Path::new(&arg);
        let result = promptwav::decode::Decoder::open(path).and_then(|mut d| {
            let mut frames = 0u64;
            while let Some(chunk) = d.next_chunk()? {
                frames += chunk.frames as u64;
            }
            Ok(frames)
        });
        match result {
            Ok(frames) => println!("{}: {frames} frames", path.display()),
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
