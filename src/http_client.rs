//! The one way btt makes an HTTP client: reqwest over rustls with the ring
//! crypto provider, installed once per process before the first client.
//!
//! reqwest is built without a crypto provider of its own (its default,
//! aws-lc-rs, is a large C build that btt would compile beside ring), so a
//! client built any other way panics; `clippy.toml` forbids the other ways.

use std::sync::Once;

/// A client builder with the process's crypto provider in place.
#[allow(clippy::disallowed_methods)]
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// A client with reqwest's defaults; for a one-off request.
pub fn client() -> reqwest::Client {
    // Building fails only when the TLS backend cannot initialise; the
    // default client is the same configuration.
    builder().build().unwrap_or_default()
}

fn install_crypto_provider() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        // An error means another provider is installed already, which
        // serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
