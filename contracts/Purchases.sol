// SPDX-License-Identifier: MIT
// The purchase escrow. A seller signs an EIP-712 Listing(digest, seller,
// token, price, expiry) off chain; a buyer opens a purchase with it, paying
// the listed price in the listed token before the listing expires, and names
// a delivery deadline and the public key the content key is to be sealed to.
// Before the deadline the seller delivers the sealed key: the contract
// records it (event Delivered) and pays the seller in the same transaction.
// From the deadline on anyone may refund the buyer, since the refund can pay
// nobody else.
//
// Invariants: a purchase exists only at its listing's price, in its token,
// signed by its seller, before its expiry (an underpriced order can not
// exist); each purchase ends exactly once, delivered or refunded; the id is
// the buyer's, the listing's and a buyer-chosen nonce's hash, so a buyer
// that reruns names the same purchase and can not open it twice. No owner,
// no upgrade key, no fee. State changes before any payment.
pragma solidity 0.8.37;

import "./Payments.sol";
import "./TypedSignatures.sol";

contract Purchases is Payments, TypedSignatures {
    struct Listing {
        bytes32 digest;
        address seller;
        address token;
        uint256 price;
        uint64 expiry;
    }

    enum State {
        None,
        Open,
        Delivered,
        Refunded
    }

    struct Purchase {
        address buyer;
        uint64 deadline;
        State state;
        address seller;
        address token;
        uint256 price;
    }

    bytes32 public constant LISTING_TYPE =
        keccak256("Listing(bytes32 digest,address seller,address token,uint256 price,uint64 expiry)");

    /// The longest sealed key a delivery records, in bytes.
    uint256 public constant MAX_SEALED_KEY = 256;

    mapping(bytes32 => Purchase) public purchases;

    event Opened(
        bytes32 indexed purchase,
        address indexed buyer,
        address indexed seller,
        bytes32 digest,
        address token,
        uint256 price,
        uint64 deadline,
        bytes buyerKey,
        bytes32 nonce
    );
    event Delivered(bytes32 indexed purchase, bytes sealedKey);
    event Refunded(bytes32 indexed purchase, uint256 amount);

    function _domainNameHash() internal pure override returns (bytes32) {
        return keccak256("btt purchases");
    }

    /// Opens a purchase of `listing` at its price, to be delivered before `deadline`
    /// sealed to `buyerKey` (a compressed secp256k1 public key).
    function buy(
        Listing calldata listing,
        bytes calldata signature,
        uint64 deadline,
        bytes calldata buyerKey,
        bytes32 nonce
    ) external payable returns (bytes32 purchase) {
        require(block.timestamp < listing.expiry, "listing has expired");
        require(deadline > block.timestamp, "deadline is not in the future");
        require(listing.price > 0, "listing has no price");
        require(buyerKey.length == 33, "buyer key is not 33 bytes");
        bytes32 hash = listingHash(listing);
        require(_signer(hash, signature) == listing.seller, "listing is not its seller's");
        purchase = keccak256(abi.encode(msg.sender, hash, nonce));
        require(purchases[purchase].state == State.None, "purchase exists");
        purchases[purchase] = Purchase(msg.sender, deadline, State.Open, listing.seller, listing.token, listing.price);
        emit Opened(purchase, msg.sender, listing.seller, listing.digest, listing.token, listing.price, deadline, buyerKey, nonce);
        _take(listing.token, listing.price);
    }

    /// The seller delivers the content key sealed to the buyer and is paid.
    function deliver(bytes32 purchase, bytes calldata sealedKey) external {
        Purchase storage p = _open(purchase);
        require(msg.sender == p.seller, "not the seller");
        require(block.timestamp < p.deadline, "delivery deadline has passed");
        require(sealedKey.length > 0 && sealedKey.length <= MAX_SEALED_KEY, "sealed key is empty or too long");
        p.state = State.Delivered;
        emit Delivered(purchase, sealedKey);
        _pay(p.token, p.seller, p.price);
    }

    /// From the deadline on, returns an undelivered purchase's price to its buyer.
    function refund(bytes32 purchase) external {
        Purchase storage p = _open(purchase);
        require(block.timestamp >= p.deadline, "delivery deadline has not passed");
        p.state = State.Refunded;
        emit Refunded(purchase, p.price);
        _pay(p.token, p.buyer, p.price);
    }

    /// The struct hash of `listing`.
    function listingHash(Listing calldata listing) public pure returns (bytes32) {
        return keccak256(
            abi.encode(LISTING_TYPE, listing.digest, listing.seller, listing.token, listing.price, listing.expiry)
        );
    }

    function _open(bytes32 purchase) private view returns (Purchase storage p) {
        p = purchases[purchase];
        require(p.state != State.None, "no such purchase");
        require(p.state == State.Open, "purchase has ended");
    }
}
