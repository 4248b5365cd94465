//! Korean messages (issue 12): `--lang ko`, `lang` in promptwav.toml and the locale
//! (`LC_ALL` > `LC_MESSAGES` > `LANG`) give Korean lines for convert and check; English stays
//! the default; `--json` is the same whatever the language.

use std::path::Path;

use crate::util::{fixture, promptwav, tempdir};

/// A folder `녹음` in `dir` with a good recording and a text file named as an MP3.
fn recordings(dir: &Path) {
    let folder = dir.join("녹음");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(fixture("formats/pcm_s16le_22050_mono.wav"), folder.join("영업시간 안내.wav"))
        .unwrap();
    std::fs::copy(fixture("broken/text.mp3"), folder.join("메모.mp3")).unwrap();
}

/// Runs promptwav in `dir` with `env` (the locale variables are cleared first) and `args`:
/// (exit code, stdout, stderr).
fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = promptwav();
    cmd.current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let res = cmd.args(args).output().unwrap();
    (
        res.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&res.stdout).into_owned(),
        String::from_utf8_lossy(&res.stderr).into_owned(),
    )
}

const KO: &[(&str, &str)] = &[("LANG", "ko_KR.UTF-8")];

fn assert_korean_convert(out: &str) {
    assert!(
        out.contains("변환    녹음/영업시간 안내.wav -> 업로드용/nogeum/yeongeopsigan_annae.wav"),
        "{out}"
    );
    assert!(out.contains("실패    녹음/메모.mp3: 오디오 파일이 아닙니다 ("), "{out}");
    assert!(out.ends_with("1개 변환, 1개 실패, 0개 건너뜀\n"), "{out}");
    assert!(!out.contains("converted") && !out.contains("failed"), "{out}");
}

#[test]
fn convert_speaks_korean_with_the_flag_or_the_locale() {
    for (env, flag) in [(&[][..], true), (KO, false)] {
        let dir = tempdir();
        recordings(dir.path());
        let mut args = vec!["convert", "녹음", "-o", "업로드용"];
        if flag {
            args.insert(0, "--lang");
            args.insert(1, "ko");
        }
        let (code, out, _) = run(dir.path(), env, &args);
        assert_eq!(code, 1, "{out}");
        assert_korean_convert(&out);

        // The rerun: the converted file is up to date.
        let (_, out, _) = run(dir.path(), env, &args);
        assert!(
            out.contains("건너뜀  녹음/영업시간 안내.wav -> ")
                && out.contains("yeongeopsigan_annae.wav: 이미 최신입니다"),
            "up to date in Korean: {out}"
        );
        assert!(out.ends_with("0개 변환, 1개 실패, 1개 건너뜀\n"), "{out}");
    }
}

#[test]
fn english_is_the_default_and_the_flag_wins_over_the_locale() {
    for env in [&[][..], &[("LANG", "C")][..], &[("LANG", "ko_KR.UTF-8")][..]] {
        let dir = tempdir();
        recordings(dir.path());
        let mut args = vec!["convert", "녹음", "-o", "업로드용"];
        if !env.is_empty() {
            args.splice(0..0, ["--lang", "en"]);
        }
        let (_, out, _) = run(dir.path(), env, &args);
        assert!(
            out.contains(
                "converted 녹음/영업시간 안내.wav -> 업로드용/nogeum/yeongeopsigan_annae.wav"
            ),
            "{env:?}: {out}"
        );
        assert!(out.contains("failed    녹음/메모.mp3: "), "{out}");
        assert!(out.ends_with("1 converted, 1 failed, 0 skipped\n"), "{out}");
    }
}

#[test]
fn lc_all_wins_over_lc_messages_and_lang() {
    let cases: [(&[(&str, &str)], bool); 4] = [
        (&[("LC_ALL", "C"), ("LANG", "ko_KR.UTF-8")], false),
        (&[("LC_ALL", "ko_KR.UTF-8"), ("LANG", "C")], true),
        (&[("LC_MESSAGES", "ko_KR.UTF-8"), ("LANG", "en_US.UTF-8")], true),
        (&[("LC_ALL", "POSIX"), ("LC_MESSAGES", "ko_KR.UTF-8")], false),
    ];
    for (env, korean) in cases {
        let dir = tempdir();
        recordings(dir.path());
        let (_, out, _) = run(dir.path(), env, &["convert", "녹음", "-o", "업로드용"]);
        if korean {
            assert_korean_convert(&out);
        } else {
            assert!(out.ends_with("1 converted, 1 failed, 0 skipped\n"), "{env:?}: {out}");
        }
    }
}

#[test]
fn the_config_file_chooses_the_language_under_the_flag() {
    let dir = tempdir();
    recordings(dir.path());
    std::fs::write(dir.path().join("promptwav.toml"), "lang = \"ko\"\n").unwrap();
    let (_, out, _) = run(dir.path(), &[("LANG", "C")], &["convert", "녹음", "-o", "업로드용"]);
    assert_korean_convert(&out);
    let (_, out, _) = run(dir.path(), KO, &["--lang", "en", "check", "업로드용"]);
    assert!(out.contains("1 checked: 1 ok"), "{out}");
    std::fs::write(dir.path().join("promptwav.toml"), "lang = \"fr\"\n").unwrap();
    let (code, _, err) = run(dir.path(), &[], &["check", "업로드용"]);
    assert_eq!(code, 2, "an unknown language is an error: {err}");
    assert!(err.contains("lang"), "{err}");
}

#[test]
fn json_is_the_same_whatever_the_language() {
    let mut outputs = Vec::new();
    for (env, lang) in [(&[][..], None), (KO, None), (&[][..], Some("ko")), (KO, Some("en"))] {
        let dir = tempdir();
        recordings(dir.path());
        let mut args = vec!["convert", "--json", "녹음", "-o", "업로드용"];
        if let Some(l) = lang {
            args.splice(0..0, ["--lang", l]);
        }
        let (_, convert, _) = run(dir.path(), env, &args);
        let mut args = vec!["check", "--json", "녹음", "업로드용"];
        if let Some(l) = lang {
            args.splice(0..0, ["--lang", l]);
        }
        let (_, check, _) = run(dir.path(), env, &args);
        assert!(!convert.contains("변환") && !check.contains("실패"), "{convert}{check}");
        outputs.push((convert, check));
    }
    for o in &outputs[1..] {
        assert_eq!(o, &outputs[0]);
    }
    // The failure's kind is a stable code; a converted record has none (메모 sorts first).
    let records = crate::util::json_lines(outputs[0].0.as_bytes());
    let kinds: Vec<_> = records.iter().map(|r| r["error_kind"].clone()).collect();
    assert_eq!(kinds, [serde_json::json!("not_audio"), serde_json::Value::Null], "{records:?}");
}

#[test]
fn check_speaks_korean_problems_and_fixes() {
    let dir = tempdir();
    let wav = fixture("check/sample-rate.wav");
    let (code, out, _) = run(dir.path(), KO, &["check", wav.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.starts_with("실패  "), "{out}");
    assert!(
        out.contains(
            "오류 sample-rate: 샘플레이트가 44100 Hz입니다. 48000 Hz여야 합니다 → 실행하세요: \
             `promptwav convert "
        ),
        "{out}"
    );
    assert!(out.ends_with("1개 검사: 0개 통과, 1개 실패 (오류 1개, 경고 0개)\n"), "{out}");

    // A Korean name: the new name to give it, in Korean.
    let named = fixture("check/names/안내 멘트.wav");
    let (_, out, _) = run(dir.path(), &[], &["--lang", "ko", "check", named.to_str().unwrap()]);
    assert!(
        out.contains(
            "name-non-ascii: 파일 이름 \"안내 멘트.wav\"에 영문이 아닌 글자(한글 등)가 있습니다"
        ),
        "{out}"
    );
    assert!(
        out.contains("name-unsafe-chars: 파일 이름에 쓸 수 없는 문자가 있습니다: ' '"),
        "{out}"
    );
    assert!(out.contains("이름을 바꾸세요: annae_menteu.wav"), "{out}");

    // English by default.
    let (_, out, _) = run(dir.path(), &[], &["check", wav.to_str().unwrap()]);
    assert!(
        out.contains("error   sample-rate: sample rate 44100 Hz, needs 48000 Hz: run "),
        "{out}"
    );
    assert!(out.ends_with("1 checked: 0 ok, 1 failed (1 errors, 0 warnings)\n"), "{out}");
}

#[test]
fn the_errors_an_admin_meets_are_in_korean() {
    let dir = tempdir();
    std::fs::write(dir.path().join("업로드용"), "not a folder").unwrap();
    let (code, _, err) = run(dir.path(), KO, &["convert", "없는 파일.mp3", "-o", "업로드용"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "promptwav: 오류: 출력 폴더가 폴더가 아니라 파일입니다: 업로드용. -o에는 폴더를 지정하세요\n"
    );
    let (code, out, _) = run(dir.path(), KO, &["convert", "없는 파일.mp3", "-o", "결과"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("실패    없는 파일.mp3: 파일을 찾을 수 없습니다 (file not found)"),
        "{out}"
    );
    let (_, _, err) = run(dir.path(), &[], &["convert", "없는 파일.mp3", "-o", "업로드용"]);
    assert!(err.starts_with("promptwav: error: the output folder 업로드용 is a file"), "{err}");
}

#[test]
fn usage_errors_an_admin_meets_are_told_in_korean_by_their_kind() {
    let dir = tempdir();
    let input = fixture("formats/pcm_s16le_8000_mono.wav");
    let out = dir.path().join("out");
    let cases: [(&[&str], &str); 2] = [
        (&["--loudness", "5"], "옵션 값이 올바르지 않습니다"),
        (&["--names-map", "nowhere/map.csv"], "찾을 수 없습니다"),
    ];
    for (args, korean) in cases {
        let run = |lang: &str| {
            promptwav()
                .current_dir(dir.path())
                .args(["--lang", lang, "convert"])
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .args(args)
                .output()
                .unwrap()
        };
        let ko = run("ko");
        assert_eq!(ko.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8_lossy(&ko.stderr);
        assert!(text.contains(korean), "{args:?}: {text}");
        let en = String::from_utf8_lossy(&run("en").stderr).to_string();
        assert!(!en.contains(korean) && en.contains("error:"), "{args:?}: {en}");
    }
}
