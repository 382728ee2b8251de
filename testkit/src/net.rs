//! Loopback addresses for tests: all of 127.0.0.0/8 is loopback on Linux, so a
//! random address gives each test its own ports and concurrent runs never
//! collide. 127.0.0.0/24 is left to the sshd fixture.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

/// A random loopback address outside 127.0.0.0/24, never ending in .0 or .255.
pub fn random_ip() -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(0..=255),
        fastrand::u8(1..=254),
    )
}

/// A port free on `ip` now (checked by binding it; on a random address a race
/// with another run is practically impossible).
pub fn free_addr(ip: Ipv4Addr) -> SocketAddr {
    loop {
        let addr = SocketAddr::from((ip, fastrand::u16(20_000..60_000)));
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
}

/// A port the kernel calls free on 127.0.0.1 now; nothing listens on it once
/// this returns (a port for "nobody is there" tests).
///
/// # Panics
/// Binding 127.0.0.1 fails.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A slow link in front of a TCP server: each connection made to
/// [`SlowLink::addr`] reaches `target` only after `delay`, then carries bytes
/// both ways unchanged. What a far-away host looks like to a handshake (its
/// banner comes late), on loopback. Stops accepting when dropped; connections
/// already through run until either end closes.
pub struct SlowLink {
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SlowLink {
    /// A link to `target` on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// Binding 127.0.0.1 fails.
    pub fn start(target: SocketAddr, delay: std::time::Duration) -> SlowLink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                let Ok(client) = client else { continue };
                std::thread::spawn(move || relay_after(client, target, delay));
            }
        });
        SlowLink { addr, stop }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

/// Waits `delay` (the link's latency), then copies between `client` and a
/// new connection to `target` until either side closes.
fn relay_after(client: std::net::TcpStream, target: SocketAddr, delay: std::time::Duration) {
    std::thread::sleep(delay);
    let Ok(server) = std::net::TcpStream::connect(target) else {
        return;
    };
    let (Ok(mut client_read), Ok(mut server_write)) = (client.try_clone(), server.try_clone())
    else {
        return;
    };
    let upstream = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut server_write);
        let _ = server_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut server_read, mut client_write) = (server, client);
    let _ = std::io::copy(&mut server_read, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Write);
    let _ = upstream.join();
}
