//! The one place extension messages (BEP 10) are routed through. Each side
//! picks its own ids: we assign ours (1, 2, ... in registration order) and
//! announce them in our extended handshake's `m`; the peer's `m` says which
//! id to use when sending it each extension. Id 0 is the extended handshake
//! itself, and in an `m` map it means "disabled".
//!
//! Build one registry per torrent with the local extensions, clone it for
//! each connection, then record that peer's handshakes on the clone. New
//! extensions plug in by registering a name; the codec never changes.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::error::WireError;
use super::extension::ExtendedHandshake;
use super::message::Message;

/// The extended message id of the extended handshake.
pub const EXTENDED_HANDSHAKE_ID: u8 = 0;

/// What an incoming `Extended { id, .. }` message is, from our ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncomingExtension<'a> {
    /// The peer's extended handshake (id 0).
    Handshake,
    /// A message of the extension we registered under this name.
    Named(&'a str),
    /// An id we never assigned: a peer bug; ignore or disconnect.
    Unknown(u8),
}

/// Local extension names and ids, and the remote peer's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionRegistry {
    /// Our extension names; the one at index `i` has local id `i + 1`.
    local: Vec<String>,
    /// The peer's extension names and the ids it receives them under
    /// (never 0: disabled extensions are removed).
    remote: BTreeMap<String, u8>,
}

impl ExtensionRegistry {
    /// A registry with no extensions.
    pub fn new() -> ExtensionRegistry {
        ExtensionRegistry::default()
    }

    /// Registers a local extension and returns its local id; registering a
    /// name again returns the id it already has.
    pub fn register(&mut self, name: &str) -> Result<u8, WireError> {
        if let Some(id) = self.local_id(name) {
            return Ok(id);
        }
        let id =
            u8::try_from(self.local.len() + 1).map_err(|_| WireError::ExtensionIdsExhausted {
                name: name.to_owned(),
            })?;
        self.local.push(name.to_owned());
        Ok(id)
    }

    /// Our id for the extension `name`, if registered.
    pub fn local_id(&self, name: &str) -> Option<u8> {
        let index = self.local.iter().position(|local| local == name)?;
        u8::try_from(index + 1).ok()
    }

    /// What an incoming extended message with id `id` is.
    pub fn incoming(&self, id: u8) -> IncomingExtension<'_> {
        if id == EXTENDED_HANDSHAKE_ID {
            return IncomingExtension::Handshake;
        }
        match self.local.get(usize::from(id) - 1) {
            Some(name) => IncomingExtension::Named(name),
            None => IncomingExtension::Unknown(id),
        }
    }

    /// An extended handshake whose `m` announces our extensions; the caller
    /// fills in the other fields.
    pub fn handshake(&self) -> ExtendedHandshake {
        let extensions = self
            .local
            .iter()
            .zip(1u8..)
            .map(|(name, id)| (name.clone(), id))
            .collect();
        ExtendedHandshake {
            extensions,
            ..ExtendedHandshake::default()
        }
    }

    /// Records the peer's `m` map. Later handshakes only carry changes
    /// (BEP 10), so entries are merged, and id 0 removes an extension.
    pub fn record_remote(&mut self, handshake: &ExtendedHandshake) {
        for (name, &id) in &handshake.extensions {
            if id == 0 {
                self.remote.remove(name);
            } else {
                self.remote.insert(name.clone(), id);
            }
        }
    }

    /// The id the peer receives extension `name` under, or `None` if the
    /// peer does not support it (or disabled it).
    pub fn remote_id(&self, name: &str) -> Option<u8> {
        self.remote.get(name).copied()
    }

    /// The message carrying `payload` for extension `name` to this peer, or
    /// `None` if the peer does not support it.
    pub fn outgoing(&self, name: &str, payload: Bytes) -> Option<Message> {
        let id = self.remote_id(name)?;
        Some(Message::Extended { id, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> ExtensionRegistry {
        let mut registry = ExtensionRegistry::new();
        assert_eq!(registry.register("ut_metadata").unwrap(), 1);
        assert_eq!(registry.register("ut_pex").unwrap(), 2);
        assert_eq!(registry.register("btt").unwrap(), 3);
        assert_eq!(registry.register("ut_pex").unwrap(), 2);
        registry
    }

    fn remote(entries: &[(&str, u8)]) -> ExtendedHandshake {
        ExtendedHandshake {
            extensions: entries
                .iter()
                .map(|&(name, id)| (name.to_owned(), id))
                .collect(),
            ..ExtendedHandshake::default()
        }
    }

    #[test]
    fn our_handshake_announces_our_ids() {
        let handshake = local().handshake();
        let announced: Vec<_> = handshake
            .extensions
            .iter()
            .map(|(name, &id)| (name.as_str(), id))
            .collect();
        assert_eq!(announced, [("btt", 3), ("ut_metadata", 1), ("ut_pex", 2)]);
    }

    #[test]
    fn incoming_ids_translate_to_our_names() {
        let registry = local();
        assert_eq!(registry.incoming(0), IncomingExtension::Handshake);
        assert_eq!(
            registry.incoming(1),
            IncomingExtension::Named("ut_metadata")
        );
        assert_eq!(registry.incoming(3), IncomingExtension::Named("btt"));
        assert_eq!(registry.incoming(4), IncomingExtension::Unknown(4));
        assert_eq!(registry.incoming(255), IncomingExtension::Unknown(255));
    }

    #[test]
    fn outgoing_names_translate_to_the_peers_ids() {
        let mut registry = local();
        assert_eq!(registry.outgoing("ut_pex", Bytes::new()), None);
        registry.record_remote(&remote(&[
            ("ut_metadata", 3),
            ("ut_pex", 1),
            ("lt_donthave", 7),
        ]));
        assert_eq!(registry.remote_id("ut_metadata"), Some(3));
        assert_eq!(registry.remote_id("btt"), None);
        assert_eq!(
            registry.outgoing("ut_pex", Bytes::from_static(b"de")),
            Some(Message::Extended {
                id: 1,
                payload: Bytes::from_static(b"de")
            })
        );
    }

    #[test]
    fn later_handshakes_merge_and_zero_disables() {
        let mut registry = local();
        registry.record_remote(&remote(&[("ut_metadata", 3), ("ut_pex", 1)]));
        registry.record_remote(&remote(&[("ut_pex", 0), ("btt", 9)]));
        assert_eq!(registry.remote_id("ut_metadata"), Some(3));
        assert_eq!(registry.remote_id("ut_pex"), None);
        assert_eq!(registry.remote_id("btt"), Some(9));
    }

    #[test]
    fn ids_run_out_after_255_extensions() {
        let mut registry = ExtensionRegistry::new();
        for number in 1..=255u8 {
            assert_eq!(registry.register(&format!("x{number}")).unwrap(), number);
        }
        assert!(matches!(
            registry.register("one_too_many"),
            Err(WireError::ExtensionIdsExhausted { name }) if name == "one_too_many"
        ));
        assert_eq!(registry.incoming(255), IncomingExtension::Named("x255"));
    }
}
