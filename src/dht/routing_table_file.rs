//! The routing table kept between runs: the addresses of good DHT nodes,
//! saved on stop and periodically, loaded as extra bootstrap nodes on start.
//!
//! Invariants: the file is replaced atomically (a temporary file beside it,
//! fsync, rename), so a crash or a second btt process leaves either the old
//! table or the new one; at most [`MAX_NODES`] are written or read, so a
//! large or hand-made file cannot make a starting node flood the network.

use super::DhtError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddrV4;
use std::path::Path;

/// The most nodes saved, and read back.
pub const MAX_NODES: usize = 32;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    nodes: Vec<SocketAddrV4>,
}

/// Reads the saved nodes; a missing file is an empty table.
pub fn load(path: &Path) -> Result<Vec<SocketAddrV4>, DhtError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(DhtError::ReadTable {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let table: TableFile =
        serde_json::from_slice(&bytes).map_err(|error| DhtError::MalformedTable {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
    Ok(table.nodes.into_iter().take(MAX_NODES).collect())
}

/// Replaces the file with the first [`MAX_NODES`] of `nodes`.
pub fn save(path: &Path, nodes: &[SocketAddrV4]) -> Result<(), DhtError> {
    let table = TableFile {
        nodes: nodes.iter().take(MAX_NODES).copied().collect(),
    };
    let write_error = |source| DhtError::WriteTable {
        path: path.to_path_buf(),
        source,
    };
    let bytes = serde_json::to_vec(&table).map_err(|error| write_error(error.into()))?;
    write_atomically(path, &bytes).map_err(write_error)
}

/// Removes the file (a missing one is already forgotten).
pub fn forget(path: &Path) -> Result<(), DhtError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(DhtError::WriteTable {
            path: path.to_path_buf(),
            source: error,
        }),
        _ => Ok(()),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(directory) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(directory)?;
    }
    crate::atomic_file::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(port: u16) -> SocketAddrV4 {
        SocketAddrV4::new([127, 0, 0, 1].into(), port)
    }

    #[test]
    fn a_missing_file_is_an_empty_table() {
        let directory = tempfile::tempdir().unwrap();
        assert!(load(&directory.path().join("none.json"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn saved_nodes_load_back_capped() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("sub/dht-nodes.json");
        let nodes: Vec<SocketAddrV4> = (1..=100).map(node).collect();
        save(&path, &nodes).unwrap();
        assert_eq!(load(&path).unwrap(), nodes[..MAX_NODES]);
        save(&path, &[node(7)]).unwrap();
        assert_eq!(load(&path).unwrap(), [node(7)]);
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "temporary files were left behind");
    }

    #[test]
    fn malformed_files_are_reported_with_their_path() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("dht-nodes.json");
        for bad in [
            &b"not json"[..],
            br#"{"nodes":["nonsense"]}"#,
            br#"{"x":1}"#,
        ] {
            std::fs::write(&path, bad).unwrap();
            let error = load(&path).unwrap_err();
            assert!(matches!(error, DhtError::MalformedTable { .. }), "{error}");
            assert!(error.to_string().contains("dht-nodes.json"));
        }
    }
}
