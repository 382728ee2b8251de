//! What every request meets before its handler: an early 413 for a declared
//! body over the limit (refused on its `Content-Length`, before a byte of it is
//! read), the bearer token compared in constant time, and the request timeout.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{RpcState, error};

/// Largest request body read. Correctness: above the 64 KiB transaction limit
/// (which counts canonical bytes) so that the same object with whitespace or
/// escapes still reaches the precise size check and its clear error.
pub(super) const MAX_BODY: usize = 256 * 1024;

/// Checks one request, then runs it under the request timeout.
pub(super) async fn guard(
    State(state): State<Arc<RpcState>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(declared) = declared_length(request.headers())
        && declared > MAX_BODY as u64
    {
        return closing(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a body of {declared} bytes is over the {MAX_BODY}-byte limit"),
        ));
    }
    if let Some(token) = &state.token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !presented.is_some_and(|p| same_token(p, token)) {
            return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token");
        }
    }
    timed(state.request_timeout, next.run(request)).await
}

/// Runs `handling` for at most `limit`; a 408 (and the connection closed, since
/// the request may not have been read to its end) when it takes longer.
async fn timed(limit: Duration, handling: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(limit, handling).await {
        Ok(response) => response,
        Err(_) => closing(error(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request was not completed within {limit:?}"),
        )),
    }
}

/// The declared body length; `None` when there is none or it is not a number
/// (hyper refuses a malformed one itself).
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// `response`, asking for the connection to be closed after it: the body of the
/// request may be unread, and reading it is what the answer refuses.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Compares tokens in constant time. Correctness: both are hashed first, so the
/// time taken depends on neither the length of the real token nor how many of
/// its leading bytes a guess got right; the digests are then compared with
/// `subtle`, whose comparison the optimiser cannot turn into an early exit.
fn same_token(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.as_slice().ct_eq(b.as_slice()).into()
}

/// Whether a request's `Content-Type` says JSON: `application/json` or an
/// `application/*+json` type, with any parameters.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same_token("s3cret", "s3cret"));
        for other in ["", "s3cre", "s3cret ", "S3cret", "s3cret-and-more"] {
            assert!(!same_token(other, "s3cret"), "{other:?}");
        }
    }

    #[test]
    fn json_content_types() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/vnd.timecoin+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("application/jsonp"));
        assert!(!is_json(&HeaderMap::new()), "no content type at all");
    }

    #[test]
    fn declared_lengths() {
        let mut headers = HeaderMap::new();
        assert_eq!(declared_length(&headers), None);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("300000"));
        assert_eq!(declared_length(&headers), Some(300_000));
    }
}
