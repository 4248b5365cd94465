//! The routes: the page and its assets, and the API. Each handler parses, admits, receives the
//! upload, and hands the work to [`super::engine`] on a blocking thread.
//!
//! Guarantees:
//! - Bad parameters: 400 with `{"error": ...}`, before the body is read. Unknown parameters
//!   are bad parameters (a typo never silently converts with defaults).
//! - A file that cannot be converted: 422 with its record; never a 5xx for anything a client
//!   sends. 5xx only for the server's own trouble (503 busy or stopping, 507 disk full).
//! - `Content-Disposition` names are always safe ASCII names (`[A-Za-z0-9._-]`).
//! - A request's admission slot, worker and temporary folder are released when it ends,
//!   whichever way; a client that goes away cancels its conversion.

// An early answer is a `Response` handed straight back to axum, once per request: boxing it
// would only add an allocation.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::security::refuse;
use super::{App, engine};
use crate::finish::FinishOptions;
use crate::profile::Profile;

type Params = Query<Vec<(String, String)>>;

/// Every route, with the security layer around them.
pub fn router(app: Arc<App>) -> Router {
    let limit = usize::try_from(app.opts.max_upload).unwrap_or(usize::MAX);
    Router::new()
        .route("/", get(|| asset("index.html")))
        .route("/app.js", get(|| asset("app.js")))
        .route("/app.css", get(|| asset("app.css")))
        .route("/icon.svg", get(|| asset("icon.svg")))
        .route("/favicon.ico", get(|| asset("icon.svg")))
        .route("/healthz", get(healthz))
        .route("/login", get(super::security::login))
        .route("/api/profiles", get(profiles))
        .route("/api/name", get(name))
        .route("/api/names", post(names))
        .route("/api/convert", post(convert))
        .route("/api/check", post(check))
        .route("/api/zip", post(zip))
        .fallback(|| async { refuse(StatusCode::NOT_FOUND, "no such page") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(app.clone(), super::security::guard))
        .with_state(app)
}

/// An embedded asset.
async fn asset(name: &str) -> Response {
    let (body, kind): (&'static str, &str) = match name {
        "index.html" => (include_str!("assets/index.html"), "text/html; charset=utf-8"),
        "app.js" => (include_str!("assets/app.js"), "text/javascript; charset=utf-8"),
        "app.css" => (include_str!("assets/app.css"), "text/css; charset=utf-8"),
        _ => (include_str!("assets/icon.svg"), "image/svg+xml"),
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// 413, saying the limit.
pub fn too_large(max: u64) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the file is larger than this server accepts ({}); ask whoever runs it for a higher \
             --max-upload",
            crate::profile::human_bytes(max)
        ),
    )
}

fn busy(why: &str) -> Response {
    let mut r = refuse(StatusCode::SERVICE_UNAVAILABLE, why);
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    r
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
        .into_response()
}

async fn profiles(State(app): State<Arc<App>>) -> Response {
    axum::Json(serde_json::json!({
        "default": app.opts.profile.name,
        "max_upload": app.opts.max_upload,
        "finish": engine::finish_defaults(),
        "profiles": engine::profiles(),
    }))
    .into_response()
}

fn find_profile(
    name: Option<&str>,
    default: &'static Profile,
) -> Result<&'static Profile, Response> {
    match name {
        None => Ok(default),
        Some(n) => engine::profile(n).ok_or_else(|| {
            let known: Vec<&str> = crate::profile::PROFILES.iter().map(|p| p.name).collect();
            refuse(
                StatusCode::BAD_REQUEST,
                &format!("unknown profile '{n}'; known profiles: {}", known.join(", ")),
            )
        }),
    }
}

/// `GET /api/name?q=NAME[&profile=P]`: what `promptwav name --json` prints.
async fn name(State(app): State<Arc<App>>, Query(q): Params) -> Response {
    let mut input = None;
    let mut profile = None;
    for (k, v) in &q {
        match k.as_str() {
            "q" => input = Some(v.as_str()),
            "profile" => profile = Some(v.as_str()),
            _ => return refuse(StatusCode::BAD_REQUEST, &format!("unknown parameter '{k}'")),
        }
    }
    let Some(input) = input else {
        return refuse(StatusCode::BAD_REQUEST, "give the name as ?q=NAME");
    };
    let profile = match find_profile(profile, app.opts.profile) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let output = engine::name(input, profile);
    axum::Json(crate::schema::NamePair::new(input, &output)).into_response()
}

#[derive(serde::Deserialize)]
struct NamesBody {
    names: Vec<String>,
    profile: Option<String>,
}

/// `POST /api/names {"names": [...]}`: the names a batch of these gets, numbered as `convert`
/// numbers collisions, and whether each given name is already safe.
async fn names(State(app): State<Arc<App>>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<NamesBody>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, r#"send {"names": ["...", ...]}"#);
    };
    let profile = match find_profile(body.profile.as_deref(), app.opts.profile) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let out = engine::names(&body.names, profile);
    let list: Vec<serde_json::Value> = body
        .names
        .iter()
        .zip(out)
        .map(|(i, o)| serde_json::json!({ "input": i, "output": o, "safe": engine::is_safe_name(i) }))
        .collect();
    axum::Json(serde_json::json!({ "names": list })).into_response()
}

/// What a conversion or check request asked for.
struct Asked {
    profile: &'static Profile,
    finish: FinishOptions,
    strict: bool,
}

fn flag(k: &str, v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{k} wants 1 or 0, not '{v}'")),
    }
}

fn number(k: &str, v: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{k} wants a number, not '{v}'"))
}

/// The query of `/api/convert` (`check` = false) or `/api/check`, as `convert`'s and `check`'s
/// flags are.
fn parse_asked(
    q: &[(String, String)],
    default: &'static Profile,
    check: bool,
) -> Result<Asked, Response> {
    let bad = |why: String| refuse(StatusCode::BAD_REQUEST, &why);
    let mut profile = None;
    let mut finish = FinishOptions::default();
    let (mut trim, mut pad, mut threshold) = (false, None, None);
    let mut strict = false;
    for (k, v) in q {
        let (k, v) = (k.as_str(), v.as_str());
        match (k, check) {
            ("profile", _) => profile = Some(v),
            ("strict", true) => strict = flag(k, v).map_err(bad)?,
            ("loudness", false) => finish.loudness = Some(number(k, v).map_err(bad)?),
            ("true-peak", false) => finish.true_peak = Some(number(k, v).map_err(bad)?),
            ("trim-silence", false) => trim = flag(k, v).map_err(bad)?,
            ("trim-pad", false) => pad = Some(number(k, v).map_err(bad)?),
            ("trim-threshold", false) => threshold = Some(number(k, v).map_err(bad)?),
            ("fade", false) => finish.fade_ms = Some(number(k, v).map_err(bad)?),
            ("remove-dc", false) => finish.remove_dc = flag(k, v).map_err(bad)?,
            ("smart-downmix", false) => finish.smart_downmix = flag(k, v).map_err(bad)?,
            ("plain-downmix", false) => finish.smart_downmix = !flag(k, v).map_err(bad)?,
            _ => return Err(bad(format!("unknown parameter '{k}'"))),
        }
    }
    if !trim && (pad.is_some() || threshold.is_some()) {
        return Err(bad("trim-pad and trim-threshold need trim-silence=1".into()));
    }
    if trim {
        let (dp, dt) = engine::trim_defaults();
        finish.trim = Some(engine::trim(pad.unwrap_or(dp), threshold.unwrap_or(dt)));
    }
    engine::validate_finish(&finish).map_err(bad)?;
    Ok(Asked { profile: find_profile(profile, default)?, finish, strict })
}

/// A request admitted: counts against `jobs + queue` until dropped.
struct Admitted(Arc<App>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

fn admit(app: &Arc<App>) -> Result<Admitted, Response> {
    let limit = app.opts.jobs + app.opts.queue;
    if app.admitted.fetch_add(1, Ordering::SeqCst) >= limit {
        app.admitted.fetch_sub(1, Ordering::SeqCst);
        return Err(busy("the server is busy converting other files; try again in a moment"));
    }
    Ok(Admitted(app.clone()))
}

/// Sets a conversion's cancel flag when the request is dropped (the client went away).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The original name from `X-File-Name` (percent-encoded UTF-8).
fn file_name(headers: &HeaderMap) -> String {
    headers
        .get("x-file-name")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .map(|v| percent_decode_str(&v).decode_utf8_lossy().into_owned())
        .unwrap_or_default()
}

/// Streams the body into a new [`engine::Upload`], stopping at `--max-upload` (413) or when it
/// stalls (408).
async fn receive(app: &App, name: &str, body: Body) -> Result<engine::Upload, Response> {
    use std::io::Write;
    let (upload, mut file) = engine::Upload::create(name).map_err(|_| {
        refuse(StatusCode::INSUFFICIENT_STORAGE, "the server cannot write its temporary folder")
    })?;
    let mut body = body;
    let mut total: u64 = 0;
    loop {
        match tokio::time::timeout(app.opts.idle, body.frame()).await {
            Err(_) => return Err(refuse(StatusCode::REQUEST_TIMEOUT, "the upload stalled")),
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                return Err(refuse(StatusCode::BAD_REQUEST, "the upload broke off"));
            }
            Ok(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else { continue };
                total += data.len() as u64;
                if total > app.opts.max_upload {
                    return Err(too_large(app.opts.max_upload));
                }
                if file.write_all(&data).is_err() {
                    return Err(refuse(
                        StatusCode::INSUFFICIENT_STORAGE,
                        "the server's disk is full; try again later",
                    ));
                }
            }
        }
    }
    Ok(upload)
}

/// Runs `work` on a blocking thread holding a worker; the cancel flag is set if the request
/// goes away, and registered for shutdown.
async fn on_worker<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(Arc<AtomicBool>) -> T + Send + 'static,
) -> Result<T, Response> {
    let permit =
        app.workers.clone().acquire_owned().await.map_err(|_| busy("the server is stopping"))?;
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut list) = app.running.lock() {
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(&cancel));
    }
    let _guard = CancelOnDrop(cancel.clone());
    tokio::task::spawn_blocking(move || {
        let out = work(cancel);
        drop(permit);
        out
    })
    .await
    .map_err(|_| busy("the server is stopping"))
}

fn record_json(record: &impl serde::Serialize) -> String {
    serde_json::to_string(record).unwrap_or_else(|_| "{}".into())
}

/// `POST /api/convert`: the body converted.
async fn convert(
    State(app): State<Arc<App>>,
    Query(q): Params,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let asked = match parse_asked(&q, app.opts.profile, false) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let _admitted = match admit(&app) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let upload = match receive(&app, &file_name(&headers), body).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Asked { profile, finish, .. } = asked;
    let done =
        on_worker(&app, move |cancel| engine::convert(&upload, profile, finish, cancel)).await;
    match done {
        Err(r) => r,
        Ok(Ok(c)) => {
            let record = utf8_percent_encode(&record_json(&c.record), NON_ALPHANUMERIC).to_string();
            let mut res = (StatusCode::OK, c.bytes).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", c.name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            if let Ok(v) = HeaderValue::from_str(&record) {
                h.insert("x-promptwav-record", v);
            }
            res
        }
        Ok(Err(record)) if record.status == crate::batch::Status::Skipped => {
            busy("the server is stopping")
        }
        Ok(Err(record)) => (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(*record)).into_response(),
    }
}

/// `POST /api/check`: the check report of the body.
async fn check(
    State(app): State<Arc<App>>,
    Query(q): Params,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let asked = match parse_asked(&q, app.opts.profile, true) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let _admitted = match admit(&app) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let upload = match receive(&app, &file_name(&headers), body).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (profile, strict) = (asked.profile, asked.strict);
    match on_worker(&app, move |_| engine::check(&upload, profile, strict)).await {
        Err(r) => r,
        Ok(report) => axum::Json(report).into_response(),
    }
}

/// A CSV field, quoted when it needs it (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `POST /api/zip` (multipart: `file` parts named by the wanted names, each preceded by an
/// `input` part with its original name): one ZIP of the files under safe, distinct names, with
/// `names-map.csv` (UTF-8 with BOM, for Excel) inside.
async fn zip(State(app): State<Arc<App>>, mut form: Multipart) -> Response {
    let _admitted = match admit(&app) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut inputs: Vec<String> = Vec::new();
    let mut wanted: Vec<String> = Vec::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut pending_input: Option<String> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return refuse(e.status(), &format!("bad upload: {}", e.body_text())),
        };
        match field.name().unwrap_or_default() {
            "input" => match field.text().await {
                Ok(t) => pending_input = Some(t),
                Err(e) => return refuse(e.status(), &format!("bad upload: {}", e.body_text())),
            },
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) => {
                        inputs.push(pending_input.take().unwrap_or_else(|| name.clone()));
                        wanted.push(name);
                        files.push(b.to_vec());
                    }
                    Err(e) => return refuse(e.status(), &format!("bad upload: {}", e.body_text())),
                }
            }
            other => return refuse(StatusCode::BAD_REQUEST, &format!("unknown part '{other}'")),
        }
    }
    if files.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, "no file to put in the ZIP");
    }
    let mut safe = engine::names(&wanted, app.opts.profile);
    // Every name ends in the profile's extension, so none is names-map.csv.
    let mut map = String::from("\u{feff}input,output\r\n");
    for (i, o) in inputs.iter().zip(&safe) {
        map.push_str(&format!("{},{}\r\n", csv_field(i), csv_field(o)));
    }
    let mut entries: Vec<(String, Vec<u8>)> = safe.drain(..).zip(files).collect();
    entries.push(("names-map.csv".into(), map.into_bytes()));
    match super::zip::stored(&entries) {
        Err(e) => refuse(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string()),
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/zip"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"prompts.zip\""),
            ],
            bytes,
        )
            .into_response(),
    }
}
