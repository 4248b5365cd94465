//! `promptwav serve`: the real binary on a free loopback port, spoken to over raw HTTP/1.1 so
//! each test controls every byte (hostile Host headers, a body that never comes, a connection
//! cut mid-upload). Every server runs with its own TMPDIR, so "nothing is left" is checked by
//! listing it.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::util::{fixture, promptwav, tempdir};

struct Server {
    child: Child,
    addr: String,
    login: Option<String>,
    tmp: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Server {
    let tmp = tempdir();
    let bin = assert_cmd::cargo::cargo_bin("promptwav");
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| {
        panic!("no URL in {line:?}");
    });
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut login = None;
    if args.contains(&"--token") {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        login = l.split_whitespace().find(|w| w.contains("/login?code=")).map(String::from);
    }
    Server { child, addr, login, tmp }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

fn head_bytes(
    s: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    len: Option<usize>,
) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {}\r\n", s.addr));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(len) = len {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn read_response(mut stream: TcpStream) -> Resp {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
        panic!("no response: {:?}", String::from_utf8_lossy(&raw));
    });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..i]).trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[i + 2..i + 2 + n]);
            rest = &rest[i + 4 + n..];
        }
        body = out;
    }
    Resp { status, headers, body }
}

fn request(s: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let len = (method == "POST").then_some(body.len());
    let _ = stream.write_all(&head_bytes(s, method, path, headers, len));
    let _ = stream.write_all(body);
    read_response(stream)
}

fn get(s: &Server, path: &str) -> Resp {
    request(s, "GET", path, &[], &[])
}

fn enc(name: &str) -> String {
    name.bytes()
        .map(
            |b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            },
        )
        .collect()
}

fn post_file(s: &Server, path: &str, file: &Path) -> Resp {
    let name = enc(&file.file_name().unwrap().to_string_lossy());
    request(s, "POST", path, &[("X-File-Name", &name)], &fs::read(file).unwrap())
}

/// Everything left in the server's TMPDIR, waiting (bounded) for requests that are ending.
fn leftovers(s: &Server) -> Vec<PathBuf> {
    let mut left = Vec::new();
    for _ in 0..600 {
        left = fs::read_dir(s.tmp.path()).unwrap().flatten().map(|e| e.path()).collect();
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    left
}

fn cli_name(name: &str) -> String {
    let out = promptwav().args(["name", name]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn convert_gives_the_cli_bytes_name_and_record() {
    let s = start(&[]);
    let src = fixture("prompts/안내음성_영업시간외.mp3");
    let r = post_file(&s, "/api/convert", &src);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let safe = cli_name("안내음성_영업시간외.mp3");
    assert_eq!(r.header("content-type"), Some("audio/wav"));
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!("attachment; filename=\"{safe}\"")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-security-policy").unwrap().contains("default-src 'none'"));
    let record = r.header("x-promptwav-record").unwrap();
    let record: serde_json::Value =
        serde_json::from_str(&percent_encoding::percent_decode_str(record).decode_utf8_lossy())
            .unwrap();
    assert_eq!(record["status"], "converted");
    assert_eq!(record["input"], "안내음성_영업시간외.mp3");
    assert_eq!(record["output"], safe.as_str());
    assert_eq!(record["format"], "mp3");

    // The same bytes as `promptwav convert`.
    let dir = tempdir();
    let out = dir.path().join("out");
    promptwav().arg("convert").arg(&src).arg("-o").arg(&out).assert().success();
    assert_eq!(r.body, fs::read(out.join(&safe)).unwrap());
    let (spec, _) = crate::util::read_wav(&out.join(&safe));
    assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (48000, 1, 16));
    assert!(leftovers(&s).is_empty());
}

#[test]
fn convert_with_finishing_and_other_profiles() {
    let s = start(&[]);
    let body = fs::read(fixture("formats/pcm_s16le_44100_stereo.wav")).unwrap();
    let r = request(
        &s,
        "POST",
        "/api/convert?profile=asterisk&loudness=-19&trim-silence=1",
        &[("X-File-Name", "greeting%20one.wav")],
        &body,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let rec = percent_encoding::percent_decode_str(r.header("x-promptwav-record").unwrap())
        .decode_utf8_lossy()
        .into_owned();
    let rec: serde_json::Value = serde_json::from_str(&rec).unwrap();
    assert_eq!(rec["schema"], 1, "{rec}");
    assert!(rec["output_loudness_lufs"].as_f64().is_some(), "{rec}");
    assert!(rec["trimmed_start_s"].as_f64().is_some(), "{rec}");
    // The output's facts: the profile's format, the length of the file sent back.
    assert_eq!(rec["output_sample_rate_hz"], 8000, "{rec}");
    let frames = (r.body.len() - 44) / 2;
    let seconds = rec["output_duration_s"].as_f64().unwrap();
    assert!((seconds - frames as f64 / 8000.0).abs() < 0.001, "{seconds} s, {frames} frames");
    assert_eq!(rec["output_size_bytes"], r.body.len(), "{rec}");
    assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"greeting_one.wav\""));
    // Without a name, the fallback.
    let r = request(&s, "POST", "/api/convert", &[], &body);
    assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"audio.wav\""));
}

#[test]
fn unconvertible_files_are_422_with_their_record_and_bad_parameters_400() {
    let s = start(&[]);
    for broken in ["text.mp3", "empty.mp3", "truncated.wav", "random.wav"] {
        let r = post_file(&s, "/api/convert", &fixture(&format!("broken/{broken}")));
        assert_eq!(r.status, 422, "{broken}");
        let rec = r.json();
        assert_eq!(rec["status"], "failed");
        assert_eq!(rec["input"], broken);
        let why = rec["error"].as_str().unwrap();
        assert!(!why.is_empty() && !why.contains("promptwav-serve-"), "{why}");
    }
    let ok = fs::read(fixture("formats/pcm_s16le_8000_mono.wav")).unwrap();
    for q in [
        "profile=nope",
        "loudness=loud",
        "loudness=5",
        "colour=blue",
        "trim-pad=50",
        "trim-silence=maybe",
        "loudness=NaN",
    ] {
        let r = request(&s, "POST", &format!("/api/convert?{q}"), &[], &ok);
        assert_eq!(r.status, 400, "{q}");
        assert!(r.json()["error"].as_str().is_some());
    }
    assert_eq!(get(&s, "/api/nothing").status, 404);
    assert_eq!(request(&s, "POST", "/api/check?loudness=-16", &[], &ok).status, 400);
    assert!(leftovers(&s).is_empty());
}

#[test]
fn check_reports_as_the_cli_does() {
    let s = start(&[]);
    let r = post_file(&s, "/api/check", &fixture("formats/pcm_s16le_44100_stereo.wav"));
    assert_eq!(r.status, 200);
    let rep = r.json();
    assert_eq!(rep["schema"], 1);
    assert_eq!(rep["ok"], false);
    assert_eq!(rep["input"], "pcm_s16le_44100_stereo.wav");
    assert_eq!(rep["sample_rate_hz"], 44100);
    let codes: Vec<&str> =
        rep["problems"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    let cli = promptwav()
        .args(["check", "--json"])
        .arg(fixture("formats/pcm_s16le_44100_stereo.wav"))
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let cli_codes: Vec<&str> =
        cli["problems"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, cli_codes);
    assert!(!r.body.windows(16).any(|w| w == b"promptwav-serve-"), "temporary path shown");

    let r = post_file(&s, "/api/check", &fixture("check/ok.wav"));
    assert_eq!(r.json()["ok"], true, "{}", r.json());
    // The name is judged too: a Korean name fails Channel Talk.
    let body = fs::read(fixture("check/ok.wav")).unwrap();
    let r = request(&s, "POST", "/api/check", &[("X-File-Name", &enc("인사말.wav"))], &body);
    let rep = r.json();
    assert_eq!(rep["ok"], false);
    assert!(rep["problems"][0]["fix"].as_str().unwrap().contains(&cli_name("인사말.wav")), "{rep}");
    assert!(leftovers(&s).is_empty());
}

#[test]
fn names_profiles_and_health() {
    let s = start(&[]);
    let r = get(&s, &format!("/api/name?q={}", enc("점심시간 안내.wav")));
    assert_eq!(r.json()["output"], cli_name("점심시간 안내.wav").as_str());
    assert_eq!(r.json()["schema"], 1);
    assert_eq!(get(&s, "/api/name").status, 400);
    let r = request(
        &s,
        "POST",
        "/api/names",
        &[("Content-Type", "application/json")],
        r#"{"names": ["a.mp3", "A.wav", "ok.wav", "인사말.m4a"]}"#.as_bytes(),
    );
    let names: Vec<String> = r.json()["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["output"].as_str().unwrap().into())
        .collect();
    assert_eq!(names[..3], ["a.wav", "A-2.wav", "ok.wav"]);
    assert_eq!(r.json()["names"][2]["safe"], true);
    assert_eq!(r.json()["names"][3]["safe"], false);
    let p = get(&s, "/api/profiles").json();
    assert_eq!(p["default"], "channeltalk");
    assert!(
        p["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "amazon-connect" || p["name"] == "asterisk")
    );
    assert_eq!(get(&s, "/healthz").json()["status"], "ok");
    let page = get(&s, "/");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&page.body).contains("app.js"));
}

#[test]
fn zip_has_safe_distinct_names_and_a_bom_map() {
    let s = start(&[]);
    let wav = fs::read(fixture("formats/pcm_s16le_48000_mono.wav")).unwrap();
    let boundary = "XyZbOuNdArY";
    let mut body = Vec::new();
    for (input, name) in
        [("안내.mp3", "annae.wav"), ("annae.m4a", "annae.wav"), ("x.wav", "../../evil.wav")]
    {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\n{input}\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: audio/wav\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&wav);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = request(&s, "POST", "/api/zip", &[("Content-Type", &ct)], &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"prompts.zip\""));
    let dir = tempdir();
    let zip = dir.path().join("p.zip");
    fs::write(&zip, &r.body).unwrap();
    // An independent reader: python3's zipfile.
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print('\\n'.join(z.namelist()));sys.stdout.buffer.write(z.read('names-map.csv'))"])
        .arg(&zip)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "annae.wav\nannae-2.wav\nevil.wav\nnames-map.csv\n\u{feff}input,output\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("안내.mp3,annae.wav\r\nannae.m4a,annae-2.wav\r\nx.wav,evil.wav\r\n"),
        "{text}"
    );
}

#[test]
fn host_origin_and_token_rules() {
    let s = start(&[]);
    let ok = fs::read(fixture("formats/pcm_s16le_8000_mono.wav")).unwrap();
    // DNS rebinding: a foreign Host is refused, loopback names pass.
    for host in ["evil.example", "evil.example:4800", "192.168.1.2"] {
        assert_eq!(request(&s, "GET", "/", &[("Host", host)], &[]).status, 403, "{host}");
    }
    let port = s.addr.rsplit(':').next().unwrap().to_string();
    for host in [format!("localhost:{port}"), s.addr.clone()] {
        assert_eq!(request(&s, "GET", "/", &[("Host", &host)], &[]).status, 200, "{host}");
    }
    // CSRF: a foreign Origin cannot post; the page's own can; GET is not state-changing.
    let foreign = request(&s, "POST", "/api/convert", &[("Origin", "http://evil.example")], &ok);
    assert_eq!(foreign.status, 403);
    let null = request(&s, "POST", "/api/convert", &[("Origin", "null")], &ok);
    assert_eq!(null.status, 403);
    let site = request(&s, "POST", "/api/convert", &[("Sec-Fetch-Site", "cross-site")], &ok);
    assert_eq!(site.status, 403);
    let own = format!("http://{}", s.addr);
    assert_eq!(request(&s, "POST", "/api/convert", &[("Origin", &own)], &ok).status, 200);
    assert_eq!(
        request(&s, "GET", "/api/profiles", &[("Origin", "http://evil.example")], &[]).status,
        200
    );

    // A token: bearer or the one-time link's cookie.
    let t = start(&["--token", "s3cret-token"]);
    assert_eq!(get(&t, "/api/profiles").status, 401);
    assert_eq!(get(&t, "/").status, 401);
    assert_eq!(get(&t, "/healthz").status, 200);
    assert_eq!(
        request(&t, "GET", "/api/profiles", &[("Authorization", "Bearer wrong")], &[]).status,
        401
    );
    assert_eq!(
        request(&t, "GET", "/api/profiles", &[("Authorization", "Bearer s3cret-token")], &[])
            .status,
        200
    );
    let login = t.login.clone().unwrap();
    let path = &login[login.find("/login").unwrap()..];
    let r = get(&t, path);
    assert_eq!(r.status, 303);
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    assert!(r.header("set-cookie").unwrap().contains("HttpOnly"));
    assert_eq!(request(&t, "GET", "/", &[("Cookie", &cookie)], &[]).status, 200);
    assert_eq!(get(&t, path).status, 401, "the link works once");

    // Reachable from other machines: refused without a token, before listening.
    let out = promptwav().args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
}

#[test]
fn too_large_is_413_before_the_body_is_read() {
    let s = start(&["--max-upload", "64K"]);
    // Headers only: the body never comes, and the answer comes anyway.
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    stream
        .write_all(&head_bytes(
            &s,
            "POST",
            "/api/convert",
            &[("X-File-Name", "big.wav")],
            Some(2_000_000_000),
        ))
        .unwrap();
    let r = read_response(stream);
    assert_eq!(r.status, 413);
    assert!(
        r.json()["error"].as_str().unwrap().contains("64 KiB")
            || r.json()["error"].as_str().is_some()
    );
    // No length declared (chunked): stopped when the limit is passed.
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let mut req = head_bytes(&s, "POST", "/api/convert", &[("Transfer-Encoding", "chunked")], None);
    for _ in 0..20 {
        req.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
        req.extend_from_slice(&[0u8; 8192]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let _ = stream.write_all(&req);
    assert_eq!(read_response(stream).status, 413);
    assert!(leftovers(&s).is_empty());
}

#[test]
fn overload_is_503_with_retry_after_and_slots_come_back() {
    let s = start(&["--jobs", "1", "--queue", "0"]);
    let small = fs::read(fixture("broken/text.mp3")).unwrap();
    // One upload that stalls holds the only slot. Which of two connections the server admits
    // first is not ordered, so a held upload that lost the race is opened again.
    let mut busy = None;
    let mut held = None;
    for _ in 0..300 {
        let mut h = TcpStream::connect(&s.addr).unwrap();
        h.write_all(&head_bytes(&s, "POST", "/api/convert", &[], Some(100_000))).unwrap();
        h.write_all(&[0u8; 1000]).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        let r = request(&s, "POST", "/api/convert", &[], &small);
        if r.status == 503 {
            busy = Some(r);
            held = Some(h);
            break;
        }
        assert!(matches!(r.status, 422 | 503), "{}", r.status);
    }
    let busy = busy.expect("a 503 while the only slot is held");
    assert!(busy.header("retry-after").is_some());
    drop(held);
    let mut back = false;
    for _ in 0..200 {
        if request(&s, "POST", "/api/convert", &[], &small).status == 422 {
            back = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(back, "the slot came back");
    assert!(leftovers(&s).is_empty(), "the aborted upload left files");
}

#[test]
fn aborted_uploads_and_conversions_leave_nothing() {
    let s = start(&[]);
    // Cut mid-upload.
    for _ in 0..3 {
        let mut c = TcpStream::connect(&s.addr).unwrap();
        c.write_all(&head_bytes(
            &s,
            "POST",
            "/api/convert",
            &[("X-File-Name", "a.wav")],
            Some(1_000_000),
        ))
        .unwrap();
        c.write_all(&fs::read(fixture("formats/pcm_s16le_44100_stereo.wav")).unwrap()[..4096])
            .unwrap();
        drop(c);
    }
    assert!(leftovers(&s).is_empty());
    // Cut while converting a long file: the conversion is cancelled and cleaned up.
    let long = fs::read(fixture("limits/silence_192k_mono_300s.flac")).unwrap();
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.write_all(&head_bytes(
        &s,
        "POST",
        "/api/convert",
        &[("X-File-Name", "long.flac")],
        Some(long.len()),
    ))
    .unwrap();
    c.write_all(&long).unwrap();
    drop(c);
    assert!(leftovers(&s).is_empty());
    // Cut mid-check.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.write_all(&head_bytes(&s, "POST", "/api/check", &[], Some(long.len()))).unwrap();
    c.write_all(&long).unwrap();
    drop(c);
    assert!(leftovers(&s).is_empty());
    // And the server still converts.
    let r = post_file(&s, "/api/convert", &fixture("formats/pcm_s16le_8000_mono.wav"));
    assert_eq!(r.status, 200);
}

#[test]
fn mutated_fixtures_posted_never_give_5xx_or_a_stuck_worker() {
    let s = start(&["--jobs", "2"]);
    let mut sources: Vec<_> =
        fs::read_dir(fixture("formats")).unwrap().flatten().map(|e| e.path()).collect();
    sources.sort();
    let mut rng = crate::hostile::Rng(0x5EED_1234_ABCD_0001);
    let mut mutants = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let data = fs::read(src).unwrap();
        let other = fs::read(&sources[(i + 7) % sources.len()]).unwrap();
        let ext = src.extension().and_then(|e| e.to_str()).unwrap_or("bin").to_string();
        for (k, m) in crate::hostile::mutations(&data, &other, &mut rng).into_iter().enumerate() {
            mutants.push((format!("m{i:02}_{k}.{ext}"), m));
        }
    }
    assert!(mutants.len() >= 300);
    let statuses: Vec<(String, u16)> = std::thread::scope(|scope| {
        let chunks: Vec<_> = mutants.chunks(mutants.len().div_ceil(3)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let s = &s;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(name, data)| {
                            let path = if name.ends_with("_3.wav") {
                                "/api/check"
                            } else {
                                "/api/convert"
                            };
                            (
                                name.clone(),
                                request(s, "POST", path, &[("X-File-Name", name)], data).status,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    for (name, status) in &statuses {
        assert!(matches!(status, 200 | 422), "{name}: {status}");
    }
    assert!(statuses.iter().any(|(_, st)| *st == 200) && statuses.iter().any(|(_, st)| *st == 422));
    // Both workers are free: two conversions at once still complete.
    std::thread::scope(|scope| {
        let a = scope.spawn(|| {
            post_file(&s, "/api/convert", &fixture("formats/pcm_s16le_8000_mono.wav")).status
        });
        let b = scope.spawn(|| {
            post_file(&s, "/api/convert", &fixture("formats/mp3_vbr_22050_mono.mp3")).status
        });
        assert_eq!((a.join().unwrap(), b.join().unwrap()), (200, 200));
    });
    assert!(leftovers(&s).is_empty());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_cleanly_with_exit_0() {
    let mut s = start(&[]);
    assert_eq!(get(&s, "/healthz").status, 200);
    let pid = s.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = s.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(TcpStream::connect(&s.addr).is_err(), "still listening");
    assert!(leftovers(&s).is_empty());
}
