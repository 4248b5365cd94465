//! What an admin sees (issue 12): new names on screen, `name` as convert names, a readable
//! profile list, help that says what each command does and returns.

use std::fs;
use std::process::Command;

use crate::util::*;

fn stdout_of(args: &[&str]) -> (Option<i32>, String) {
    let res = promptwav().args(args).output().unwrap();
    (res.status.code(), String::from_utf8_lossy(&res.stdout).into_owned())
}

#[cfg(unix)]
#[test]
fn a_terminal_shows_every_new_name_above_the_bar() {
    if Command::new("script").arg("--version").output().is_err() {
        return; // util-linux's script emulates the terminal; it is on every Debian machine.
    }
    let dir = tempdir();
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let cmd = format!(
        "'{}' convert '{}' -o '{}'",
        bin.display(),
        fixture("prompts").display(),
        out.display()
    );
    let res = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    let screen = String::from_utf8_lossy(&res.stdout);
    for new in [
        "jeomsimsigan_annae.wav",
        "sangdamwon_yeongyeol_daegi.wav",
        "annaeeumseong_yeongeopsiganoe.wav",
        "jumal/jumal_annae.wav",
    ] {
        assert!(screen.contains(new), "{new} not shown: {screen}");
    }
    assert!(screen.contains("점심시간 안내.wav ->"), "the original name is shown: {screen}");
    assert!(screen.contains("5 converted, 0 failed, 0 skipped"), "{screen}");
}

#[test]
fn name_gives_the_name_convert_gives() {
    assert_eq!(stdout_of(&["name", "in/영업시간 안내.mp3"]).1, "yeongeopsigan_annae.wav\n");
    assert_eq!(
        stdout_of(&["name", "--with-folders", "in/영업시간 안내.mp3"]).1,
        "in/yeongeopsigan_annae.wav\n"
    );
    // The same as convert FILE -o DIR writes.
    let dir = tempdir();
    let input = dir.path().join("영업시간 안내.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    let out = dir.path().join("out");
    promptwav().arg("convert").arg(&input).arg("-o").arg(&out).assert().success();
    let (_, shown) = stdout_of(&["name", input.to_str().unwrap()]);
    assert_eq!(files_under(&out), vec![shown.trim_end().to_string()]);
}

#[test]
fn profiles_read_as_a_table_with_details_and_json() {
    let (code, table) = stdout_of(&["profiles"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("PROFILE"), "{table}");
    assert!(table.contains("channeltalk") && table.contains("WAV 16-bit PCM, 48 kHz, mono"));
    assert!(table.contains("< 5 min"), "Amazon's limit: {table}");
    // Amazon's "under 50 MB" (49,999,999 bytes) reads as it does, not as "<= 49 MB".
    assert!(table.contains("< 50 MB") && !table.contains("49 MB"), "{table}");
    assert!(table.contains("<= 25 MB"), "Genesys' limit: {table}");
    assert!(!table.contains("channel(s)") && !table.contains("promptwav issue"), "{table}");
    let (_, one) = stdout_of(&["profiles", "amazon-connect"]);
    assert!(one.contains("source:") && one.contains("u-law"), "{one}");
    let (_, json) = stdout_of(&["profiles", "--json"]);
    let all = json_lines(json.as_bytes());
    assert_eq!(all.len(), 7);
    assert_eq!(all[0]["name"], "channeltalk");
    assert_eq!(all[0]["sample_rate"], 48000);
    assert_eq!(promptwav().args(["profiles", "nope"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn help_says_every_exit_code_and_the_profiles() {
    let (_, top) = stdout_of(&["--help"]);
    for code in ["129, 130, 143", "141", "  2  usage"] {
        assert!(top.contains(code), "{code}: {top}");
    }
    let (_, check) = stdout_of(&["check", "--help"]);
    assert!(check.contains("promptwav check [OPTIONS] <INPUT>..."), "{check}");
    let (_, convert) = stdout_of(&["convert", "--help"]);
    assert!(convert.contains("amazon-connect: Amazon Connect"), "{convert}");
}

#[test]
fn an_output_folder_that_is_a_file_is_said_in_words() {
    let dir = tempdir();
    let afile = dir.path().join("afile");
    fs::write(&afile, b"x").unwrap();
    let input = dir.path().join("a.wav");
    write_wav(&input, 8000, 1, &tone(8000, 0.05, 300.0));
    let res = promptwav().arg("convert").arg(&input).arg("-o").arg(&afile).output().unwrap();
    assert_eq!(res.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(stderr.contains("is a file, not a folder") && !stderr.contains("os error"), "{stderr}");
}
