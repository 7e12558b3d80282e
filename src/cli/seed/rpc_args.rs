//! The flags of `btt-seed run`'s Transmission RPC (`--rpc`), and where its
//! password comes from: a file (`--rpc-auth-file`, or `BTT_RPC_AUTH_FILE`),
//! the environment (`BTT_RPC_AUTH`), or, visible to every user in `ps`, the
//! command line (`--unsafe-rpc-auth`).

use crate::cli::values::parse_socket_addr;
use crate::control::transmission::{Credentials, RpcListener};
use crate::output::Output;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// `btt-seed run`'s RPC flags.
#[derive(Debug, Args)]
pub struct RpcArgs {
    /// Answer Transmission's RPC (transmission-remote, Sonarr/Radarr, browser extensions) at
    /// http://ADDR/transmission/rpc [default ADDR: 127.0.0.1:9091]; an address that is not
    /// loopback needs a password
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:9091",
          value_parser = parse_socket_addr)]
    pub rpc: Option<SocketAddr>,
    /// Require HTTP Basic auth with the USER:PASSWORD on the first line of this file
    #[arg(long, value_name = "FILE", env = "BTT_RPC_AUTH_FILE")]
    pub rpc_auth_file: Option<PathBuf>,
    /// Require HTTP Basic auth with this USER:PASSWORD (--rpc-auth-file wins); prefer the
    /// environment variable, which `ps` does not show
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "BTT_RPC_AUTH",
        hide_env_values = true
    )]
    pub unsafe_rpc_auth: Option<String>,
}

impl RpcArgs {
    /// The bound RPC, when `--rpc` asks for one; `data` is the run's data directory.
    pub async fn listen(
        &self,
        data: &Path,
        output: &Output,
    ) -> anyhow::Result<Option<RpcListener>> {
        let Some(addr) = self.rpc else {
            return Ok(None);
        };
        let credentials = self.credentials()?;
        if credentials.is_none() {
            output.info("the Transmission RPC has no password: any local user may use it");
        }
        let listener = RpcListener::bind(addr, credentials, data.to_path_buf()).await?;
        let bound = listener.local_addr()?;
        output.info(format!(
            "Transmission RPC at http://{bound}/transmission/rpc"
        ));
        Ok(Some(listener))
    }

    fn credentials(&self) -> anyhow::Result<Option<Credentials>> {
        if let Some(path) = &self.rpc_auth_file {
            return Ok(Some(Credentials::from_file(path)?));
        }
        match &self.unsafe_rpc_auth {
            Some(text) => Ok(Some(Credentials::parse(text, "--unsafe-rpc-auth")?)),
            None => Ok(None),
        }
    }
}
