//! The rules every request passes before a route sees it, and the headers every response gets.
//!
//! Guarantees:
//! - On a loopback address, a request whose `Host` is not a loopback name (`localhost`,
//!   `127.x.x.x`, `[::1]`, with any port) is refused with 403: a web page on another site that
//!   rebinds its DNS name to 127.0.0.1 cannot reach the server.
//! - A state-changing request (any method but GET, HEAD, OPTIONS) whose `Origin` is not the
//!   server's own origin, or `null`, or whose `Sec-Fetch-Site` says `cross-site`, is refused
//!   with 403 (CSRF). Requests without `Origin` (curl, scripts) pass.
//! - With a token, every route but `/healthz` and the one-time `/login` link needs the token,
//!   as `Authorization: Bearer TOKEN` or the cookie the link sets; else 401. Tokens are
//!   compared in constant time. The one-time code works once.
//! - A declared body over `--max-upload` is answered 413 before any of it is read.
//! - Every response has a CSP allowing only the page's own origin, `nosniff`, no framing, no
//!   referrer; API responses are `no-store`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;

/// The cookie the one-time link sets.
pub const COOKIE: &str = "promptwav_token";

/// The CSP of every response: only the page's own origin, plus `blob:`/`data:` for the
/// players and the waveform pictures the page makes from results.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Whether `host` (a `Host` header: name or address, optional port) names this machine's
/// loopback.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:port
        match rest.split_once(']') {
            Some((inside, after)) if after.is_empty() || after.starts_with(':') => inside,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, port)) if port.bytes().all(|b| b.is_ascii_digit()) => n,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Equal, in time that depends only on the lengths.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn has_token(headers: &HeaderMap, token: &str) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same_secret(t.trim().as_bytes(), token.as_bytes()));
    bearer
        || cookie_value(headers, COOKIE)
            .is_some_and(|c| same_secret(c.as_bytes(), token.as_bytes()))
}

/// A plain-text refusal (JSON for the API, so scripts can read it).
pub fn refuse(status: StatusCode, why: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": why }))).into_response()
}

/// The request rules, then the response headers.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/") || req.uri().path() == "/login";
    let mut res = match check(&app, &req) {
        Some(refusal) => refusal,
        None => next.run(req).await,
    };
    if api {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    res
}

/// `Some(refusal)` when the request breaks a rule.
fn check(app: &App, req: &Request) -> Option<Response> {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if app.opts.listen.ip().is_loopback() && !is_loopback_host(host) {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "this server answers only to localhost names (Host header refused)",
        ));
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes {
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
        let foreign = headers.get(header::ORIGIN).is_some_and(|o| {
            let own_http = format!("http://{host}");
            let own_https = format!("https://{host}");
            let o = o.to_str().unwrap_or("null");
            host.is_empty() || (o != own_http && o != own_https)
        });
        if cross_site || foreign {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "request from another site refused (Origin does not match this server)",
            ));
        }
    }
    let path = req.uri().path();
    if let Some(token) = &app.opts.token
        && path != "/healthz"
        && path != "/login"
        && !has_token(headers, token)
    {
        return Some(refuse(
            StatusCode::UNAUTHORIZED,
            "this server needs its token: open the link it printed, or send \
             Authorization: Bearer TOKEN",
        ));
    }
    if path.starts_with("/api/") && *req.method() == Method::POST {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > app.opts.max_upload) {
            return Some(super::routes::too_large(app.opts.max_upload));
        }
    }
    None
}

/// `GET /login?code=CODE`: the one-time link. Sets the token cookie and sends the browser to
/// the page; the code then stops working.
pub async fn login(
    State(app): State<Arc<App>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let (Some(token), Some(code)) = (&app.opts.token, q.get("code")) else {
        return refuse(StatusCode::NOT_FOUND, "no such link");
    };
    let expected = app.login_code.lock().ok().and_then(|mut c| {
        let ok = c.as_deref().is_some_and(|c| same_secret(c.as_bytes(), code.as_bytes()));
        if ok { c.take() } else { None }
    });
    if expected.is_none() {
        return refuse(StatusCode::UNAUTHORIZED, "this link was used already or is wrong");
    }
    app.logins.fetch_add(1, Ordering::Relaxed);
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names() {
        for h in ["localhost", "localhost:4800", "127.0.0.1:1", "127.9.9.9", "[::1]:80", "[::1]"] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in ["", "evil.com", "evil.com:4800", "10.0.0.1", "[::2]:80", "127.0.0.1.evil.com"] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn secrets() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
