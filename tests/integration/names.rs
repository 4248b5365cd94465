//! `promptwav name` and `convert --names-map`.

use std::fs;

use crate::util::*;

#[test]
fn name_prints_what_convert_would_write() {
    let res =
        promptwav().args(["name", "종로.mp3", "hello world.m4a", "CON.wav"]).output().unwrap();
    assert!(res.status.success());
    assert_eq!(String::from_utf8_lossy(&res.stdout), "jongno.wav\nhello_world.wav\nCON_.wav\n");
}

#[test]
fn name_reads_stdin_and_speaks_json() {
    let res = promptwav()
        .args(["name", "--json"])
        .write_stdin("점심시간 안내.wav\r\n\nsong.mp3\n")
        .output()
        .unwrap();
    assert!(res.status.success());
    let lines = json_lines(&res.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["input"], "점심시간 안내.wav");
    assert_eq!(lines[0]["output"], "jeomsimsigan_annae.wav");
    assert_eq!(lines[1]["output"], "song.wav");
}

#[test]
fn names_map_lists_every_converted_file() {
    let dir = tempdir();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    write_wav(&inp.join("안내, \"첫\" 인사.wav"), 8000, 1, &tone(8000, 0.05, 300.0));
    write_wav(&inp.join("b.wav"), 8000, 1, &tone(8000, 0.05, 300.0));
    fs::write(inp.join("broken.mp3"), b"no").unwrap();
    let out = dir.path().join("out");
    let csv = dir.path().join("map.csv");
    let json = dir.path().join("map.json");
    for map in [&csv, &json] {
        let res = promptwav()
            .args(["convert", "--force"])
            .arg(&inp)
            .arg("-o")
            .arg(&out)
            .arg("--names-map")
            .arg(map)
            .output()
            .unwrap();
        assert_eq!(res.status.code(), Some(1));
    }
    let text = fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // A byte-order mark first, so Excel on Korean Windows reads the names as UTF-8.
    assert_eq!(lines[0], "\u{feff}input,output");
    assert_eq!(lines.len(), 3, "{text}");
    // Input order: b.wav sorts before Hangul. A field with commas and quotes is quoted, with
    // its quotes doubled.
    assert!(lines[1].ends_with("b.wav"), "{text}");
    assert!(lines[2].starts_with('"') && lines[2].contains("\"\"첫\"\""), "{text}");
    assert!(lines[2].ends_with("annae_cheot_insa.wav"), "{text}");
    let list: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[1]["input"].as_str().unwrap().ends_with("안내, \"첫\" 인사.wav"));
    assert!(list[1]["output"].as_str().unwrap().ends_with("annae_cheot_insa.wav"));
}

#[test]
fn name_reads_names_from_stdin_as_bytes_cp949_among_them() {
    // `ls` of a folder extracted from a Windows ZIP: one name in CP949 bytes, one in UTF-8.
    let mut input = b"\xc0\xce\xbb\xe7\xb8\xbb.opus\n".to_vec();
    input.extend_from_slice("영업시간 안내.mp3\r\n".as_bytes());
    let out = promptwav().arg("name").write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "insamal.wav\nyeongeopsigan_annae.wav\n");
}

#[cfg(unix)]
#[test]
fn a_cp949_name_from_a_windows_zip_is_shown_as_read_and_marked() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // "인사말" in CP949 bytes, as unzip leaves a name from a ZIP made on Korean Windows.
    let name = std::ffi::OsStr::from_bytes(b"\xc0\xce\xbb\xe7\xb8\xbb.opus");
    std::fs::copy(fixture("formats/opus_48000_stereo.opus"), input.join(name)).unwrap();
    let map = dir.path().join("map.csv");
    let out = promptwav()
        .args(["convert", "--json", "-o"])
        .arg(dir.path().join("out"))
        .arg(&input)
        .arg("--names-map")
        .arg(&map)
        .output()
        .unwrap();
    let records = json_lines(&out.stdout);
    assert_eq!(records[0]["input_form"], "CP949", "{}", records[0]);
    assert!(records[0]["input"].as_str().unwrap().ends_with("in/인사말.opus"), "{}", records[0]);
    assert!(records[0]["output"].as_str().unwrap().ends_with("insamal.wav"), "{}", records[0]);
    let csv = std::fs::read_to_string(&map).unwrap();
    assert!(csv.contains("인사말.opus (CP949),"), "{csv}");
}
