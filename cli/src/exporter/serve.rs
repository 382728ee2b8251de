//! `GET /metrics` over HTTP: the last rendered text, copied out of a watch
//! channel (a reference count, not the bytes), so a scrape never waits for an
//! evaluation and never starts one. Served under [`EXPORTER_LIMITS`]: the
//! listen address may be open to a network, and a stranger's idle or
//! half-sent connections must not take the slots Prometheus scrapes through.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::exposition::CONTENT_TYPE;
use crate::constants::EXPORTER_LIMITS;

/// Serves `/metrics` on `listener` until `stop` fires, then lets the answers
/// under way finish.
///
/// # Errors
/// The listener failed.
pub(super) async fn serve(
    listener: TcpListener,
    latest: watch::Receiver<Bytes>,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(latest);
    timecoin_http::serve(listener, app, EXPORTER_LIMITS, stop).await
}

async fn metrics(State(latest): State<watch::Receiver<Bytes>>) -> impl IntoResponse {
    let body = latest.borrow().clone();
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body)
}
