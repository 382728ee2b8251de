//! A wire-protocol client that lies, for the attack tests against real `timed`
//! processes. It knows what any outsider can know (the network file, a node's
//! address and id) and holds a key of its own, none of the network's.
//!
//! It either claims someone else's id (and then cannot prove it), or proves its
//! own outsider id honestly and then lies with what it says on the link: that it
//! is a masternode, a height it does not have, blocks signed by the wrong keys.
//! Once linked it answers pings, so only its lies, never a dead link, can get it
//! dropped.

use std::net::SocketAddr;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use timecoin_shared::wire::{DisconnectReason, Handshake, Message, NodeId, PROTOCOL_VERSION};
use timed::net::auth::{self, Role};
use timed::net::codec::MessageCodec;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

/// Longest wait for any one answer from the node under attack.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

type Conn = Framed<TcpStream, MessageCodec>;

/// What a liar knows about the network it attacks.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) addr: SocketAddr,
    pub(crate) network: String,
    pub(crate) network_hash: String,
}

/// A fresh random outsider key.
pub(crate) fn outsider() -> SigningKey {
    let mut secret = [0u8; 32];
    fastrand::fill(&mut secret);
    SigningKey::from_bytes(&secret)
}

/// The id of `key`.
pub(crate) fn id_of(key: &SigningKey) -> NodeId {
    NodeId(key.verifying_key().to_bytes())
}

fn hello(target: &Target, claimed: NodeId, session: u64) -> Handshake {
    Handshake {
        network: target.network.clone(),
        protocol_version: PROTOCOL_VERSION,
        node_id: claimed,
        listen_port: 1,
        masternode: true,
        best_height: 0,
        software: "liar/1".into(),
        session,
        network_hash: target.network_hash.clone(),
        nonce: auth::fresh_nonce().expect("randomness"),
    }
}

async fn next(conn: &mut Conn) -> Option<Message> {
    match tokio::time::timeout(ANSWER_WITHIN, conn.next()).await {
        Ok(Some(Ok(msg))) => Some(msg),
        _ => None,
    }
}

/// Dials `target` claiming to be `claimed` with the highest session there is,
/// signs the challenge with `key`, and returns the reason the node gave for
/// refusing (`None` if it never said one).
pub(crate) async fn impersonate(
    target: &Target,
    claimed: NodeId,
    key: &SigningKey,
) -> Option<DisconnectReason> {
    let stream = TcpStream::connect(target.addr).await.ok()?;
    let mut conn = Framed::new(stream, MessageCodec::default());
    let lie = hello(target, claimed, u64::MAX);
    conn.send(&Message::Handshake(lie.clone())).await.ok()?;
    let mut theirs = None;
    while let Some(msg) = next(&mut conn).await {
        match msg {
            Message::Handshake(hs) => theirs = Some(hs),
            Message::Proof { .. } => {
                let acceptor = theirs.as_ref()?;
                let signature = auth::prove(key, Role::Dialer, &lie, acceptor);
                conn.send(&Message::Proof { signature }).await.ok()?;
            }
            Message::Disconnect { reason } => return Some(reason),
            _ => {}
        }
    }
    None
}

/// An outsider linked to a node under its own, proven id. Dropping it closes the
/// link.
pub(crate) struct Linked {
    pub(crate) id: NodeId,
    say: mpsc::UnboundedSender<Message>,
    task: JoinHandle<()>,
}

impl Linked {
    /// Completes an honest handshake as `key`'s id, then answers pings and
    /// ignores everything else it hears.
    ///
    /// # Panics
    /// The node refuses the handshake or does not answer.
    pub(crate) async fn connect(target: &Target, key: &SigningKey) -> Linked {
        let stream = TcpStream::connect(target.addr).await.expect("connect");
        let mut conn = Framed::new(stream, MessageCodec::default());
        let ours = hello(target, id_of(key), fastrand::u64(1..u64::MAX / 2));
        conn.send(&Message::Handshake(ours.clone()))
            .await
            .expect("send handshake");
        let mut theirs = None;
        loop {
            match next(&mut conn).await.expect("handshake answer") {
                Message::Ack { .. } => {}
                Message::Handshake(hs) => theirs = Some(hs),
                Message::Proof { .. } => break,
                other => panic!("refused: {other:?}"),
            }
        }
        let acceptor = theirs.expect("the node's handshake");
        let signature = auth::prove(key, Role::Dialer, &ours, &acceptor);
        conn.send(&Message::Proof { signature })
            .await
            .expect("send proof");
        let (say, mut to_send) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    msg = conn.next() => match msg {
                        Some(Ok(Message::Ping { nonce })) => {
                            if conn.send(&Message::Pong { nonce }).await.is_err() {
                                return;
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                    out = to_send.recv() => match out {
                        Some(msg) => {
                            if conn.send(&msg).await.is_err() {
                                return;
                            }
                        }
                        None => return,
                    },
                }
            }
        });
        Linked {
            id: id_of(key),
            say,
            task,
        }
    }

    /// Sends `msg` on the link.
    pub(crate) fn say(&self, msg: Message) {
        let _ = self.say.send(msg);
    }

    /// Whether the node has closed the link (or said why it closes it).
    pub(crate) fn is_closed(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for Linked {
    fn drop(&mut self) {
        self.task.abort();
    }
}
