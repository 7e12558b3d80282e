//! Free TCP ports on 127.0.0.1 for clients that cannot pick their own port
//! and report it (aria2, Transmission).
//!
//! The race: a port found free here can be taken by another process before
//! the client binds it. To make that unlikely the port is drawn at random
//! below the kernel's ephemeral range (where outgoing connections take their
//! local ports) and checked by binding it; clients that can choose port 0
//! and print it (btt, the libtorrent script) never go through here.

use std::net::{Ipv4Addr, TcpListener};

/// Ports below the default ephemeral range (32768–60999).
const RANGE: std::ops::Range<u16> = 20_000..32_000;

/// A port on 127.0.0.1 that was free a moment ago (see the module comment).
pub fn free_port() -> u16 {
    for _ in 0..200 {
        let port = RANGE.start + (rand::random::<u16>() % (RANGE.end - RANGE.start));
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 in {RANGE:?}");
}
