//! Where to connect locally to reach a port as a node sees it.
//!
//! For `ssh` that is a local TCP port spliced to the unix socket of an SSH
//! forward: we bind 127.0.0.1:0 ourselves (no port guessing, no collisions
//! between concurrent runs) and copy each accepted connection both ways. A
//! `local` node is this machine, so its address is reached as it is: no port,
//! no copy, nothing to stop.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_util::sync::{CancellationToken, DropGuard};

/// A forwarded port on 127.0.0.1 (the forward stops when this is dropped), or a
/// local node's own address.
#[derive(Debug)]
pub struct Forward {
    local_addr: SocketAddr,
    _stop: Option<DropGuard>,
}

impl Forward {
    /// `addr` as it is: a port on this machine needs no forward.
    pub(crate) fn direct(addr: SocketAddr) -> Forward {
        Forward {
            local_addr: addr,
            _stop: None,
        }
    }

    /// Where to connect locally.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

/// Serves a forward: `connect` opens the far side for each accepted connection,
/// `cleanup` runs once after the forward is dropped.
pub(crate) async fn serve<C, F, S, D>(connect: C, cleanup: D) -> io::Result<Forward>
where
    C: Fn() -> F + Send + Sync + 'static,
    F: Future<Output = io::Result<S>> + Send + 'static,
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    D: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let local_addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = token.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let Ok((mut inbound, _)) = accepted else {
                continue;
            };
            let far = connect();
            let token = token.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = far.await else {
                    return;
                };
                tokio::select! {
                    () = token.cancelled() => {}
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                }
            });
        }
        drop(listener);
        cleanup.await;
    });
    Ok(Forward {
        local_addr,
        _stop: Some(stop.drop_guard()),
    })
}
