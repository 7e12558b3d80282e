//! A hostile market peer inside the test process: it dials a `btt-seed
//! run --ask` as a leecher, speaks `btt_market` as `docs/market-protocol.md`
//! writes it (bencoded dictionaries built by hand here, not through
//! `btt::market`), and does whatever a test tells it: bid, name a channel,
//! send a voucher, `close`, ask for blocks and never pay. It counts the
//! bytes the seller served it on a paid slot: blocks that came while it was
//! unchoked after a nonzero `price`.
//!
//! Wire framing (handshake, messages) is `btt::peer`'s; every market byte
//! is this file's.

use btt::bencode::decode;
use btt::peer::{read_handshake, write_handshake, BlockRequest, Handshake, Message};
use btt::peer::{MessageCodec, WireLimits};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// The id this peer receives `btt_market` messages under.
const OUR_MARKET_ID: u8 = 9;
/// How long to wait for a message the seller must send.
const ANSWER: Duration = Duration::from_secs(15);
/// The block size it asks for.
pub const BLOCK: u32 = 16 << 10;

/// What the seller's extended handshake said.
struct SellerFacts {
    market_id: u8,
    ledger: SellerLedger,
}

/// Where the seller's market is, as its handshake names it.
enum SellerLedger {
    /// Version 1: a ledger of btt's, by id.
    Ledger(Vec<u8>),
    /// Version 2: btt's channels contract on a chain.
    Chain { chain_id: i64, contract: Vec<u8> },
}

/// One connection of a hostile leecher to a seller.
pub struct MarketPeer {
    framed: Framed<TcpStream, MessageCodec>,
    seller: SellerFacts,
    unchoked: bool,
    price: u64,
    /// Bytes served to it on a paid slot over this connection.
    pub paid_slot_bytes: u64,
    /// Requests the seller refused (BEP 6 reject) over this connection.
    pub refused: u64,
}

impl MarketPeer {
    /// Dials `seller` for `info_hash` as `peer_id`, paying (it says) from
    /// `wallet` (a TRON address), and exchanges the handshakes.
    pub async fn connect(
        seller: &str,
        info_hash: [u8; 20],
        peer_id: [u8; 20],
        wallet: &str,
    ) -> MarketPeer {
        let mut stream = TcpStream::connect(seller).await.expect("dial the seller");
        let ours = Handshake::new(info_hash, peer_id);
        write_handshake(&mut stream, &ours)
            .await
            .expect("send the handshake");
        let theirs = tokio::time::timeout(ANSWER, read_handshake(&mut stream))
            .await
            .expect("the seller's handshake in time")
            .expect("a handshake");
        assert!(theirs.supports_fast(), "the seller speaks BEP 6");
        let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
        let seller = read_seller_handshake(&mut framed).await;
        let mut peer = MarketPeer {
            framed,
            seller,
            unchoked: false,
            price: 0,
            paid_slot_bytes: 0,
            refused: 0,
        };
        let handshake = our_handshake(wallet, &peer.seller.ledger);
        peer.send(Message::Extended {
            id: 0,
            payload: handshake.into(),
        })
        .await;
        peer.send(Message::HaveNone).await;
        peer.send(Message::Interested).await;
        peer
    }

    async fn send(&mut self, message: Message) {
        self.framed.send(message).await.expect("send to the seller");
    }

    async fn send_market(&mut self, dictionary: Vec<u8>) {
        let id = self.seller.market_id;
        self.send(Message::Extended {
            id,
            payload: dictionary.into(),
        })
        .await;
    }

    /// `bid {price}`: base units per MiB.
    pub async fn bid(&mut self, price: u64) {
        self.send_market(format!("d5:pricei{price}e1:t3:bide").into_bytes())
            .await;
    }

    /// `channel {id}`.
    pub async fn name_channel(&mut self, channel: &[u8; 32]) {
        let mut dictionary = b"d2:id32:".to_vec();
        dictionary.extend_from_slice(channel);
        dictionary.extend_from_slice(b"1:t7:channele");
        self.send_market(dictionary).await;
    }

    /// `voucher {channel, cumulative, sig}`.
    pub async fn voucher(&mut self, channel: &[u8; 32], cumulative: u128, signature: &[u8; 65]) {
        let mut dictionary = b"d7:channel32:".to_vec();
        dictionary.extend_from_slice(channel);
        dictionary.extend_from_slice(format!("10:cumulativei{cumulative}e3:sig65:").as_bytes());
        dictionary.extend_from_slice(signature);
        dictionary.extend_from_slice(b"1:t7:vouchere");
        self.send_market(dictionary).await;
    }

    /// `close`.
    pub async fn close(&mut self) {
        self.send_market(b"d1:t5:closee".to_vec()).await;
    }

    /// Waits until the seller priced a slot for it above zero and unchoked
    /// it; false when that did not happen within `limit`.
    pub async fn wait_paid_slot(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while !(self.unchoked && self.price > 0) {
            let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.framed.next()).await
            else {
                return false;
            };
            self.note(message.expect("a well-formed message"));
        }
        true
    }

    /// Asks for every block of `pieces` pieces of `piece_length` bytes from
    /// piece `first` on, as a greedy peer does: what is refused is asked
    /// again each time the seller unchokes it anew (up to three times).
    /// Each round waits for every answer (a block or a refusal) or until
    /// `quiet` passes with none. Returns the bytes served on a paid slot.
    pub async fn take(
        &mut self,
        first: u32,
        pieces: u32,
        piece_length: u32,
        quiet: Duration,
    ) -> u64 {
        let before = self.paid_slot_bytes;
        let mut asking: Vec<BlockRequest> = (first..first + pieces)
            .flat_map(|index| {
                (0..piece_length / BLOCK).map(move |block| BlockRequest {
                    index,
                    begin: block * BLOCK,
                    length: BLOCK,
                })
            })
            .collect();
        for _ in 0..3 {
            for request in &asking {
                self.send(Message::Request(*request)).await;
            }
            asking = self.answers(asking.len(), quiet).await;
            if asking.is_empty() || !self.resumed(quiet).await {
                break;
            }
        }
        self.paid_slot_bytes - before
    }

    /// Reads up to `count` answers to requests; the refused requests.
    async fn answers(&mut self, count: usize, quiet: Duration) -> Vec<BlockRequest> {
        let mut refused = Vec::new();
        let mut waiting = count;
        while waiting > 0 {
            let Ok(Some(message)) = tokio::time::timeout(quiet, self.framed.next()).await else {
                break;
            };
            let message = message.expect("a well-formed message");
            match &message {
                Message::Piece { .. } => waiting -= 1,
                Message::Reject(request) => {
                    refused.push(*request);
                    waiting -= 1;
                }
                _ => {}
            }
            self.note(message);
        }
        refused
    }

    /// Whether the seller unchokes it again (it may ask anew) within `quiet`.
    async fn resumed(&mut self, quiet: Duration) -> bool {
        loop {
            let Ok(Some(message)) = tokio::time::timeout(quiet, self.framed.next()).await else {
                return false;
            };
            let message = message.expect("a well-formed message");
            let unchoke = message == Message::Unchoke;
            self.note(message);
            if unchoke {
                return true;
            }
        }
    }

    /// Keeps what a message from the seller says about its slot.
    fn note(&mut self, message: Message) {
        match message {
            Message::Unchoke => self.unchoked = true,
            Message::Choke => self.unchoked = false,
            Message::Reject(_) => self.refused += 1,
            Message::Piece { data, .. } if self.unchoked && self.price > 0 => {
                self.paid_slot_bytes += data.len() as u64;
            }
            Message::Extended { id, payload } if id == OUR_MARKET_ID => {
                if let Some(price) = market_price(&payload) {
                    self.price = price;
                }
            }
            _ => {}
        }
    }
}

/// The extended handshake of a market leecher on the seller's ledger,
/// bencoded by hand (keys in order).
fn our_handshake(wallet: &str, ledger: &SellerLedger) -> Vec<u8> {
    let mut payload = b"d10:btt_marketd".to_vec();
    let version = match ledger {
        SellerLedger::Ledger(id) => {
            payload.extend_from_slice(format!("6:ledger{}:", id.len()).as_bytes());
            payload.extend_from_slice(id);
            1
        }
        SellerLedger::Chain { chain_id, contract } => {
            payload.extend_from_slice(format!("5:chaini{chain_id}e8:contract").as_bytes());
            payload.extend_from_slice(format!("{}:", contract.len()).as_bytes());
            payload.extend_from_slice(contract);
            2
        }
    };
    payload
        .extend_from_slice(format!("1:vi{version}e6:wallet{}:{wallet}e", wallet.len()).as_bytes());
    payload.extend_from_slice(format!("1:md10:btt_marketi{OUR_MARKET_ID}eee").as_bytes());
    payload
}

/// Reads messages until the seller's extended handshake, and takes its
/// market id and ledger (id, or chain and contract) from it.
async fn read_seller_handshake(framed: &mut Framed<TcpStream, MessageCodec>) -> SellerFacts {
    loop {
        let message = tokio::time::timeout(ANSWER, framed.next())
            .await
            .expect("the seller's extended handshake in time")
            .expect("an open connection")
            .expect("a well-formed message");
        let Message::Extended { id: 0, payload } = message else {
            continue;
        };
        let handshake = decode(&payload).expect("bencode");
        let handshake = handshake.as_dict().expect("a dictionary");
        let ids = handshake
            .get("m")
            .and_then(|m| m.as_dict())
            .expect("an m dictionary");
        let market_id = ids
            .get("btt_market")
            .and_then(|id| id.as_int())
            .expect("btt_market");
        let market = handshake
            .get("btt_market")
            .and_then(|m| m.as_dict())
            .expect("market fields");
        let chain = market.get("chain").and_then(|chain| chain.as_int());
        let ledger = match chain {
            Some(chain_id) => SellerLedger::Chain {
                chain_id,
                contract: market
                    .get("contract")
                    .and_then(|contract| contract.as_bytes())
                    .expect("a contract")
                    .to_vec(),
            },
            None => SellerLedger::Ledger(
                market
                    .get("ledger")
                    .and_then(|l| l.as_bytes())
                    .expect("a ledger id")
                    .to_vec(),
            ),
        };
        return SellerFacts {
            market_id: u8::try_from(market_id).expect("an id below 256"),
            ledger,
        };
    }
}

/// The price of a `price` message, if `payload` is one.
fn market_price(payload: &[u8]) -> Option<u64> {
    let message = decode(payload).ok()?;
    let message = message.as_dict()?;
    if message.get("t")?.as_bytes()? != b"price" {
        return None;
    }
    u64::try_from(message.get("price")?.as_int()?).ok()
}
