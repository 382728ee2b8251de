//! A wire-protocol client that lies, for the attack tests against real `timed`
//! processes. It knows what any outsider can know (the network file, a node's
//! address and id) and holds a key of its own, none of the network's.
//!
//! It either claims someone else's id (and then cannot prove it), or proves its
//! own outsider id honestly and then lies with what it says on the link: that it
//! is a masternode, a height it does not have, blocks signed by the wrong keys.
//! Once linked it answers pings (before anything of its own it has queued), so
//! only its lies, never a dead link, can get it dropped.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use timecoin_shared::wire::{DisconnectReason, Handshake, NodeId, PROTOCOL_VERSION};
use timed::testing::net::MessageCodec;
use timed::testing::net::auth::{self, Role};
use timed::testing::net::channel::{self, Secure};
use timed::testing::wire::Message;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{Framed, FramedRead};

/// Longest wait for any one answer from the node under attack.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

pub(crate) type Conn = Framed<Secure<TcpStream>, MessageCodec>;

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
    let mut conn = channel::connect(stream).await.ok()?;
    let lie = hello(target, claimed, u64::MAX);
    conn.send(&Message::Handshake(lie.clone())).await.ok()?;
    let mut theirs = None;
    while let Some(msg) = next(&mut conn).await {
        match msg {
            Message::Handshake(hs) => theirs = Some(hs),
            Message::Proof { .. } => {
                let acceptor = theirs.as_ref()?;
                let bound = conn.get_ref().handshake_hash();
                let signature = auth::prove(key, Role::Dialer, &lie, acceptor, bound);
                conn.send(&Message::Proof { signature }).await.ok()?;
            }
            Message::Disconnect { reason } => return Some(reason),
            _ => {}
        }
    }
    None
}

/// A message as a frame's body.
fn encode(msg: &Message) -> Vec<u8> {
    serde_json::to_vec(msg).expect("a message encodes")
}

/// Why a node did not link: the reason it gave, or `None` when it only closed
/// (or never answered).
pub(crate) type Refused = Option<DisconnectReason>;

/// Dials `target` (from the loopback source address `from` when given) and
/// completes an honest handshake as `key`'s id; the framed connection, ready for
/// messages.
///
/// # Errors
/// The node refused the handshake or the link right after it.
pub(crate) async fn handshaken(
    target: &Target,
    key: &SigningKey,
    from: Option<IpAddr>,
) -> Result<Conn, Refused> {
    let stream = match from {
        Some(ip) => {
            let socket = TcpSocket::new_v4().map_err(|_| None)?;
            socket.bind(SocketAddr::new(ip, 0)).map_err(|_| None)?;
            socket.connect(target.addr).await.map_err(|_| None)?
        }
        None => TcpStream::connect(target.addr).await.map_err(|_| None)?,
    };
    let mut conn = channel::connect(stream).await.map_err(|_| None)?;
    let ours = hello(target, id_of(key), fastrand::u64(1..u64::MAX / 2));
    conn.send(&Message::Handshake(ours.clone()))
        .await
        .map_err(|_| None)?;
    let mut theirs = None;
    loop {
        match next(&mut conn).await {
            Some(Message::Ack { .. }) => {}
            Some(Message::Handshake(hs)) => theirs = Some(hs),
            Some(Message::Proof { .. }) => break,
            Some(Message::Disconnect { reason }) => return Err(Some(reason)),
            _ => return Err(None),
        }
    }
    let acceptor = theirs.ok_or(None)?;
    let bound = conn.get_ref().handshake_hash();
    let signature = auth::prove(key, Role::Dialer, &ours, &acceptor, bound);
    conn.send(&Message::Proof { signature })
        .await
        .map_err(|_| None)?;
    Ok(conn)
}

/// An outsider linked to a node under its own, proven id. Dropping it closes the
/// link.
pub(crate) struct Linked {
    pub(crate) id: NodeId,
    /// Frame bodies to send (encoded messages, or any bytes a test makes up),
    /// each with whom to tell once it is written.
    say: mpsc::UnboundedSender<(Vec<u8>, Option<oneshot::Sender<()>>)>,
    heard: mpsc::UnboundedReceiver<Message>,
    /// Ends when the node closes the link, with the reason it gave.
    reader: JoinHandle<Refused>,
    writer: JoinHandle<()>,
}

impl Linked {
    /// Completes an honest handshake as `key`'s id, then answers pings and
    /// keeps everything else it hears for [`Self::hear`].
    ///
    /// # Panics
    /// The node refuses the handshake or does not answer.
    pub(crate) async fn connect(target: &Target, key: &SigningKey) -> Linked {
        let conn = handshaken(target, key, None)
            .await
            .unwrap_or_else(|refused| panic!("refused: {refused:?}"));
        Linked::run(conn, id_of(key))
    }

    /// [`Self::connect`] from the loopback source address `from`; the reason
    /// the node gave if it refused the link.
    pub(crate) async fn connect_from(
        target: &Target,
        key: &SigningKey,
        from: IpAddr,
    ) -> Result<Linked, Refused> {
        let conn = handshaken(target, key, Some(from)).await?;
        Ok(Linked::run(conn, id_of(key)))
    }

    fn run(conn: Conn, id: NodeId) -> Linked {
        let (say, mut to_send) = mpsc::unbounded_channel();
        let (hears, heard) = mpsc::unbounded_channel();
        let (pongs, mut to_pong) = mpsc::unbounded_channel();
        // Reading and writing run apart, so a liar that floods the node still
        // reads what the node sends it (which the node waits on) and its pings.
        let parts = conn.into_parts();
        let (read, write) = tokio::io::split(parts.io);
        let mut stream = FramedRead::new(read, parts.codec);
        *stream.read_buffer_mut() = parts.read_buf;
        let mut sink = write;
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                match msg {
                    Message::Ping { nonce } => {
                        if pongs.send(nonce).is_err() {
                            return None;
                        }
                    }
                    Message::Disconnect { reason } => return Some(reason),
                    other => {
                        let _ = hears.send(other);
                    }
                }
            }
            None
        });
        let writer = tokio::spawn(async move {
            loop {
                // Pongs first: a long queue of its own messages must not make the
                // liar miss a ping.
                let (body, written) = tokio::select! {
                    biased;
                    Some(nonce) = to_pong.recv() => (encode(&Message::Pong { nonce }), None::<oneshot::Sender<()>>),
                    out = to_send.recv() => match out {
                        Some(out) => out,
                        None => return,
                    },
                };
                let head = u32::try_from(body.len())
                    .expect("a frame's length")
                    .to_be_bytes();
                let sent = async {
                    sink.write_all(&head).await?;
                    sink.write_all(&body).await?;
                    sink.flush().await
                };
                if sent.await.is_err() {
                    return;
                }
                if let Some(written) = written {
                    let _ = written.send(());
                }
            }
        });
        Linked {
            id,
            say,
            heard,
            reader,
            writer,
        }
    }

    /// The next message heard from the node (pings aside), waiting at most
    /// `within`; `None` if nothing came.
    pub(crate) async fn hear(&mut self, within: Duration) -> Option<Message> {
        tokio::time::timeout(within, self.heard.recv())
            .await
            .ok()
            .flatten()
    }

    /// Sends `msg` on the link.
    pub(crate) fn say(&self, msg: Message) {
        self.say_raw(encode(&msg));
    }

    /// Sends `msg` and waits until it is written (with all said before it);
    /// false if the link ended first.
    pub(crate) async fn say_written(&self, msg: Message) -> bool {
        self.say_raw_written(encode(&msg)).await
    }

    /// Sends `body` as one frame, whatever it holds.
    pub(crate) fn say_raw(&self, body: Vec<u8>) {
        let _ = self.say.send((body, None));
    }

    /// Sends `body` as one frame and waits until it is written (the node read
    /// enough of it); false if the link ended first.
    pub(crate) async fn say_raw_written(&self, body: Vec<u8>) -> bool {
        let (written, done) = oneshot::channel();
        self.say.send((body, Some(written))).is_ok() && done.await.is_ok()
    }

    /// Whether the node has closed the link (or said why it closes it).
    pub(crate) fn is_closed(&self) -> bool {
        self.reader.is_finished() || self.writer.is_finished()
    }

    /// Waits up to `within` for the node to close the link: `Some` with the
    /// reason it gave (itself `None` if it gave none), `None` if still open.
    pub(crate) async fn closed_within(&mut self, within: Duration) -> Option<Refused> {
        match tokio::time::timeout(within, &mut self.reader).await {
            Ok(ended) => Some(ended.ok().flatten()),
            Err(_) => None,
        }
    }
}

impl Drop for Linked {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}
