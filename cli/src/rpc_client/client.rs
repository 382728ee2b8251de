//! [`RpcClient`]: one node's RPC over HTTP, opened through a tunnel or at its
//! URL, sending requests and turning every answer into JSON or an [`RpcError`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use timecoin_shared::fleet::{Node, RpcAccess, RpcAuth};

use super::cookie::read_cookie;
use super::settings::SettingsError;
use super::{RpcError, tls};
use crate::constants::{RPC_POOL_IDLE, RPC_TIMEOUT};
use crate::notice::Notices;
use crate::remote::{Forward, Remote};

/// An RPC client for one node. Holds its port forward open while it lives.
#[derive(Debug)]
pub struct RpcClient {
    node: String,
    base: String,
    /// Where the RPC is, as the operator knows it (not the local forward's port).
    target: String,
    http: reqwest::Client,
    /// Basic auth `(user, password)`.
    credentials: Option<(String, String)>,
    _forward: Option<Forward>,
}

impl RpcClient {
    /// Opens the node's RPC: a forward over `remote` for `tunnel`, else its URL;
    /// a cookie file is read over `remote`. A certificate trusted on first use
    /// is told to `notices`.
    ///
    /// # Errors
    /// A tunnel or cookie without a connection, the forward could not be set
    /// up, the cookie could not be read, the trust file is unusable, or the
    /// HTTP client could not be built.
    pub(crate) async fn open(
        node: &Node,
        remote: Option<&Remote>,
        notices: &Notices,
    ) -> Result<Self, RpcError> {
        let tunnel_target = format!("{}:{} (tunnel)", node.rpc_host, node.rpc_port);
        let (base, target, forward) = match (&node.rpc, remote) {
            (RpcAccess::Url(url), _) => (url.trim_end_matches('/').to_owned(), url.clone(), None),
            (RpcAccess::Tunnel, Some(remote)) => {
                let forward = remote.forward(&node.rpc_host, node.rpc_port).await?;
                (
                    format!("http://{}", forward.local_addr()),
                    tunnel_target,
                    Some(forward),
                )
            }
            (RpcAccess::Tunnel, None) => {
                return Err(RpcError::Unreachable {
                    node: node.name.clone(),
                    target: tunnel_target,
                    reason: "a tunnel needs a connection to the node".into(),
                });
            }
        };
        let settings = |source: SettingsError| RpcError::Settings {
            node: node.name.clone(),
            target: target.clone(),
            source,
        };
        let credentials = match &node.rpc_auth {
            None => None,
            Some(RpcAuth::Password { user, password }) => Some((user.clone(), password.clone())),
            Some(RpcAuth::Cookie { path }) => {
                let remote = remote.ok_or_else(|| settings(SettingsError::CookieNeedsRemote))?;
                Some(read_cookie(remote, path).await.map_err(settings)?)
            }
        };
        let mut builder = reqwest::Client::builder()
            .timeout(RPC_TIMEOUT)
            .connect_timeout(RPC_TIMEOUT)
            .pool_idle_timeout(RPC_POOL_IDLE)
            .no_proxy();
        let config = tls::client_config(&node.rpc_tls, &node.name, notices)
            .await
            .map_err(settings)?;
        if let Some(config) = config {
            builder = builder.tls_backend_preconfigured(config);
        }
        let http = builder
            .build()
            .map_err(|e| settings(SettingsError::Http(e)))?;
        Ok(RpcClient {
            node: node.name.clone(),
            base,
            target,
            http,
            credentials,
            _forward: forward,
        })
    }

    /// The node's name in the fleet file.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Where the RPC is, as the operator knows it.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// `GET path`, its JSON body as `T`.
    ///
    /// # Errors
    /// Unreachable, timed out, an error status, or a body of the wrong shape.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, RpcError> {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request, path).await
    }

    /// `GET path`, its body as text (`/metrics` speaks Prometheus, not JSON).
    ///
    /// # Errors
    /// As [`RpcClient::get`]; a body that is not UTF-8 is of the wrong shape.
    pub async fn get_text(&self, path: &str) -> Result<String, RpcError> {
        let request = self.http.get(format!("{}{path}", self.base));
        let response = self.answer(request, path).await?;
        response.text().await.map_err(|e| self.body_error(&e, path))
    }

    /// `POST path` with a JSON body, its JSON answer as `T`.
    ///
    /// # Errors
    /// As [`RpcClient::get`].
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, RpcError> {
        let request = self.http.post(format!("{}{path}", self.base)).json(body);
        self.send(request, path).await
    }

    /// Sends `request` and reads its JSON answer.
    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<T, RpcError> {
        let response = self.answer(request, path).await?;
        response.json().await.map_err(|e| self.body_error(&e, path))
    }

    /// Sends `request` and takes its answer when its status is a success.
    /// Every request this client makes reads state (`GET`, or a JSON-RPC
    /// query), so one whose pooled connection the daemon closed as it went out
    /// is sent once more, on a new connection: that race is the pool's, not
    /// the daemon's.
    async fn answer(
        &self,
        mut request: reqwest::RequestBuilder,
        path: &str,
    ) -> Result<reqwest::Response, RpcError> {
        let target = || with_path(&self.target, path);
        if let Some((user, password)) = &self.credentials {
            request = request.basic_auth(user, Some(password));
        }
        let again = request.try_clone();
        let sent = match (request.send().await, again) {
            (Err(e), Some(again)) if closed_before_answer(&e) => again.send().await,
            (sent, _) => sent,
        };
        let response = sent.map_err(|e| RpcError::Unreachable {
            node: self.node.clone(),
            target: target(),
            reason: describe(&e),
        })?;
        let status = response.status();
        match status.as_u16() {
            401 => {
                return Err(RpcError::Unauthorized {
                    node: self.node.clone(),
                    target: target(),
                    sent: self.credentials.is_some(),
                });
            }
            429 => {
                return Err(RpcError::RateLimited {
                    node: self.node.clone(),
                    target: target(),
                });
            }
            _ => {}
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(RpcError::Status {
                node: self.node.clone(),
                target: target(),
                status: status.as_u16(),
                body: body.trim().to_owned(),
            });
        }
        Ok(response)
    }

    /// A body that did not arrive whole, or did not decode.
    fn body_error(&self, e: &reqwest::Error, path: &str) -> RpcError {
        let reason = describe(e);
        let target = with_path(&self.target, path);
        if e.is_decode() {
            RpcError::Shape {
                node: self.node.clone(),
                target,
                reason,
            }
        } else {
            RpcError::Unreachable {
                node: self.node.clone(),
                target,
                reason,
            }
        }
    }
}

/// Where a request went, as the operator knows it: the RPC's place, and the
/// path when it says something (JSON-RPC posts to `/`).
fn with_path(target: &str, path: &str) -> String {
    match path {
        "" | "/" => target.to_owned(),
        path => format!("{target} {path}"),
    }
}

/// Whether the connection closed before any answer came: a pooled connection
/// the server closed as the request went out, or (through a tunnel, whose
/// forward accepts for the node) a daemon that is not there.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cause {
        if err
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        cause = err.source();
    }
    false
}

/// The root cause: reqwest's outer layers repeat the URL, which here is a local
/// forward port the operator never chose.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("timed out after {}s", RPC_TIMEOUT.as_secs());
    }
    if closed_before_answer(e) {
        return "the connection closed before an answer (is the daemon running, with its RPC there?)"
            .to_owned();
    }
    let mut root: &dyn std::error::Error = e;
    while let Some(cause) = root.source() {
        root = cause;
    }
    if e.is_decode() {
        return root.to_string();
    }
    format!("{root} (is the daemon running with its RPC there?)")
}

#[cfg(test)]
mod tests;
