//! `arvak-dev-server`: see `--help`.

use clap::Parser;
use tracing_subscriber::EnvFilter;

use arvak_dev_server::app;
use arvak_dev_server::config::Settings;
use arvak_dev_server::gateway::{self, GatewaySettings};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().collect();
    let gateway_mode = args.get(1).is_some_and(|a| a == "gateway");
    if gateway_mode {
        args.remove(1);
    }
    init_logs();
    if gateway_mode {
        let settings = GatewaySettings::parse_from(args);
        let upstream = settings.upstream.clone();
        let gateway = gateway::start(settings).await?;
        if let Some(spki) = &gateway.spki_sha256 {
            println!("arvak-dev-server certificate SPKI sha256: {spki}");
        }
        println!(
            "arvak-dev-server gateway listening on {} -> {upstream}",
            gateway.url()
        );
        tracing::info!(url = %gateway.url(), %upstream, "gateway ready");
        shutdown_signal().await;
        gateway.stop().await?;
        return Ok(());
    }
    let settings = Settings::parse_from(args);
    if settings.api_key.is_none() {
        tracing::warn!("no --api-key: the server accepts every caller");
    }
    let server = app::start(settings).await?;
    if let Some(spki) = &server.spki_sha256 {
        // For Chromium: --ignore-certificate-errors-spki-list=<this> trusts the certificate.
        println!("arvak-dev-server certificate SPKI sha256: {spki}");
    }
    // Tests and scripts wait for this exact line on stdout.
    println!("arvak-dev-server listening on {}", server.url());
    tracing::info!(url = %server.url(), "ready");
    server.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Concise logs on stderr; `RUST_LOG` overrides the level.
fn init_logs() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .compact()
        .init();
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
