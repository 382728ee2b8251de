//! The fleet as a Prometheus file-based service discovery list: one target
//! group per node, its daemon's `/metrics` address with `node` and `fleet`
//! labels, so the daemons' metrics and the exporter's name nodes alike.
//! Pure: the fleet in, the groups and what the operator must know out.

use std::net::IpAddr;

use serde::Serialize;
use timecoin_shared::fleet::{Fleet, Node, RpcAccess, Transport};

/// One `file_sd_configs` target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct TargetGroup {
    pub targets: Vec<String>,
    pub labels: Labels,
}

/// A group's labels. `__scheme__` and `__metrics_path__` are Prometheus's own,
/// set only when the RPC is not plain `http://host:port/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Labels {
    pub node: String,
    pub fleet: String,
    #[serde(rename = "__scheme__", skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(rename = "__metrics_path__", skip_serializing_if = "Option::is_none")]
    pub metrics_path: Option<String>,
}

/// Why a node's target may not be reachable as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Caveat {
    pub node: String,
    pub text: String,
}

/// The target groups of every node of `fleet`, in file order.
pub(crate) fn targets(fleet: &Fleet) -> (Vec<TargetGroup>, Vec<Caveat>) {
    let mut caveats = Vec::new();
    let groups = fleet
        .nodes
        .iter()
        .map(|node| group(&fleet.name, node, &mut caveats))
        .collect();
    (groups, caveats)
}

fn group(fleet: &str, node: &Node, caveats: &mut Vec<Caveat>) -> TargetGroup {
    let mut labels = Labels {
        node: node.name.clone(),
        fleet: fleet.to_owned(),
        scheme: None,
        metrics_path: None,
    };
    let target = match &node.rpc {
        RpcAccess::Url(url) => match reqwest::Url::parse(url) {
            Ok(url) => {
                if url.scheme() != "http" {
                    labels.scheme = Some(url.scheme().to_owned());
                }
                let path = url.path().trim_end_matches('/');
                if !path.is_empty() {
                    labels.metrics_path = Some(format!("{path}/metrics"));
                }
                let host = url.host_str().unwrap_or_default();
                address(host, url.port_or_known_default().unwrap_or(node.rpc_port))
            }
            // The fleet file's check refuses such URLs; were one here, say so.
            Err(e) => {
                caveats.push(Caveat {
                    node: node.name.clone(),
                    text: format!("rpc {url:?} is not a URL ({e}); its RPC port is used"),
                });
                address(&node.host, node.rpc_port)
            }
        },
        RpcAccess::Tunnel => {
            let loopback = node
                .rpc_host
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
                || node.rpc_host == "localhost";
            if node.transport == Transport::Ssh && loopback {
                caveats.push(Caveat {
                    node: node.name.clone(),
                    text: format!(
                        "its RPC is reached through an SSH tunnel to {}:{}; Prometheus scrapes {}:{} \
                         directly, so bind the daemon's rpc_bind there (it then asks for its token: \
                         see `authorization` in contrib/prometheus/prometheus.yml)",
                        node.rpc_host, node.rpc_port, node.host, node.rpc_port
                    ),
                });
                address(&node.host, node.rpc_port)
            } else {
                address(&node.rpc_host, node.rpc_port)
            }
        }
    };
    TargetGroup {
        targets: vec![target],
        labels,
    }
}

/// `host:port`, an IPv6 address in brackets.
fn address(host: &str, port: u16) -> String {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.contains(':') {
        format!("[{bare}]:{port}")
    } else {
        format!("{bare}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(nodes: &str) -> Fleet {
        let text = format!("[fleet]\nname = \"testnet\"\n{nodes}");
        timecoin_shared::fleet::parse(&text).expect("fleet")
    }

    #[test]
    fn each_node_is_a_group_at_the_address_prometheus_can_reach() {
        let f = fleet(
            "[[nodes]]\nname = \"local\"\nhost = \"127.0.0.1\"\ntransport = \"local\"\nrpc_host = \"127.0.0.2\"\nrpc_port = 9001\n\
             [[nodes]]\nname = \"url\"\nhost = \"10.0.0.9\"\nrpc = \"https://[2001:db8::1]:8443/timed/\"\n\
             [[nodes]]\nname = \"plain\"\nhost = \"10.0.0.8\"\nrpc = \"http://10.0.0.8\"\n\
             [[nodes]]\nname = \"wide\"\nhost = \"10.0.0.7\"\nrpc_host = \"10.0.0.7\"\n",
        );
        let (groups, caveats) = targets(&f);
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = groups
            .iter()
            .map(|g| {
                (
                    g.labels.node.as_str(),
                    g.targets[0].as_str(),
                    g.labels.scheme.as_deref(),
                    g.labels.metrics_path.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("local", "127.0.0.2:9001", None, None),
                (
                    "url",
                    "[2001:db8::1]:8443",
                    Some("https"),
                    Some("/timed/metrics")
                ),
                ("plain", "10.0.0.8:80", None, None),
                ("wide", "10.0.0.7:8332", None, None),
            ]
        );
        assert!(caveats.is_empty(), "{caveats:?}");
        assert!(groups.iter().all(|g| g.labels.fleet == "testnet"));
        let json = serde_json::to_value(&groups[1]).expect("json");
        assert_eq!(json["labels"]["__scheme__"], "https");
        assert!(
            serde_json::to_value(&groups[0]).expect("json")["labels"]
                .get("__scheme__")
                .is_none()
        );
    }

    #[test]
    fn a_tunnelled_loopback_rpc_is_named_as_a_caveat() {
        let f = fleet("[[nodes]]\nname = \"far\"\nhost = \"203.0.113.5\"\n");
        let (groups, caveats) = targets(&f);
        assert_eq!(groups[0].targets, ["203.0.113.5:8332"]);
        assert_eq!(caveats.len(), 1);
        assert_eq!(caveats[0].node, "far");
        assert!(caveats[0].text.contains("rpc_bind"), "{}", caveats[0].text);
    }
}
