//! `promptwav convert`.

use crate::util::*;

#[test]
fn help_documents_exit_codes() {
    let out = promptwav()
        .args(["convert", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("Exit codes"), "{text}");
}
