//! Command-line settings of the dev server (`arvak-dev-server --help`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Settings fixed at start-up. Some of them (rate limit, API key, minimum job time)
/// can be changed at run time through `POST /__faults`; these are the start values.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "arvak-dev-server",
    version,
    about = "Arvak-compatible gRPC + grpc-web server with a state-vector simulator, fault injection and a static file server",
    long_about = "Speaks the arvak.v1.ArvakService contract over native gRPC (HTTP/2) and grpc-web (HTTP/1.1, CORS) on one port.\n\
                  Control endpoints on the same port: GET /__stats, POST /__stats/reset, GET|POST|DELETE /__faults.\n\
                  Deliberately broken grpc-web answers for client tests under /__bad/<mode>/ (no-status, truncated, garbage, html, http-500).\n\
                  Gateway mode for a stock (native-gRPC-only) Arvak server: `arvak-dev-server gateway --help`."
)]
pub struct Settings {
    /// Listen address; port 0 picks a free port. The URL is printed on stdout when ready.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Serve this folder's files on the same port (playground, built npm package).
    #[arg(long)]
    pub www: Option<PathBuf>,

    /// Jobs created per second per client IP (SubmitJob and each job of SubmitBatch); 0 turns it off.
    #[arg(long, default_value_t = 100)]
    pub rate_limit: u32,

    /// Require this key in the `x-api-key` metadata of every call.
    #[arg(long)]
    pub api_key: Option<String>,

    /// Interval between WatchJob updates, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub watch_interval_ms: u64,

    /// Longest life of a WatchJob stream, in seconds; then it ends with DEADLINE_EXCEEDED (as upstream: 1 hour).
    #[arg(long, default_value_t = 3600)]
    pub watch_max_seconds: u64,

    /// Minimum time a job stays RUNNING, in milliseconds (to exercise waits and cancellation).
    #[arg(long, default_value_t = 0)]
    pub min_job_ms: u64,

    /// Seed for the simulator's sampling; the same seed and submission order give the same counts.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Allowed CORS origin (repeatable). Default: any http://localhost:* or http://127.0.0.1:* origin.
    #[arg(long = "allow-origin")]
    pub allow_origins: Vec<String>,

    /// Maximum number of non-terminal jobs; further submissions get RESOURCE_EXHAUSTED.
    #[arg(long, default_value_t = 100)]
    pub max_concurrent_jobs: usize,

    /// Maximum number of qubits a submitted circuit may declare (complexity limit).
    #[arg(long, default_value_t = 200)]
    pub max_circuit_qubits: usize,

    /// Maximum number of operations in a submitted circuit (complexity limit).
    #[arg(long, default_value_t = 50_000)]
    pub max_circuit_gates: usize,

    /// Jobs kept in memory; beyond this the oldest terminal job is evicted.
    #[arg(long, default_value_t = 10_000)]
    pub job_capacity: usize,

    /// Server-side bound on the time to answer a call, in seconds (→ CANCELLED "Timeout expired").
    #[arg(long, default_value_t = 60)]
    pub timeout_seconds: u64,

    /// Send `Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'` with static files.
    #[arg(long)]
    pub csp: bool,

    /// Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
    /// require-corp` with static files: their pages are cross-origin isolated, so `performance.now()`
    /// ticks every 5 µs instead of every 100 µs (the benchmarks' pages).
    #[arg(long)]
    pub isolated: bool,

    /// HTTPS (see `--tls`, `--cert`, `--key`).
    #[command(flatten)]
    pub tls: crate::tls::TlsArgs,
}

impl Settings {
    /// Settings with every default, listening on a free loopback port (for tests).
    pub fn for_tests() -> Self {
        let mut settings = Settings::parse_from(["arvak-dev-server"]);
        settings.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        settings.seed = Some(7);
        settings
    }
}
