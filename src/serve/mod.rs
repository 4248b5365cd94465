//! `promptwav serve`: the converter page and the HTTP API, on axum and tokio.
//!
//! Guarantees:
//! - Every conversion, check and name goes through [`engine`], which calls the library's public
//!   code paths, the same the command line calls.
//! - Nothing is stored: each upload lives in a private temporary folder removed when its
//!   request ends, including when the client goes away mid-upload or mid-conversion (the
//!   conversion is then cancelled). Nothing about uploads is logged.
//! - A non-loopback `--listen` without `--token` is refused unless `--no-auth` is given.
//! - At most `jobs` conversions or checks run at once; at most `jobs + queue` requests are
//!   admitted (uploading, waiting or converting); beyond that the answer is 503 with
//!   `Retry-After`, before the body is read.
//! - A body that stalls for [`ServeOptions::idle`] is dropped (408): a slow client cannot keep
//!   an admission slot for longer, and never holds a worker (workers start after the upload).
//! - SIGINT or SIGTERM: the listener closes at once, requests in flight get
//!   [`SHUTDOWN_GRACE`] to finish, then their conversions are cancelled and cleaned up; [`run`]
//!   returns [`Stopped::Clean`] (the binary exits 0), or [`Stopped::Forced`] (exit 1) if some
//!   request still had not ended a few seconds later.
//! - The page's assets are in the binary; nothing is fetched at run time.

pub mod engine;
mod routes;
pub mod security;
pub mod zip;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::profile::Profile;

/// The port `serve` tries first; when it is taken (and no port was asked for), the next free
/// one of the nine after it.
pub const DEFAULT_PORT: u16 = 4800;

/// `--max-upload` by default: 1 GiB, enough for an hour of 48 kHz 24-bit stereo WAV (1.04 GB).
pub const DEFAULT_MAX_UPLOAD: u64 = 1 << 30;

/// How long requests in flight may run on after SIGINT/SIGTERM before they are cancelled.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How the server is set up. `promptwav serve`'s flags map to this one to one.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// Whether the port may move to the next free one when it is taken (no port was given).
    pub port_fallback: bool,
    /// The profile preselected on the page and used by the API when none is asked.
    pub profile: &'static Profile,
    /// The largest body accepted, in bytes.
    pub max_upload: u64,
    /// Conversions and checks at once.
    pub jobs: usize,
    /// Requests admitted beyond `jobs` (waiting, or uploading).
    pub queue: usize,
    /// The token every request must carry (bearer or cookie).
    pub token: Option<String>,
    /// Listen on a non-loopback address without a token, knowingly.
    pub no_auth: bool,
    /// How long a request may stall while sending its headers or body.
    pub idle: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        ServeOptions {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
            port_fallback: true,
            profile: &crate::profile::CHANNELTALK,
            max_upload: DEFAULT_MAX_UPLOAD,
            jobs,
            queue: jobs * 4,
            token: None,
            no_auth: false,
            idle: Duration::from_secs(30),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A non-loopback address without `--token` or `--no-auth`.
    #[error(
        "{0} is reachable from other machines: give --token TOKEN (every request must carry it), \
         or --no-auth if a proxy in front already checks who may use it"
    )]
    NeedsToken(SocketAddr),
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {why}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        why: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the server: {0}")]
    Runtime(String),
    /// A bad option value.
    #[error("{0}")]
    Usage(String),
}

/// How the server ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Stopped by a signal; every request ended (finished or cancelled and cleaned up).
    Clean,
    /// Stopped by a signal; some request had not ended in time and was left.
    Forced,
}

/// The state every request sees.
#[derive(Debug)]
pub struct App {
    opts: ServeOptions,
    /// Conversions and checks running.
    workers: Arc<tokio::sync::Semaphore>,
    /// Requests admitted (uploading, waiting or converting).
    admitted: AtomicUsize,
    /// Cancel flags of the conversions in flight, for shutdown.
    running: Mutex<Vec<Weak<AtomicBool>>>,
    /// The one-time login code, until used.
    login_code: Mutex<Option<String>>,
    /// Logins made (for the tests' sake: the code works once).
    logins: AtomicUsize,
}

/// A random hexadecimal string of `bytes` bytes from the OS.
fn random_hex(bytes: usize) -> Result<String, ServeError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ServeError::Runtime(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Parses `--listen`: `HOST:PORT`, `HOST` (default port, next free one if taken), or `PORT`.
/// `localhost` is 127.0.0.1. Returns the address and whether the port may move.
pub fn parse_listen(text: &str) -> Result<(SocketAddr, bool), ServeError> {
    let text = text.trim();
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok((a, false));
    }
    if let Ok(port) = text.parse::<u16>() {
        return Ok((SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port), false));
    }
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok((SocketAddr::new(ip, DEFAULT_PORT), true));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h, Some(p)),
            Err(_) => return Err(ServeError::Usage(format!("bad port in --listen {text}"))),
        },
        None => (text, None),
    };
    if host.eq_ignore_ascii_case("localhost") {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        return Ok((SocketAddr::new(ip, port.unwrap_or(DEFAULT_PORT)), port.is_none()));
    }
    Err(ServeError::Usage(format!(
        "--listen wants an address like 127.0.0.1:4800, 0.0.0.0:8080, [::1]:4800 or a port, not {text:?}"
    )))
}

/// Parses a size: bytes, or with K, M, G (powers of 1024; `KB`, `MiB`... accepted).
pub fn parse_size(text: &str) -> Result<u64, ServeError> {
    let t = text.trim().to_ascii_lowercase();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n.parse().map_err(|_| ServeError::Usage(format!("bad size {text:?}")))?;
    let k = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(ServeError::Usage(format!("bad size {text:?}: use bytes, K, M or G"))),
    };
    n.checked_mul(k)
        .filter(|&v| v > 0)
        .ok_or_else(|| ServeError::Usage(format!("bad size {text:?}")))
}

/// What [`run`] prints when it listens: the page's URL, and the one-time link with a token.
#[derive(Debug, Clone)]
pub struct Started {
    /// `http://ADDR:PORT/`.
    pub url: String,
    /// The one-time link that sets the token cookie, with a token.
    pub login: Option<String>,
}

/// Runs the server until SIGINT or SIGTERM. `on_start` is called once it listens.
pub fn run(opts: ServeOptions, on_start: impl FnOnce(&Started)) -> Result<Stopped, ServeError> {
    if !opts.listen.ip().is_loopback() && opts.token.is_none() && !opts.no_auth {
        return Err(ServeError::NeedsToken(opts.listen));
    }
    if opts.jobs == 0 {
        return Err(ServeError::Usage("--jobs must be at least 1".into()));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(opts.jobs + 8)
        .build()
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    rt.block_on(serve(opts, on_start))
}

async fn bind(opts: &ServeOptions) -> Result<tokio::net::TcpListener, ServeError> {
    let tries = if opts.port_fallback { 10 } else { 1 };
    let mut last = String::new();
    for i in 0..tries {
        let mut addr = opts.listen;
        addr.set_port(opts.listen.port().saturating_add(i));
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) => last = e.to_string(),
        }
    }
    Err(ServeError::Listen { addr: opts.listen, why: last })
}

async fn serve(opts: ServeOptions, on_start: impl FnOnce(&Started)) -> Result<Stopped, ServeError> {
    let listener = bind(&opts).await?;
    let stop = stop_signal();
    let addr = listener.local_addr().map_err(|e| ServeError::Runtime(e.to_string()))?;
    let login_code = match opts.token {
        Some(_) => Some(random_hex(16)?),
        None => None,
    };
    let shown_host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{shown_host}:{}/", addr.port());
    let started =
        Started { login: login_code.as_ref().map(|c| format!("{url}login?code={c}")), url };
    let app = Arc::new(App {
        workers: Arc::new(tokio::sync::Semaphore::new(opts.jobs)),
        admitted: AtomicUsize::new(0),
        running: Mutex::new(Vec::new()),
        login_code: Mutex::new(login_code),
        logins: AtomicUsize::new(0),
        opts,
    });
    on_start(&started);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let router = routes::router(app.clone());
    let server = tokio::spawn(async move {
        let mut rx = stop_rx;
        let shutdown = async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        axum::serve(listener, router).with_graceful_shutdown(shutdown).await
    });
    stop.await;
    let _ = stop_tx.send(true);
    let mut server = server;
    if tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await.is_ok() {
        return Ok(Stopped::Clean);
    }
    // Still running: cancel every conversion; each cleans up and its request ends.
    if let Ok(list) = app.running.lock() {
        for flag in list.iter().filter_map(Weak::upgrade) {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    match tokio::time::timeout(Duration::from_secs(3), &mut server).await {
        Ok(_) => Ok(Stopped::Clean),
        Err(_) => Ok(Stopped::Forced),
    }
}

/// Arms SIGINT and SIGTERM now and returns what resolves on either (Ctrl-C / Ctrl-Break
/// elsewhere). Armed before the server answers anything: a signal that came between the first
/// answer and the arming would take its default action and kill the process uncleanly.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let armed = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()));
        async move {
            match armed {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {},
                        _ = term.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        let p = |t: &str| parse_listen(t).map(|(a, f)| (a.to_string(), f)).ok();
        assert_eq!(p("127.0.0.1:9"), Some(("127.0.0.1:9".into(), false)));
        assert_eq!(p("8080"), Some(("127.0.0.1:8080".into(), false)));
        assert_eq!(p("0.0.0.0"), Some(("0.0.0.0:4800".into(), true)));
        assert_eq!(p("localhost:7"), Some(("127.0.0.1:7".into(), false)));
        assert_eq!(p("[::1]:5"), Some(("[::1]:5".into(), false)));
        assert_eq!(p("example.com:80"), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024").ok(), Some(1024));
        assert_eq!(parse_size("2M").ok(), Some(2 << 20));
        assert_eq!(parse_size("1GiB").ok(), Some(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
