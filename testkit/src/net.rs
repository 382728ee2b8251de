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
