//! AMR (`.amr`, `.3gp`): detection, and decoding where a sound decoder exists.

use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::formats::probe::Probe;

/// Registers AMR container readers in `probe`.
pub fn register_formats(_probe: &mut Probe) {}

/// Registers AMR decoders in `registry`.
pub fn register_codecs(_registry: &mut CodecRegistry) {}
