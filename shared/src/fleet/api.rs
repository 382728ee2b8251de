//! Which daemon API a node speaks and how to get in: `api`, Basic auth from the
//! file or the node's cookie file, and how an `https` RPC's certificate is
//! trusted. Fleets running the upstream `time-masternode` daemon need all three;
//! ours needs none, so every key is optional and the defaults keep old files
//! meaning what they meant.
//!
//! Auth and TLS keys are taken as groups: a node that sets any key of a group
//! takes the whole group from its own table, so a node using a cookie is not
//! mixed with a `[defaults]` password.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::parse::{Parser, Table};
use super::{FleetError, NodeTable};
use crate::classify::EventKind;

/// The daemon API a node's RPC speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DaemonApi {
    /// Ours: `GET /consensus_info`, `/peers`, `/blocks/{height}`, `/health`.
    #[default]
    Timed,
    /// The upstream daemon's JSON-RPC 2.0 over POST.
    TimeMasternode,
}

impl DaemonApi {
    /// The word used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            DaemonApi::Timed => "timed",
            DaemonApi::TimeMasternode => "time-masternode",
        }
    }

    /// Why this daemon's journal cannot show `kind` at its default log level;
    /// `None` when it can. A check must not read "no such lines" as "none
    /// happened" where the daemon never writes them.
    pub fn silent_on(self, kind: EventKind) -> Option<&'static str> {
        match (self, kind) {
            (DaemonApi::TimeMasternode, EventKind::ConnectFailed) => {
                Some("time-masternode logs failed dials and their backoff only at debug level")
            }
            (DaemonApi::TimeMasternode, EventKind::HandshakeAckFailed) => {
                Some("time-masternode no longer logs handshake ACK failures")
            }
            _ => None,
        }
    }

    /// Why this daemon cannot show a masternode's equivocation; `None` when
    /// it counts the conflicting signed messages it catches (ours, in
    /// `/metrics`). Silence from a daemon that keeps no such evidence is not
    /// "no masternode equivocated".
    pub fn keeps_no_equivocation_evidence(self) -> Option<&'static str> {
        match self {
            DaemonApi::Timed => None,
            DaemonApi::TimeMasternode => Some(
                "time-masternode neither counts nor logs conflicting signed votes of one \
                 masternode: its RPC and journal hold no equivocation evidence",
            ),
        }
    }

    /// Why this daemon's RPC cannot tell which live connections the node holds;
    /// `None` when it lists them. Links judged from anything else (a registry
    /// of masternodes) would pass doubled sockets and fail live links.
    pub fn unlisted_links(self) -> Option<&'static str> {
        match self {
            DaemonApi::Timed => None,
            DaemonApi::TimeMasternode => Some(
                "time-masternode's getpeerinfo lists its masternode registry, not its \
                 connections, and getnetworkinfo only counts them",
            ),
        }
    }
}

/// HTTP Basic credentials for a node's RPC.
#[derive(Clone, PartialEq, Eq)]
pub enum RpcAuth {
    /// `rpc_user` and `rpc_password` from the fleet file.
    Password { user: String, password: String },
    /// `rpc_cookie`: the path of the daemon's `.cookie` file (`user:password`) on
    /// the node, read over its transport each time the RPC client is opened (the
    /// daemon writes a new one when it restarts).
    Cookie { path: String },
}

impl fmt::Debug for RpcAuth {
    /// Never prints the password: fleets are debug-printed in error reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcAuth::Password { user, .. } => write!(f, "Password {{ user: {user:?}, .. }}"),
            RpcAuth::Cookie { path } => write!(f, "Cookie {{ path: {path:?} }}"),
        }
    }
}

/// How the certificate of an `https` RPC is trusted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TlsTrust {
    /// The system's roots and the URL's host name, as any HTTPS client would.
    #[default]
    System,
    /// `rpc_fingerprint`: exactly the certificate with this SHA-256 (of its DER).
    Pinned([u8; 32]),
    /// `rpc_trust_file`: the fingerprint recorded in this local file; when the
    /// file does not exist yet, the first certificate seen is recorded there
    /// (and said so), and only that one is trusted afterwards.
    FirstUse { file: String },
}

/// Keys of the auth group.
const AUTH_KEYS: &[&str] = &["rpc_user", "rpc_password", "rpc_cookie"];
/// Keys of the TLS group.
const TLS_KEYS: &[&str] = &["rpc_fingerprint", "rpc_trust_file"];

/// A node's API settings, resolved.
pub(super) struct ApiSettings {
    pub api: DaemonApi,
    pub auth: Option<RpcAuth>,
    pub tls: TlsTrust,
}

impl Parser<'_> {
    /// Resolves `api` and the auth and TLS groups of one node against `[defaults]`.
    pub(super) fn api_settings(
        &self,
        node: &NodeTable,
        defaults: &NodeTable,
        rpc_text: &str,
        table: &Table<'_>,
        span: Range<usize>,
        ctx: &str,
    ) -> Result<ApiSettings, FleetError> {
        let at = |key: &str| table.get(key).map_or(span.clone(), Spanned::span);
        let api = node.api.or(defaults.api).unwrap_or_default();

        let auth_from = if AUTH_KEYS.iter().any(|k| table.get(*k).is_some()) {
            node
        } else {
            defaults
        };
        let auth = match (
            &auth_from.rpc_user,
            &auth_from.rpc_password,
            &auth_from.rpc_cookie,
        ) {
            (None, None, None) => None,
            (Some(user), Some(password), None) => Some(RpcAuth::Password {
                user: user.clone(),
                password: password.clone(),
            }),
            (None, None, Some(path)) if !path.trim().is_empty() => {
                Some(RpcAuth::Cookie { path: path.clone() })
            }
            (_, _, Some(_)) if auth_from.rpc_user.is_some() || auth_from.rpc_password.is_some() => {
                return Err(self.at(
                    at("rpc_cookie"),
                    format!("{ctx}give rpc_cookie or rpc_user and rpc_password, not both"),
                ));
            }
            (_, _, Some(_)) => {
                return Err(self.at(at("rpc_cookie"), format!("{ctx}rpc_cookie is empty")));
            }
            (Some(_), None, None) => {
                return Err(self.at(at("rpc_user"), format!("{ctx}rpc_user needs rpc_password")));
            }
            (None, Some(_), None) => {
                return Err(self.at(
                    at("rpc_password"),
                    format!("{ctx}rpc_password needs rpc_user"),
                ));
            }
        };

        let tls_from = if TLS_KEYS.iter().any(|k| table.get(*k).is_some()) {
            node
        } else {
            defaults
        };
        let tls = match (&tls_from.rpc_fingerprint, &tls_from.rpc_trust_file) {
            (None, None) => TlsTrust::System,
            (Some(text), None) => match parse_fingerprint(text) {
                Some(fingerprint) => TlsTrust::Pinned(fingerprint),
                None => {
                    return Err(self.at(
                        at("rpc_fingerprint"),
                        format!(
                            "{ctx}bad rpc_fingerprint {text:?}: expected the certificate's \
                             SHA-256 as 64 hex digits (colons allowed)"
                        ),
                    ));
                }
            },
            (None, Some(file)) if !file.trim().is_empty() => {
                TlsTrust::FirstUse { file: file.clone() }
            }
            (None, Some(_)) => {
                return Err(self.at(
                    at("rpc_trust_file"),
                    format!("{ctx}rpc_trust_file is empty"),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(self.at(
                    at("rpc_trust_file"),
                    format!("{ctx}give rpc_fingerprint or rpc_trust_file, not both"),
                ));
            }
        };
        let https = rpc_text.starts_with("https://");
        if tls != TlsTrust::System && !https {
            let key = if tls_from.rpc_fingerprint.is_some() {
                "rpc_fingerprint"
            } else {
                "rpc_trust_file"
            };
            return Err(self.at(
                at(key),
                format!(
                    "{ctx}{key} is for an https rpc URL; this node's rpc is plain HTTP \
                     (a tunnel is already encrypted by ssh)"
                ),
            ));
        }
        Ok(ApiSettings { api, auth, tls })
    }
}

/// A SHA-256 fingerprint as 64 hex digits, upper or lower case, colons allowed
/// (as `openssl x509 -fingerprint -sha256` prints it).
pub fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let digits: String = text.trim().chars().filter(|c| *c != ':').collect();
    let bytes = hex::decode(digits).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::super::{Node, parse};
    use super::*;

    fn one_node(keys: &str) -> Result<Node, FleetError> {
        let text =
            format!("[fleet]\nname = \"f\"\n[[nodes]]\nname = \"n\"\nhost = \"h\"\n{keys}\n");
        parse(&text).map(|fleet| fleet.nodes[0].clone())
    }

    const PIN: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    #[test]
    fn old_files_keep_our_api_without_auth_or_pinning() {
        let node = one_node("").expect("parse");
        assert_eq!(node.api, DaemonApi::Timed);
        assert_eq!(node.rpc_auth, None);
        assert_eq!(node.rpc_tls, TlsTrust::System);
    }

    #[test]
    fn upstream_api_with_a_password_and_a_pinned_certificate() {
        let keys = format!(
            "api = \"time-masternode\"\nrpc = \"https://10.0.0.5:24101\"\n\
             rpc_user = \"u\"\nrpc_password = \"p\"\nrpc_fingerprint = \"{PIN}\""
        );
        let node = one_node(&keys).expect("parse");
        assert_eq!(node.api, DaemonApi::TimeMasternode);
        assert_eq!(
            node.rpc_auth,
            Some(RpcAuth::Password {
                user: "u".into(),
                password: "p".into()
            })
        );
        let TlsTrust::Pinned(fp) = node.rpc_tls else {
            panic!("not pinned: {:?}", node.rpc_tls);
        };
        assert_eq!(hex::encode(fp), PIN.replace(':', "").to_lowercase());
        assert!(!format!("{:?}", node.rpc_auth).contains("\"p\""));
    }

    #[test]
    fn a_node_takes_the_auth_group_whole_from_its_own_table() {
        let text = "[fleet]\nname = \"f\"\n[defaults]\napi = \"time-masternode\"\n\
                    rpc_user = \"u\"\nrpc_password = \"p\"\n\
                    [[nodes]]\nname = \"a\"\nhost = \"h\"\n\
                    [[nodes]]\nname = \"b\"\nhost = \"h\"\nrpc_cookie = \"/var/lib/t/.cookie\"\n";
        let fleet = parse(text).expect("parse");
        assert_eq!(fleet.nodes[0].api, DaemonApi::TimeMasternode);
        assert!(matches!(
            fleet.nodes[0].rpc_auth,
            Some(RpcAuth::Password { .. })
        ));
        assert_eq!(
            fleet.nodes[1].rpc_auth,
            Some(RpcAuth::Cookie {
                path: "/var/lib/t/.cookie".into()
            })
        );
    }

    #[test]
    fn bad_settings_are_refused_at_their_line() {
        for (keys, wanted) in [
            ("api = \"bitcoind\"", "unknown variant"),
            ("rpc_user = \"u\"", "rpc_user needs rpc_password"),
            ("rpc_password = \"p\"", "rpc_password needs rpc_user"),
            (
                "rpc_user = \"u\"\nrpc_password = \"p\"\nrpc_cookie = \"/c\"",
                "not both",
            ),
            (
                "rpc = \"https://h:1\"\nrpc_fingerprint = \"abcd\"",
                "64 hex digits",
            ),
            ("rpc_fingerprint = \"00\"", "64 hex digits"),
            ("rpc_trust_file = \"/tmp/pin\"", "is for an https rpc URL"),
            (
                "rpc = \"https://h:1\"\nrpc_trust_file = \"/t\"\nrpc_fingerprint = \"00\"",
                "not both",
            ),
        ] {
            let err = one_node(keys).expect_err(keys);
            assert!(err.message.contains(wanted), "{keys}: {err}");
            assert!(err.line.is_some_and(|l| l >= 6), "{keys}: {err}");
        }
    }

    #[test]
    fn trust_on_first_use_needs_https() {
        let node = one_node("rpc = \"https://h:1\"\nrpc_trust_file = \"pins/h\"").expect("parse");
        assert_eq!(
            node.rpc_tls,
            TlsTrust::FirstUse {
                file: "pins/h".into()
            }
        );
    }
}
