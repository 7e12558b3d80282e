//! The ledger node: serves an embedded ledger over HTTP with the TRON
//! full-node API subset (`/wallet/getaccount`, `/wallet/gettransactionbyid`,
//! `/wallet/gettransactioninfobyid`, the blocks and `/wallet/getnodeinfo`
//! (see `blocks`), the transaction builders, `/wallet/getsignweight` and
//! `/wallet/broadcasttransaction` (see `tron_builders`); the reads also
//! under `/walletsolidity/`, as a solidity node serves them)
//! plus `/btt/...` endpoints for balances of any token, history, the dev
//! faucet, channels and escrow (see `btt_routes`).
//!
//! Exposure is limited by default: it binds 127.0.0.1 unless told
//! otherwise, refuses bodies over [`NodeConfig::max_body_bytes`], drops a
//! connection whose request headers take longer than
//! [`NodeConfig::header_timeout`], answers 408 and closes a connection whose
//! request body does not arrive whole within [`NodeConfig::body_timeout`]
//! of its head, answers 408 to a request (body included) that takes longer
//! than [`NodeConfig::request_timeout`], and serves at most
//! [`NodeConfig::max_connections`] connections at once.
//!
//! Idle and slow connections do not keep a prompt client waiting: every
//! connection is accepted, and when the table is full a new one takes the
//! place of an idle connection that never sent a request, then of the one
//! that has been receiving a request body the longest, then of the
//! longest-idle one in keep-alive ([`crate::connection_slots`]). The body is
//! read whole before the request is routed, so a connection counts as busy
//! (never evicted) only while its request is answered. A connection that
//! never sent a request is dropped when it loses its place (after lingering
//! for at most [`crate::connection_slots::LINGER`], during which a request
//! head that arrives after all takes it back), one receiving a
//! body is dropped at once, and one in keep-alive is shut down gracefully,
//! so that a request it was sending is still answered.

mod blocks;
mod btt_routes;
pub mod client;
mod routes;
pub mod tron_builders;
pub mod tron_json;

use crate::connection_slots::{ConnectionSlots, Leave, Slot};
use crate::ledger::LocalLedger;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper::body::Incoming;
use hyper::service::{service_fn, Service};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// How the node listens and what it tolerates from clients.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where to listen; 127.0.0.1:8090 by default.
    pub listen: SocketAddr,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// The longest a client may take to send its request headers.
    pub header_timeout: Duration,
    /// The longest a client may take to send a request body, from its head.
    pub body_timeout: Duration,
    /// The longest a request may take, body and answer included.
    pub request_timeout: Duration,
    /// Connections served at once. When all are taken, a new one takes
    /// the place of the longest-idle; it waits only while all are busy.
    pub max_connections: usize,
}

impl Default for NodeConfig {
    fn default() -> NodeConfig {
        NodeConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8090)),
            max_body_bytes: 64 * 1024,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_connections: 256,
        }
    }
}

/// The node's routes over `ledger`, with the body limit and request timeout.
pub fn router(ledger: LocalLedger, config: &NodeConfig) -> Router {
    reads(Router::new())
        .route(
            "/wallet/createtransaction",
            post(tron_builders::create_transaction),
        )
        .route("/wallet/transferasset", post(tron_builders::transfer_asset))
        .route(
            "/wallet/triggersmartcontract",
            post(tron_builders::trigger_smart_contract),
        )
        .route(
            "/wallet/broadcasttransaction",
            post(tron_builders::broadcast_transaction),
        )
        .route(
            "/wallet/getsignweight",
            post(tron_builders::get_sign_weight),
        )
        .route(
            "/wallet/getnodeinfo",
            post(blocks::get_node_info).get(blocks::get_node_info),
        )
        .route("/btt/info", get(routes::info))
        .route("/btt/balance", post(btt_routes::balance))
        .route("/btt/history", post(btt_routes::history))
        .route("/btt/mint", post(btt_routes::mint))
        .route("/btt/channel", post(btt_routes::channel))
        .route("/btt/channels", post(btt_routes::channels))
        .route("/btt/channel/open", post(btt_routes::open_channel))
        .route("/btt/channel/redeem", post(btt_routes::redeem_voucher))
        .route("/btt/channel/close", post(btt_routes::close_channel))
        .route("/btt/channel/refund", post(btt_routes::refund_channel))
        .route("/btt/campaign", post(btt_routes::campaign))
        .route("/btt/campaign/create", post(btt_routes::create_campaign))
        .route("/btt/campaign/pledge", post(btt_routes::pledge))
        .route("/btt/campaign/settle", post(btt_routes::settle_campaign))
        .route("/btt/purchase", post(btt_routes::purchase))
        .route("/btt/purchases", post(btt_routes::purchases))
        .route("/btt/purchase/open", post(btt_routes::open_purchase))
        .route("/btt/purchase/deliver", post(btt_routes::deliver_purchase))
        .route("/btt/purchase/refund", post(btt_routes::refund_purchase))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .with_state(ledger)
}

/// The reads, on the full node's `/wallet/` and on the solidity node's
/// `/walletsolidity/` alike (TronWeb and tronpy send some there): a change
/// is final once applied, so the solidity node's view is the full node's.
fn reads(mut router: Router<LocalLedger>) -> Router<LocalLedger> {
    for prefix in ["/wallet", "/walletsolidity"] {
        let at = |name: &str| format!("{prefix}/{name}");
        router = router
            .route(
                &at("getaccount"),
                post(routes::get_account).get(routes::get_account),
            )
            .route(
                &at("gettransactionbyid"),
                post(routes::get_transaction_by_id).get(routes::get_transaction_by_id),
            )
            .route(
                &at("gettransactioninfobyid"),
                post(routes::get_transaction_info_by_id).get(routes::get_transaction_info_by_id),
            )
            .route(
                &at("triggerconstantcontract"),
                post(tron_builders::trigger_constant_contract),
            )
            .route(
                &at("getnowblock"),
                post(blocks::get_now_block).get(blocks::get_now_block),
            )
            .route(
                &at("getblock"),
                post(blocks::get_block).get(blocks::get_block),
            )
            .route(
                &at("getblockbynum"),
                post(blocks::get_block_by_num).get(blocks::get_block_by_num),
            )
            .route(
                &at("getblockbyid"),
                post(blocks::get_block_by_id).get(blocks::get_block_by_id),
            );
    }
    router
}

/// Serves `ledger` on `listener` until `shutdown` completes; then stops
/// accepting, lets each open connection finish its current request, and
/// returns once they are closed (or after the request timeout).
pub async fn serve(
    listener: TcpListener,
    ledger: LocalLedger,
    config: &NodeConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = router(ledger, config);
    let slots = ConnectionSlots::new(config.max_connections);
    let (stopping, stop_signal) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, _, slot) = tokio::select! {
            accepted = slots.accept(&listener) => accepted?,
            () = &mut shutdown => break,
        };
        let connection = serve_connection(
            stream,
            slot,
            app.clone(),
            config.clone(),
            stop_signal.clone(),
        );
        tokio::spawn(connection);
    }
    drop(listener);
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(config.request_timeout, slots.all_released()).await;
    Ok(())
}

/// Serves HTTP/1.1 on one connection until the client closes it, the
/// connection is evicted, or the node stops. A client that misbehaves only
/// loses its own connection.
async fn serve_connection(
    stream: TcpStream,
    slot: Slot,
    app: Router,
    config: NodeConfig,
    mut stop_signal: watch::Receiver<bool>,
) {
    let slot = Arc::new(slot);
    let limits = BodyLimits {
        max_bytes: config.max_body_bytes,
        timeout: config.body_timeout,
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .serve_connection(
            TokioIo::new(stream),
            busy_while_answering(app, &slot, limits),
        );
    tokio::pin!(connection);
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            () = slot.evicted() => match slot.leave() {
                // Taken back (its request arrived) before this notice was read.
                None => {}
                // Nothing in flight: still read while it lingers, so a
                // request arriving now takes it back; else dropped.
                Some(Leave::Linger) => {
                    tokio::select! {
                        _ = connection.as_mut() => return,
                        () = tokio::time::sleep(slot.linger()) => {}
                        // Told to close sooner, or taken back and evicted again.
                        () = slot.evicted() => {}
                    }
                    match slot.leave() {
                        None => {}
                        Some(Leave::Graceful) => break,
                        Some(Leave::Linger | Leave::Close) => return,
                    }
                }
                // Nothing answered yet: dropped now.
                Some(Leave::Close) => return,
                Some(Leave::Graceful) => break,
            },
            _ = stop_signal.changed() => break,
        }
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// How much of a request body the node reads, and for how long.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    max_bytes: usize,
    timeout: Duration,
}

/// `app` as a hyper service that reads each request body whole (the slot
/// receiving) before it routes the request (the slot busy).
fn busy_while_answering(
    app: Router,
    slot: &Arc<Slot>,
    limits: BodyLimits,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response,
    Error = std::convert::Infallible,
    Future: Send,
> {
    let app = TowerToHyperService::new(app);
    let slot = Arc::clone(slot);
    service_fn(move |request| {
        let active = slot.receiving();
        let app = app.clone();
        async move {
            let response = match read_whole(request, limits).await {
                Ok(request) => {
                    active.answering();
                    app.call(request).await?
                }
                Err(refusal) => refusal,
            };
            drop(active);
            Ok(response)
        }
    })
}

/// The request with its body read whole, or the answer that refuses it: 413
/// when it declares or sends more than the limit, 408 (and the connection
/// closed) when it does not arrive whole in time.
async fn read_whole(
    request: Request<Incoming>,
    limits: BodyLimits,
) -> Result<Request<Body>, Response> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_bytes as u64) {
        return Err(refusal(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let read = axum::body::to_bytes(Body::new(body), limits.max_bytes);
    match tokio::time::timeout(limits.timeout, read).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Ok(Err(_)) => Err(refusal(StatusCode::PAYLOAD_TOO_LARGE)),
        Err(_) => Err(refusal(StatusCode::REQUEST_TIMEOUT)),
    }
}

/// An empty answer with `status` that closes the connection.
fn refusal(status: StatusCode) -> Response {
    (status, [(header::CONNECTION, "close")]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;
    use crate::ledger::local::fixtures::{self, address, btt, signed_for, START_MS};
    use crate::ledger::{ErrorKind, Ledger, LedgerError};
    use client::NodeClient;
    use serde_json::{json, Value};
    use std::sync::atomic::AtomicI64;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Node {
        url: String,
        ledger: LocalLedger,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
        now: Arc<AtomicI64>,
        _dir: tempfile::TempDir,
    }

    impl Node {
        async fn start(config: NodeConfig) -> Node {
            let dir = tempfile::tempdir().unwrap();
            let now = Arc::new(AtomicI64::new(START_MS));
            let ledger = LocalLedger::open(
                &dir.path().join("ledger.sqlite"),
                fixtures::options(&now, true),
            )
            .unwrap();
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let served = ledger.clone();
            let task = tokio::spawn(async move {
                serve(listener, served, &config, async {
                    let _ = stopped.await;
                })
                .await
            });
            Node {
                url,
                ledger,
                stop: Some(stop),
                task,
                now,
                _dir: dir,
            }
        }

        async fn post(&self, path: &str, body: Value) -> Value {
            let response = crate::http_client::client()
                .post(format!("{}{path}", self.url))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json().await.unwrap()
        }

        async fn stop(mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            tokio::time::timeout(Duration::from_secs(5), self.task)
                .await
                .expect("the node stops in time")
                .unwrap()
                .unwrap();
        }
    }

    #[test]
    fn binds_loopback_by_default() {
        assert!(NodeConfig::default().listen.ip().is_loopback());
    }

    #[tokio::test]
    async fn serves_accounts_blocks_and_transactions() {
        let node = Node::start(NodeConfig::default()).await;
        let (alice, bob) = (address(1), address(2));
        node.ledger.mint(alice, btt(5_000_000)).await.unwrap();
        let record = node
            .ledger
            .transfer(signed_for(&node.ledger.id(), 1, &bob, 1_500_000, 1))
            .await
            .unwrap();

        let account = node
            .post(
                "/wallet/getaccount",
                json!({ "address": bob.to_string(), "visible": true }),
            )
            .await;
        assert_eq!(account["address"], bob.to_string());
        assert_eq!(account["balance"], 0);
        assert_eq!(
            account["assetV2"],
            json!([{ "key": "1002000", "value": 1_500_000 }])
        );
        let hex = node
            .post("/wallet/getaccount", json!({ "address": alice.to_hex() }))
            .await;
        assert_eq!(hex["address"], alice.to_hex());
        assert_eq!(hex["assetV2"][0]["value"], 3_500_000);
        let unknown = node
            .post(
                "/wallet/getaccount",
                json!({ "address": address(9).to_string() }),
            )
            .await;
        assert_eq!(unknown, json!({}));
        let bad = node
            .post(
                "/wallet/getaccount",
                json!({ "address": "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZZ" }),
            )
            .await;
        assert!(bad["Error"].as_str().unwrap().contains("checksum"), "{bad}");

        let block = node.post("/wallet/getnowblock", json!({})).await;
        assert_eq!(block["block_header"]["raw_data"]["number"], 2);
        assert!(block["blockID"]
            .as_str()
            .unwrap()
            .starts_with("0000000000000002"));

        let found = node
            .post(
                "/wallet/gettransactionbyid",
                json!({ "value": hex::encode(record.txid), "visible": true }),
            )
            .await;
        assert_eq!(found["txID"], hex::encode(record.txid));
        let contract = &found["raw_data"]["contract"][0];
        assert_eq!(contract["type"], "TransferAssetContract");
        assert_eq!(contract["parameter"]["value"]["amount"], 1_500_000);
        assert_eq!(contract["parameter"]["value"]["to_address"], bob.to_hex());
        assert_eq!(found["raw_data"]["data"], hex::encode("thanks 1"));
        let served = crate::tron::SignedTransaction::from_json(&found.to_string()).unwrap();
        let sent = signed_for(&node.ledger.id(), 1, &bob, 1_500_000, 1);
        assert_eq!(served.unsigned().raw_bytes(), sent.unsigned().raw_bytes());
        assert_eq!(served.signatures(), sent.signatures());
        let missing = node
            .post(
                "/wallet/gettransactionbyid",
                json!({ "value": "00".repeat(32) }),
            )
            .await;
        assert_eq!(missing, json!({}));
        let malformed = node
            .post("/wallet/gettransactionbyid", json!({ "value": "xyz" }))
            .await;
        assert!(malformed["Error"].is_string());
        node.stop().await;
    }

    #[tokio::test]
    async fn blocks_receipts_and_solidity_mirrors_in_java_tron_shapes() {
        let node = Node::start(NodeConfig::default()).await;
        let (alice, bob) = (address(1), address(2));
        let mint = node.ledger.mint(alice, btt(5_000_000)).await.unwrap();
        let sent = signed_for(&node.ledger.id(), 1, &bob, 1_500_000, 1);
        let record = node.ledger.transfer(sent).await.unwrap();
        let txid = hex::encode(record.txid);
        let account = json!({ "address": alice.to_string() });
        assert_eq!(
            node.post("/walletsolidity/getaccount", account.clone())
                .await,
            node.post("/wallet/getaccount", account).await
        );

        let header = node
            .post("/wallet/getblock", json!({ "detail": false }))
            .await;
        assert_eq!(header["block_header"]["raw_data"]["number"], 2);
        assert!(header.get("transactions").is_none(), "{header}");
        let full = node
            .post("/walletsolidity/getblock", json!({ "detail": true }))
            .await;
        assert_eq!(full["blockID"], header["blockID"]);
        assert_eq!(full["transactions"][0]["txID"], txid);
        let first = node
            .post(
                "/wallet/getblock",
                json!({ "id_or_num": "1", "detail": true }),
            )
            .await;
        assert_eq!(first["transactions"][0]["txID"], hex::encode(mint.txid));
        assert_eq!(first["block_header"]["raw_data"]["timestamp"], START_MS);
        let by_id = json!({ "id_or_num": first["blockID"], "detail": true });
        assert_eq!(node.post("/wallet/getblock", by_id).await, first);
        let by_num = node
            .post("/wallet/getblockbynum", json!({ "num": 1 }))
            .await;
        assert_eq!(by_num, first);
        let by_value = json!({ "value": first["blockID"] });
        assert_eq!(
            node.post("/walletsolidity/getblockbyid", by_value).await,
            first
        );
        let unmade = node
            .post("/wallet/getblock", json!({ "id_or_num": 3 }))
            .await;
        assert_eq!(unmade, json!({}));
        let foreign = tron_json::block_id(&crate::ledger::LedgerId([9; 32]), 1);
        let elsewhere = json!({ "value": hex::encode(foreign) });
        assert_eq!(
            node.post("/wallet/getblockbyid", elsewhere).await,
            json!({})
        );
        let nonsense = node
            .post("/wallet/getblock", json!({ "id_or_num": "x" }))
            .await;
        assert!(nonsense["Error"].is_string(), "{nonsense}");

        let info = node
            .post(
                "/walletsolidity/gettransactioninfobyid",
                json!({ "value": txid }),
            )
            .await;
        assert_eq!(
            info,
            json!({ "id": txid, "blockNumber": 2, "blockTimeStamp": START_MS,
                    "contractResult": [""], "receipt": {} })
        );
        let none = json!({ "value": "00".repeat(32) });
        assert_eq!(
            node.post("/wallet/gettransactioninfobyid", none).await,
            json!({})
        );
        node.stop().await;
    }

    #[tokio::test]
    async fn the_head_block_is_dated_by_the_ledger_clock_so_built_transactions_are_live() {
        let node = Node::start(NodeConfig::default()).await;
        node.ledger.mint(address(1), btt(5)).await.unwrap();
        node.ledger.mint(address(1), btt(5)).await.unwrap();
        let idle = 10 * 60_000;
        node.now
            .fetch_add(idle, std::sync::atomic::Ordering::SeqCst);
        let now = START_MS + idle;
        let head = node.post("/wallet/getnowblock", json!({})).await;
        assert_eq!(head["block_header"]["raw_data"]["timestamp"], now);
        let latest = node.post("/wallet/getblock", json!({})).await;
        assert_eq!(latest["block_header"]["raw_data"]["timestamp"], now);
        let older = node
            .post("/wallet/getblockbynum", json!({ "num": 1 }))
            .await;
        assert_eq!(older["block_header"]["raw_data"]["timestamp"], START_MS);
        node.stop().await;
    }

    #[tokio::test]
    async fn node_info_and_sign_weight_let_a_client_build_from_raw_data_alone() {
        let node = Node::start(NodeConfig::default()).await;
        let (alice, bob) = (address(1), address(2));
        node.ledger.mint(alice, btt(5)).await.unwrap();
        let info = node.post("/wallet/getnodeinfo", json!({})).await;
        let head_id = hex::encode(tron_json::block_id(&node.ledger.id(), 1));
        assert_eq!(info["solidityBlock"], format!("Num:1,ID:{head_id}"));
        assert_eq!(info["block"], info["solidityBlock"]);

        let sent = signed_for(&node.ledger.id(), 1, &bob, 2, 1);
        let mut body = json!(sent.to_json());
        body.as_object_mut().unwrap().remove("raw_data_hex");
        body["txID"] = json!("");
        let weight = node.post("/wallet/getsignweight", body.clone()).await;
        assert_eq!(
            weight["transaction"]["transaction"]["txID"],
            sent.txid().to_string()
        );
        let keys = &weight["permission"]["keys"];
        assert_eq!(*keys, json!([{ "address": alice.to_hex(), "weight": 1 }]));
        body["txID"] = json!(sent.txid().to_string());
        let applied = node
            .post("/wallet/broadcasttransaction", body.clone())
            .await;
        assert_eq!(applied["result"], true, "{applied}");
        body["raw_data"]["contract"][0]["Permission_id"] = json!(2);
        let unknown = node.post("/wallet/getsignweight", body).await;
        assert!(unknown["Error"].is_string(), "{unknown}");
        node.stop().await;
    }

    #[tokio::test]
    async fn oversized_bodies_are_refused() {
        let config = NodeConfig {
            max_body_bytes: 1024,
            ..NodeConfig::default()
        };
        let node = Node::start(config).await;
        let response = crate::http_client::client()
            .post(format!("{}/wallet/getaccount", node.url))
            .body(vec![b' '; 4096])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        node.stop().await;
    }

    #[tokio::test]
    async fn slow_headers_lose_the_connection() {
        let config = NodeConfig {
            header_timeout: Duration::from_millis(300),
            ..NodeConfig::default()
        };
        let node = Node::start(config).await;
        let address = node.url.trim_start_matches("http://").to_string();
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"POST /wallet/getnowblock HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut buffer = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
        assert!(read.is_ok(), "the node kept a slow client for 5 s");
        node.stop().await;
    }

    #[tokio::test]
    async fn idle_connections_do_not_delay_a_prompt_request() {
        let node = Node::start(NodeConfig::default()).await;
        let address = node.url.trim_start_matches("http://").parse().unwrap();
        let idle = crate::connection_slots::hold_idle(address, 300).await;
        let started = std::time::Instant::now();
        let block = tokio::time::timeout(
            Duration::from_secs(2),
            node.post("/wallet/getnowblock", json!({})),
        )
        .await;
        let waited = started.elapsed();
        assert!(block.is_ok(), "behind 300 idle connections for {waited:?}");
        drop(idle);
        node.stop().await;
    }

    #[tokio::test]
    async fn channels_escrow_and_faucet_over_btt_endpoints() {
        use crate::ledger::channel::{CloseChannel, OpenChannel, Voucher};
        use crate::ledger::domain::Signed;
        use crate::ledger::local::fixtures::key;
        let node = Node::start(NodeConfig::default()).await;
        let (alice, bob) = (address(1), address(2));
        let minted = node
            .post(
                "/btt/mint",
                json!({ "address": alice, "amount": btt(1_000) }),
            )
            .await;
        assert_eq!(minted["kind"], "mint");
        let ledger = node.ledger.id();
        let open = OpenChannel {
            payer: alice,
            payee: bob,
            amount: btt(400),
            expires_at_ms: START_MS + 60_000,
            nonce: 1,
        };
        let opened = node
            .post(
                "/btt/channel/open",
                json!(Signed::sign(open.clone(), &key(1), &ledger)),
            )
            .await;
        assert_eq!(opened["status"], "open", "{opened}");
        let too_big = OpenChannel {
            amount: btt(700),
            nonce: 2,
            ..open.clone()
        };
        let refused = node
            .post(
                "/btt/channel/open",
                json!(Signed::sign(too_big, &key(1), &ledger)),
            )
            .await;
        assert_eq!(refused["code"], "insufficient_balance", "{refused}");
        let id = open.id(&ledger);
        let voucher = Signed::sign(
            Voucher {
                channel: id,
                payee: bob,
                cumulative: btt(150),
            },
            &key(1),
            &ledger,
        );
        let close = CloseChannel {
            channel: id,
            voucher: Some(voucher),
        };
        let by_stranger = node
            .post(
                "/btt/channel/close",
                json!(Signed::sign(close.clone(), &key(3), &ledger)),
            )
            .await;
        assert_eq!(by_stranger["code"], "wrong_signer");
        let closed = node
            .post(
                "/btt/channel/close",
                json!(Signed::sign(close, &key(2), &ledger)),
            )
            .await;
        assert_eq!(closed["status"], "closed");
        let channel = node.post("/btt/channel", json!({ "id": id })).await;
        assert_eq!(channel["redeemed"], 150);
        let paid_by_alice = node
            .post(
                "/btt/channels",
                json!({ "address": alice, "role": "payer" }),
            )
            .await;
        assert_eq!(paid_by_alice, json!([channel]));
        let paying_alice = node
            .post(
                "/btt/channels",
                json!({ "address": alice, "role": "payee" }),
            )
            .await;
        assert_eq!(paying_alice, json!([]));
        let no_role = node
            .post("/btt/channels", json!({ "address": alice, "role": "both" }))
            .await;
        assert!(no_role["Error"].is_string(), "{no_role}");
        let balance = node
            .post("/btt/balance", json!({ "address": bob, "token": "btt" }))
            .await;
        assert_eq!(balance["base_units"], 150);
        let history = node
            .post("/btt/history", json!({ "address": alice, "after": 1 }))
            .await;
        let kinds: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["channel_open", "channel_return"]);
        let unknown = node
            .post("/btt/campaign", json!({ "id": "00".repeat(32) }))
            .await;
        assert_eq!(unknown, json!({}));
        let garbage = node.post("/btt/campaign/settle", json!({ "id": 5 })).await;
        assert!(garbage["Error"].is_string());
        node.stop().await;
    }

    #[tokio::test]
    async fn the_faucet_is_closed_without_the_dev_flag() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(START_MS));
        let ledger = LocalLedger::open(
            &dir.path().join("ledger.sqlite"),
            fixtures::options(&now, false),
        )
        .unwrap();
        let app = router(ledger, &NodeConfig::default());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let url = format!("http://{}/btt/mint", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let answer: Value = crate::http_client::client()
            .post(url)
            .json(&json!({ "address": address(1), "amount": btt(5) }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["code"], "mint_disabled", "{answer}");
        server.abort();
        let _ = server.await;
    }

    #[tokio::test]
    async fn the_client_runs_a_campaign_through_the_node() {
        use crate::ledger::domain::Signed;
        use crate::ledger::escrow::{CampaignStatus, CreateCampaign, Pledge};
        use crate::ledger::local::fixtures::key;
        let node = Node::start(NodeConfig::default()).await;
        let client = NodeClient::new(&node.url).unwrap();
        let info = client.info().await.unwrap();
        assert_eq!(
            (info.ledger_id, info.head, info.dev),
            (node.ledger.id(), 0, true)
        );
        let ledger = info.ledger_id;
        let record = client.mint(address(3), btt(500)).await.unwrap();
        assert_eq!(client.transaction(record.txid).await.unwrap(), Some(record));
        assert_eq!(client.transaction([0; 32]).await.unwrap(), None);
        let create = CreateCampaign {
            creator: address(1),
            beneficiary: address(2),
            goal: btt(1_000),
            deadline_ms: START_MS + 1_000,
            title: "Album 2".to_string(),
            nonce: 1,
        };
        let id = create.id(&ledger);
        client
            .create_campaign(&Signed::sign(create, &key(1), &ledger))
            .await
            .unwrap();
        let pledge = |units, nonce| {
            let pledge = Pledge {
                campaign: id,
                pledger: address(3),
                amount: btt(units),
                nonce,
            };
            Signed::sign(pledge, &key(3), &ledger)
        };
        let raised = client.pledge(&pledge(200, 1)).await.unwrap();
        assert_eq!(raised.raised, 200);
        let broke = client.pledge(&pledge(400, 2)).await.unwrap_err();
        assert!(broke.is_insufficient_funds(), "{broke}");
        let early = client.settle_campaign(id).await.unwrap_err();
        assert!(
            matches!(
                &early,
                LedgerError::Remote {
                    kind: ErrorKind::SettleBeforeDeadline,
                    ..
                }
            ),
            "{early}"
        );
        node.now
            .fetch_add(1_000, std::sync::atomic::Ordering::SeqCst);
        let settled = client.settle_campaign(id).await.unwrap();
        assert_eq!(settled.status, CampaignStatus::Refunded);
        assert_eq!(client.campaign(id).await.unwrap(), Some(settled));
        assert_eq!(client.balance(address(3), Token::Btt).await.unwrap(), 500);
        let history = client.history_after(address(3), 0, 10).await.unwrap();
        assert_eq!(history.len(), 3);
        assert_eq!(client.history(address(3), 0, 2).await.unwrap().len(), 2);
        node.stop().await;
        let gone = client.info().await.unwrap_err();
        assert!(matches!(gone, LedgerError::Unreachable { .. }), "{gone}");
    }

    #[tokio::test]
    async fn info_names_the_ledger() {
        let node = Node::start(NodeConfig::default()).await;
        let info: Value = crate::http_client::client()
            .get(format!("{}/btt/info", node.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["ledger_id"], node.ledger.id().to_string());
        assert_eq!(
            (info["head"].clone(), info["dev"].clone()),
            (json!(0), json!(true))
        );
        node.stop().await;
    }

    /// Signs a builder's unsigned answer with `key(seed)`.
    fn sign_built(built: &Value, seed: u8) -> Value {
        let raw = hex::decode(built["raw_data_hex"].as_str().unwrap()).unwrap();
        let unsigned = crate::tron::UnsignedTransaction::from_raw_bytes(&raw).unwrap();
        assert_eq!(built["txID"], unsigned.txid().to_string());
        let key = crate::wallet::PrivateKey::from_signing_key(fixtures::key(seed));
        serde_json::to_value(unsigned.sign(&key).to_json()).unwrap()
    }

    fn hex_text(value: &Value) -> String {
        String::from_utf8(hex::decode(value.as_str().unwrap()).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn builders_answer_unsigned_transactions_that_broadcast_applies() {
        let node = Node::start(NodeConfig::default()).await;
        let (alice, bob) = (address(1), address(2));
        node.ledger.mint(alice, btt(5_000_000)).await.unwrap();
        let built = node
            .post(
                "/wallet/transferasset",
                json!({
                    "owner_address": alice.to_string(), "to_address": bob.to_string(),
                    "asset_name": hex::encode("1002000"), "amount": 1_000_000, "visible": true,
                }),
            )
            .await;
        let contract = &built["raw_data"]["contract"][0];
        assert_eq!(contract["type"], "TransferAssetContract");
        assert_eq!(built["raw_data"]["expiration"], START_MS + 60_000);
        let head_block =
            crate::tron::BlockReference::from_block_id(&tron_json::block_id(&node.ledger.id(), 1));
        assert_eq!(
            built["raw_data"]["ref_block_hash"],
            hex::encode(head_block.hash)
        );
        let transaction = sign_built(&built, 1);
        let applied = node
            .post("/wallet/broadcasttransaction", transaction.clone())
            .await;
        assert_eq!(applied, json!({ "result": true, "txid": built["txID"] }));
        assert_eq!(
            node.ledger.balance(bob, Token::Btt).await.unwrap(),
            1_000_000
        );

        let replay = node.post("/wallet/broadcasttransaction", transaction).await;
        assert_eq!(replay["code"], "DUP_TRANSACTION_ERROR");
        assert_eq!(replay["txid"], built["txID"]);
        assert!(hex_text(&replay["message"]).contains("already applied"));

        let forged = node
            .post("/wallet/broadcasttransaction", sign_built(&built, 3))
            .await;
        assert_eq!(forged["code"], "SIGERROR", "{forged}");
        let elsewhere = fixtures::signed(1, &bob, 5, 9);
        let tapos = node
            .post("/wallet/broadcasttransaction", json!(elsewhere.to_json()))
            .await;
        assert_eq!(tapos["code"], "TAPOS_ERROR", "{tapos}");
        assert_eq!(tapos["btt_code"], "tapos");

        let again = node
            .post(
                "/wallet/transferasset",
                json!({ "owner_address": alice.to_hex(), "to_address": bob.to_hex(),
                        "asset_name": "1002000", "amount": 5, "extra_data": hex::encode("two") }),
            )
            .await;
        assert_eq!(again["raw_data"]["data"], hex::encode("two"));
        let mut base58_form = sign_built(&again, 1);
        base58_form["visible"] = json!(true);
        base58_form["raw_data"]["contract"][0]["parameter"]["value"]["to_address"] =
            json!(bob.to_string());
        let visible = node
            .post("/wallet/broadcasttransaction", base58_form.clone())
            .await;
        assert_eq!(visible["result"], true, "{visible}");
        base58_form["visible"] = json!(false);
        base58_form["raw_data"]["timestamp"] = json!(1);
        let mismatch = node.post("/wallet/broadcasttransaction", base58_form).await;
        assert_eq!(mismatch["code"], "SIGERROR", "{mismatch}");

        let trx = node
            .post(
                "/wallet/createtransaction",
                json!({ "owner_address": alice.to_hex(), "to_address": bob.to_hex(), "amount": 5 }),
            )
            .await;
        assert_eq!(trx["raw_data"]["contract"][0]["type"], "TransferContract");
        let poor = node
            .post("/wallet/broadcasttransaction", sign_built(&trx, 1))
            .await;
        assert_eq!(poor["code"], "CONTRACT_VALIDATE_ERROR");
        assert_eq!(poor["btt_code"], "insufficient_balance");

        let parameter = hex::encode(&crate::tron::abi::encode_transfer(&bob, 7)[4..]);
        let trc20 = node
            .post(
                "/wallet/triggersmartcontract",
                json!({
                    "owner_address": alice.to_string(),
                    "contract_address": crate::tron::contract::BTT_TRC20_CONTRACT,
                    "function_selector": "transfer(address,uint256)",
                    "parameter": parameter, "fee_limit": 100_000_000, "call_value": 0, "visible": true,
                }),
            )
            .await;
        assert_eq!(trc20["result"]["result"], true, "{trc20}");
        let contract = &trc20["transaction"]["raw_data"]["contract"][0];
        assert_eq!(contract["type"], "TriggerSmartContract");
        assert_eq!(trc20["transaction"]["raw_data"]["fee_limit"], 100_000_000);

        let other_asset = node
            .post(
                "/wallet/transferasset",
                json!({ "owner_address": alice.to_string(), "to_address": bob.to_string(),
                        "asset_name": "1000001", "amount": 1 }),
            )
            .await;
        assert!(other_asset["Error"].as_str().unwrap().contains("1002000"));
        let zero = node
            .post(
                "/wallet/createtransaction",
                json!({ "owner_address": alice.to_string(), "to_address": bob.to_string(), "amount": 0 }),
            )
            .await;
        assert!(zero["Error"].is_string());
        node.stop().await;
    }

    /// A purchase delivered and another refunded, through any backend; the
    /// clock is `now`. Returns nothing: every step asserts.
    async fn purchase_sequence<L: Ledger>(ledger: &L, now: &AtomicI64) {
        use crate::ledger::domain::Signed;
        use crate::ledger::local::fixtures::key;
        use crate::ledger::purchase::{
            BuyerKey, DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseStatus,
        };
        let id = ledger.ledger_id().await.unwrap();
        let (buyer, seller) = (address(5), address(6));
        ledger.mint(buyer, btt(3_000_001)).await.unwrap();
        let open = |nonce| OpenPurchase {
            buyer,
            seller,
            listing: [9; 32],
            buyer_key: BuyerKey::from_verifying_key(key(5).verifying_key()),
            price: btt(1_000_000),
            deadline_ms: START_MS + 5_000,
            nonce,
        };
        let first = ledger
            .open_purchase(Signed::sign(open(1), &key(5), &id))
            .await
            .unwrap();
        let again = ledger
            .open_purchase(Signed::sign(open(1), &key(5), &id))
            .await
            .unwrap();
        assert_eq!(again, first);
        let second = ledger
            .open_purchase(Signed::sign(open(2), &key(5), &id))
            .await
            .unwrap();
        assert_eq!(ledger.balance(buyer, Token::Btt).await.unwrap(), 1_000_001);
        let delivery = DeliverPurchase {
            purchase: first.id,
            sealed_key: vec![0x5a; 97],
        };
        let forged = Signed::sign(delivery.clone(), &key(5), &id);
        let refused = ledger.deliver_purchase(forged).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::WrongSigner, "{refused}");
        let delivered = ledger
            .deliver_purchase(Signed::sign(delivery, &key(6), &id))
            .await
            .unwrap();
        assert_eq!(delivered.status, PurchaseStatus::Delivered);
        let early = ledger.refund_purchase(second.id).await.unwrap_err();
        assert_eq!(early.kind(), ErrorKind::PurchaseRefundBeforeDeadline);
        now.fetch_add(5_000, std::sync::atomic::Ordering::SeqCst);
        let refunded = ledger.refund_purchase(second.id).await.unwrap();
        assert_eq!(refunded.status, PurchaseStatus::Refunded);
        let twice = ledger.refund_purchase(second.id).await.unwrap_err();
        assert_eq!(twice.kind(), ErrorKind::PurchaseSettled);
        assert_eq!(ledger.balance(buyer, Token::Btt).await.unwrap(), 2_000_001);
        assert_eq!(ledger.balance(seller, Token::Btt).await.unwrap(), 1_000_000);
        assert_eq!(ledger.purchase(first.id).await.unwrap(), Some(delivered));
        assert_eq!(
            ledger
                .purchase(crate::ledger::PurchaseId([0; 32]))
                .await
                .unwrap(),
            None
        );
        let sold = ledger
            .purchases(seller, PurchaseRole::Seller)
            .await
            .unwrap();
        assert_eq!(sold.len(), 2);
        let kinds: Vec<_> = ledger
            .history_after(buyer, 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|record| record.kind)
            .collect();
        use crate::ledger::MovementKind::{Mint, PurchaseLock, PurchaseRefund};
        assert_eq!(kinds, [Mint, PurchaseLock, PurchaseLock, PurchaseRefund]);
    }

    /// A go-between to `node` that hangs up on the client, on each of its
    /// first `cut` connections, once the node has begun to answer: the
    /// request was applied and the client got no answer (as when the node
    /// sheds a pooled keep-alive connection just as a request goes out).
    async fn cutting_proxy(node: std::net::SocketAddr, cut: usize) -> String {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            for index in 0.. {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let mut upstream = tokio::net::TcpStream::connect(node).await.unwrap();
                if index >= cut {
                    tokio::spawn(async move {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    });
                    continue;
                }
                let request = read_request(&mut client).await;
                upstream.write_all(&request).await.unwrap();
                let mut first = [0; 1];
                let _ = upstream.read(&mut first).await;
            }
        });
        url
    }

    /// One whole HTTP request (head and `Content-Length` body) from `stream`.
    async fn read_request(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
        let mut request = Vec::new();
        let mut chunk = [0; 4096];
        loop {
            let read = stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the client hung up first");
            request.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
            let Some(end) = text.find("\r\n\r\n") else {
                continue;
            };
            let length = text
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse::<usize>().unwrap());
            if request.len() >= end + 4 + length {
                return request;
            }
        }
    }

    #[tokio::test]
    async fn a_broadcast_whose_answer_was_cut_off_is_sent_again_and_applied_once() {
        let node = Node::start(NodeConfig::default()).await;
        let node_addr = node.url.trim_start_matches("http://").parse().unwrap();
        let (alice, bob) = (address(1), address(2));
        node.ledger.mint(alice, btt(5_000_000)).await.unwrap();
        let client = NodeClient::new(&cutting_proxy(node_addr, 1).await).unwrap();
        let transaction = signed_for(&node.ledger.id(), 1, &bob, 1_500_000, 1);
        let txid = client.broadcast(&transaction).await.unwrap();
        assert_eq!(txid, transaction.txid());
        assert_eq!(
            node.ledger.balance(bob, Token::Btt).await.unwrap(),
            1_500_000
        );
        assert_eq!(
            node.ledger.balance(alice, Token::Btt).await.unwrap(),
            3_500_000
        );

        let once = NodeClient::new(&cutting_proxy(node_addr, 1).await).unwrap();
        let error = once.mint(bob, btt(7)).await.unwrap_err();
        assert!(matches!(error, LedgerError::Unreachable { .. }), "{error}");
        let minted = node.ledger.balance(bob, Token::Btt).await.unwrap();
        assert_eq!(minted, 1_500_007, "a change is sent once, applied once");
        node.stop().await;
    }

    #[tokio::test]
    async fn a_purchase_runs_the_same_embedded_and_through_the_node() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(START_MS));
        let embedded = LocalLedger::open(
            &dir.path().join("ledger.sqlite"),
            fixtures::options(&now, true),
        )
        .unwrap();
        purchase_sequence(&embedded, &now).await;
        let node = Node::start(NodeConfig::default()).await;
        let client = client::NodeClient::new(&node.url).unwrap();
        purchase_sequence(&client, &node.now).await;
        node.stop().await;
    }
}
