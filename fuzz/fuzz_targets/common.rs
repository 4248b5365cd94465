//! What the fuzz targets share.

static QUIET_GUARDED_PANICS: std::sync::Once = std::sync::Once::new();

/// libfuzzer-sys aborts on every panic, also one caught: a codec's panic that promptwav turns
/// into a damaged packet (`decode::guarded`) is not a finding.
pub fn quiet_guarded_panics() {
    QUIET_GUARDED_PANICS.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !promptwav::decode::in_guarded_codec() {
                fuzzer_hook(info);
            }
        }));
    });
}
