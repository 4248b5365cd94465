//! What an admin meets next (issue 12, second part): a names map Excel opens, Korean names from
//! Windows ZIPs, the right downmix by default, fixes with promptwav's own flags, one clipping
//! count, names only for files that convert, one report schema, Korean messages.

use std::fs;

use crate::util::*;

#[test]
fn a_csv_names_map_starts_with_a_bom_and_a_json_map_does_not() {
    let dir = tempdir();
    let input = dir.path().join("점심시간 안내.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    let csv = dir.path().join("map.csv");
    let json = dir.path().join("map.json");
    for map in [&csv, &json] {
        // Twice: the second run replaces the map it wrote (a map with a BOM is a names map).
        for _ in 0..2 {
            promptwav()
                .arg("convert")
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .arg("--names-map")
                .arg(map)
                .assert()
                .success();
        }
    }
    let bytes = fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFinput,output\n"), "{bytes:?}");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("jeomsimsigan_annae.wav"), "{text}");
    let bytes = fs::read(&json).unwrap();
    assert_eq!(bytes[0], b'[', "JSON stays plain UTF-8");
}
