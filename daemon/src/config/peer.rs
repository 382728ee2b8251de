//! A configured peer: an address to dial, and optionally the node id expected
//! there (`ID@IP:port`, in `--peer` and in the file's `peers`). The dialer then
//! refuses whatever else answers at that address, before proving its own id.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use timecoin_shared::wire::NodeId;

/// `IP:port`, or `ID@IP:port` with the 64-hex-digit id expected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr {
    pub addr: SocketAddr,
    pub id: Option<NodeId>,
}

impl FromStr for PeerAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (id, addr) = match s.split_once('@') {
            Some((id, addr)) => {
                let id = id
                    .parse::<NodeId>()
                    .map_err(|e| format!("`{id}` before `@` is not a node id: {e}"))?;
                (Some(id), addr)
            }
            None => (None, s),
        };
        let addr = addr
            .parse()
            .map_err(|_| format!("`{addr}` is not an IP:port address"))?;
        Ok(PeerAddr { addr, id })
    }
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) => write!(f, "{id}@{}", self.addr),
            None => write!(f, "{}", self.addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_with_or_without_the_id_expected_there() {
        let plain: PeerAddr = "127.0.0.1:24100".parse().expect("address");
        assert_eq!(plain.id, None);
        let id = "ab".repeat(32);
        let with: PeerAddr = format!("{id}@127.0.0.1:24100").parse().expect("id@address");
        assert_eq!(with.id, Some(NodeId([0xab; 32])));
        assert_eq!(with.addr, plain.addr);
        assert_eq!(with.to_string(), format!("{id}@127.0.0.1:24100"));
        let err = "xyz@127.0.0.1:1".parse::<PeerAddr>().expect_err("bad id");
        assert!(err.contains("`xyz` before `@` is not a node id"), "{err}");
        let err = format!("{id}@nowhere")
            .parse::<PeerAddr>()
            .expect_err("bad addr");
        assert!(err.contains("`nowhere` is not an IP:port"), "{err}");
    }
}
