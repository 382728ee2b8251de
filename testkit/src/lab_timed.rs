//! What a lab host needs to run `timed` under systemd, written once for every
//! lab user (the deploy end-to-end test, the chaos run): the network file that
//! lists the hosts' keys as masternodes, and the service unit.

/// The P2P port every lab daemon listens on, at its host's address.
pub const P2P_PORT: u16 = 24100;

/// A network definition with `ids` as its masternodes and a genesis of now.
pub fn network_file(
    name: &str,
    ids: &[String],
    min_masternodes: usize,
    block_interval: &str,
) -> String {
    let listed: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    let genesis = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    format!(
        "name = \"{name}\"\nmasternodes = [{}]\nmin_masternodes = {min_masternodes}\n\
         block_interval = \"{block_interval}\"\ngenesis = \"{genesis}\"\n",
        listed.join(", ")
    )
}

/// Where a lab daemon finds its parts on its host.
pub struct Daemon<'a> {
    /// The `timed` binary.
    pub binary: &'a str,
    pub network_file: &'a str,
    pub data_dir: &'a str,
    /// The host's own address (it listens there).
    pub ip: String,
    /// The other hosts' addresses (it dials them).
    pub peers: Vec<String>,
    /// More `[Service]` lines (restart policy, environment), each ending in `\n`.
    pub service: &'a str,
}

/// The `timed.service` unit of a lab host: a masternode with its RPC on the
/// host's loopback, logging to the journal as `timed`.
pub fn unit(d: &Daemon<'_>) -> String {
    let peers: Vec<String> = d
        .peers
        .iter()
        .map(|p| format!("--peer {p}:{P2P_PORT}"))
        .collect();
    format!(
        "[Unit]\nDescription=timed (lab)\n[Service]\nExecStart={} --network-file {} \
         --listen {}:{P2P_PORT} --rpc-bind 127.0.0.1:8332 --data-dir {} --masternode {}\n\
         {}SyslogIdentifier=timed\n[Install]\nWantedBy=multi-user.target\n",
        d.binary,
        d.network_file,
        d.ip,
        d.data_dir,
        peers.join(" "),
        d.service
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_dials_every_peer_and_carries_the_extra_service_lines() {
        let text = unit(&Daemon {
            binary: "/srv/timed",
            network_file: "/etc/net.toml",
            data_dir: "/var/lib/timed",
            ip: "10.77.0.1".into(),
            peers: vec!["10.77.0.2".into(), "10.77.0.3".into()],
            service: "Restart=on-failure\n",
        });
        assert!(text.contains(
            "ExecStart=/srv/timed --network-file /etc/net.toml --listen 10.77.0.1:24100 \
             --rpc-bind 127.0.0.1:8332 --data-dir /var/lib/timed --masternode \
             --peer 10.77.0.2:24100 --peer 10.77.0.3:24100\nRestart=on-failure\nSyslogIdentifier=timed\n"
        ));
        let net = network_file("lab", &["ab".into(), "cd".into()], 3, "2s");
        assert!(net.starts_with("name = \"lab\"\nmasternodes = [\"ab\", \"cd\"]\nmin_masternodes = 3\nblock_interval = \"2s\"\n"));
    }
}
