//! The library's layers run one way: a module may use only modules of lower layers (and, within
//! a layer, only the edges listed in `SAME_LAYER`). Read from the sources: every `crate::x`
//! path outside comments and outside the `#[cfg(test)] mod tests` at a file's end.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first: the README's module map.
const LAYERS: &[&[&str]] = &[
    &["error", "notice"],
    &["problem", "names", "mix", "resample", "encode", "output", "walk", "parallel"],
    &["profile", "decode", "finish", "schema"],
    &["convert"],
    &["batch", "check"],
    &["lang"],
    &["serve"],
];

/// Uses between modules of one layer that are allowed (user, used): the leaves' own plumbing
/// and the targets finishing reads. Any other same-layer use (batch ► check, check ► batch) is a
/// violation.
const SAME_LAYER: &[(&str, &str)] = &[("walk", "names"), ("walk", "output"), ("finish", "profile")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules `code` names through `crate::`, comments and a trailing test module
/// left out: `crate::a::b`, `crate::{a, b::c}`.
pub fn used_modules(code: &str) -> BTreeSet<String> {
    let mut text = String::new();
    for line in code.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        // Comments: from `//` on (a `//` inside a string only loses the rest of that line).
        text.push_str(line.split("//").next().unwrap_or(""));
        text.push('\n');
    }
    let mut used = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
    };
    let mut rest = text.as_str();
    while let Some(i) = rest.find("crate::") {
        // `crate::` preceded by an identifier character is another path (`my_crate::`).
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level items of the group, up to its closing brace.
            let mut depth = 0;
            let mut item_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        used.insert(ident(&group[k..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            used.insert(ident(rest));
        }
    }
    used.retain(|m| !m.is_empty() && m != "self");
    used
}

/// The violations in the crate at `root`: "user ► used (layer a ► layer b)".
fn violations(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    // The binary's own modules: the `mod NAME;` lines of src/main.rs.
    let main = std::fs::read_to_string(root.join("src/main.rs")).unwrap_or_default();
    let binary: Vec<String> = main
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_string))
        .collect();
    for file in files {
        let rel = file.strip_prefix(root.join("src")).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        if matches!(module.as_str(), "lib" | "main") || binary.contains(&module) {
            continue; // The crate root and the binary (main.rs and its modules): above every layer.
        }
        let Some(own) = layer_of(&module) else {
            found.push(format!("{}: module {module} is in no layer of LAYERS", rel.display()));
            continue;
        };
        let code = std::fs::read_to_string(&file).unwrap();
        for used in used_modules(&code) {
            if used == module {
                continue;
            }
            let Some(theirs) = layer_of(&used) else {
                found.push(format!("{}: uses crate::{used}, which is in no layer", rel.display()));
                continue;
            };
            let allowed = theirs < own
                || (theirs == own && SAME_LAYER.contains(&(module.as_str(), used.as_str())));
            if !allowed {
                found.push(format!(
                    "{}: {module} (layer {own}) uses {used} (layer {theirs})",
                    rel.display()
                ));
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_use_higher_ones() {
    let v = violations(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(v.is_empty(), "layering violations:\n{}", v.join("\n"));
}

#[test]
fn the_scanner_sees_every_form_of_path() {
    let code = "use crate::error::{Error, Stage};\nuse crate::{names, mix::Speaker,\n  \
                output::{self, TempFile}};\nfn f() { crate::batch::run(); my_crate::x(); }\n\
                // crate::serve in a comment\n#[cfg(test)]\nmod tests { use crate::check; }\n";
    let used: Vec<String> = used_modules(code).into_iter().collect();
    assert_eq!(used, ["batch", "error", "mix", "names", "output"]);
}

#[test]
fn a_violation_is_caught() {
    // A copy of the sources in which profile (layer 2) uses convert (layer 3).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    for f in files {
        let to = tmp.path().join(f.strip_prefix(root).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    let profile = tmp.path().join("src/profile.rs");
    let code = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(&profile, format!("use crate::convert::Converted;\n{code}")).unwrap();
    let v = violations(tmp.path());
    assert_eq!(v, ["profile.rs: profile (layer 2) uses convert (layer 3)"]);
}
