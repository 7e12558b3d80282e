//! The network flags of `btt-get` and `btt-seed run` (`PeerArgs`, `DhtArgs`):
//! how a torrent finds and accepts peers, and the [`Client`](crate::swarm::Client) options they make.

use crate::cli::values::parse_socket_addr;
use crate::config::{worker_threads, Dirs};
use crate::dht::bootstrap::parse_bootstrap_node;
use crate::dht::DhtError;
use crate::metainfo::Torrent;
use crate::output::Output;
use crate::peer::{generate_peer_id, EncryptionPolicy};
use crate::swarm::client::{ClientOptions, DhtSettings, TorrentOptions};
use crate::swarm::{ChokerFactory, UtpMode};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How a torrent finds and accepts peers (`btt-get`, `btt-seed run`).
#[derive(Debug, Clone, clap::Args)]
pub struct PeerArgs {
    /// Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)
    #[arg(long = "peer", value_name = "ADDR", value_parser = parse_socket_addr)]
    pub peers: Vec<SocketAddr>,
    /// Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next
    /// free one, on every IPv4 and every IPv6 address]
    #[arg(long, value_name = "ADDR", value_parser = parse_socket_addr)]
    pub listen: Option<SocketAddr>,
    /// Do not announce to the torrent's trackers
    #[arg(long)]
    pub no_tracker: bool,
    /// The most peers connected at once, per torrent
    #[arg(long, value_name = "N", default_value_t = 80)]
    pub max_peers: usize,
    /// The most peer connections of the whole process, over every torrent
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to
    /// plain, and accepts both; `require` refuses plain peers; `off` speaks plain only
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = Encryption::Prefer)]
    pub encryption: Encryption,
    /// uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP
    /// only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port
    #[arg(long, value_name = "MODE", value_enum, default_value_t = Utp::On)]
    pub utp: Utp,
    #[command(flatten)]
    pub dht: DhtArgs,
}

/// The values of `--utp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Utp {
    /// TCP and uTP, both ways
    On,
    /// TCP only
    Off,
    /// uTP only
    Only,
}

impl From<Utp> for UtpMode {
    fn from(utp: Utp) -> UtpMode {
        match utp {
            Utp::On => UtpMode::On,
            Utp::Off => UtpMode::Off,
            Utp::Only => UtpMode::Only,
        }
    }
}

/// The values of `--encryption`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encryption {
    /// RC4-encrypted connections only
    Require,
    /// Encrypted when the peer can, else plain
    Prefer,
    /// Plain BitTorrent only
    Off,
}

impl From<Encryption> for EncryptionPolicy {
    fn from(encryption: Encryption) -> EncryptionPolicy {
        match encryption {
            Encryption::Require => EncryptionPolicy::Require,
            Encryption::Prefer => EncryptionPolicy::Prefer,
            Encryption::Off => EncryptionPolicy::Off,
        }
    }
}

impl PeerArgs {
    /// The options of the process's client, with its process-wide limits.
    pub fn client_options(
        &self,
        upload_limit: Option<u64>,
        download_limit: Option<u64>,
    ) -> ClientOptions {
        ClientOptions {
            listen: self.listen,
            peer_id: generate_peer_id(),
            upload_limit,
            download_limit,
            max_connections: self.max_connections,
            hash_threads: worker_threads(),
            encryption: self.encryption.into(),
            utp: self.utp.into(),
        }
    }

    /// A torrent's options with this command line's peers, recording
    /// verified pieces in `resume_path`; no limit of its own, not
    /// sequential, tit-for-tat and the built-in extensions only.
    pub fn torrent_options(&self, resume_path: PathBuf) -> TorrentOptions {
        TorrentOptions {
            peers: self.peers.clone(),
            found_peers: Vec::new(),
            use_trackers: !self.no_tracker,
            max_peers: self.max_peers,
            upload_limit: None,
            download_limit: None,
            resume_path,
            sequential: false,
            choker: ChokerFactory::default(),
            free_share: 100,
            extensions: Vec::new(),
        }
    }
}

/// Whether and how a process joins the DHT (`btt-get`, `btt-seed run`): on
/// by default for public torrents, as in other clients; private torrents
/// never use it.
#[derive(Debug, Clone, clap::Args)]
pub struct DhtArgs {
    /// Find and announce peers through the DHT (the default; never for private torrents)
    #[arg(long, overrides_with = "no_dht")]
    pub dht: bool,
    /// Do not use the DHT
    #[arg(long, overrides_with = "dht", conflicts_with_all = ["dht_listen", "dht_bootstrap"])]
    pub no_dht: bool,
    /// UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]
    #[arg(long, value_name = "ADDR", value_parser = parse_dht_listen)]
    pub dht_listen: Option<SocketAddr>,
    /// Join the DHT through this node (repeatable; implies --dht); `none` starts a new network
    /// without the public routers, which are used only when neither this nor a saved routing table exists
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_dht_bootstrap)]
    pub dht_bootstrap: Vec<String>,
}

impl DhtArgs {
    /// Whether the command line asked for the DHT.
    fn requested(&self) -> bool {
        self.dht || self.dht_listen.is_some() || !self.dht_bootstrap.is_empty()
    }

    /// Whether the DHT is on, before knowing whether the torrent is
    /// private (a magnet link): unless `--no-dht` is given.
    pub fn enabled(&self) -> bool {
        !self.no_dht
    }

    /// How the DHT node starts, keeping its routing table in `dirs`.
    pub fn settings(&self, dirs: &Dirs) -> DhtSettings {
        DhtSettings {
            listen: self.dht_listen,
            bootstrap: self.dht_bootstrap.clone(),
            routing_table_path: dirs.dht_routing_table(),
        }
    }

    /// Whether `torrent` uses the DHT; a private torrent never does (said
    /// once if the command line asked for the DHT).
    pub fn enabled_for(&self, torrent: &Torrent, output: &Output) -> bool {
        if !self.enabled() {
            return false;
        }
        if torrent.info.private {
            if self.requested() {
                output.info(format!(
                    "{}: private torrent; the DHT is not used for it",
                    torrent.info.name
                ));
            }
            return false;
        }
        true
    }
}

fn parse_dht_listen(input: &str) -> Result<SocketAddr, String> {
    let addr = parse_socket_addr(input)?;
    if addr.is_ipv6() {
        return Err(DhtError::Ipv6Listen { addr }.to_string());
    }
    Ok(addr)
}

fn parse_dht_bootstrap(input: &str) -> Result<String, String> {
    parse_bootstrap_node(input).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        dht: DhtArgs,
    }

    fn dht_args(args: &[&str]) -> DhtArgs {
        Command::try_parse_from(std::iter::once("btt").chain(args.iter().copied()))
            .unwrap()
            .dht
    }

    #[test]
    fn the_dht_is_on_unless_the_last_word_is_no_dht() {
        for asking in [
            &[][..],
            &["--dht"],
            &["--dht-listen", "127.0.0.1:0"],
            &["--dht-bootstrap", "127.0.0.1:1"],
            &["--no-dht", "--dht"],
        ] {
            assert!(dht_args(asking).enabled(), "{asking:?}");
        }
        for refusing in [&["--no-dht"][..], &["--dht", "--no-dht"]] {
            assert!(!dht_args(refusing).enabled(), "{refusing:?}");
        }
    }

    #[test]
    fn no_dht_conflicts_with_dht_settings() {
        for args in [
            &["--no-dht", "--dht-listen", "127.0.0.1:0"][..],
            &["--no-dht", "--dht-bootstrap", "none"],
        ] {
            let argv = std::iter::once("btt").chain(args.iter().copied());
            assert!(Command::try_parse_from(argv).is_err(), "{args:?}");
        }
    }
}
