// SPDX-License-Identifier: MIT
// One-directional payment channels in the chain's coin or an ERC-20. The
// payer opens a channel to one payee with a deposit and an expiry, and pays
// off chain with EIP-712 vouchers Voucher(channel, payee, cumulative), each
// worth the total owed so far. Before expiry the payee redeems the latest
// voucher any number of times (each pays the difference) or closes with it
// (pays the payee, returns the rest to the payer at once); from expiry on
// only the payer's refund of what was not redeemed remains.
//
// Invariants: a channel pays out at most its deposit (redeemed never
// exceeds deposit); value in (deposits and top-ups) equals value out
// (redemptions, close and refund) once a channel is closed; no owner, no
// upgrade key, no fee. State changes before any payment.
pragma solidity 0.8.37;

import "./Payments.sol";
import "./TypedSignatures.sol";

contract Channels is Payments, TypedSignatures {
    struct Channel {
        address payer;
        uint64 expiry;
        bool closed;
        address payee;
        address token;
        uint256 deposit;
        uint256 redeemed;
    }

    bytes32 public constant VOUCHER_TYPE = keccak256("Voucher(bytes32 channel,address payee,uint256 cumulative)");

    mapping(bytes32 => Channel) public channels;
    uint256 public opened;

    event Opened(
        bytes32 indexed channel,
        address indexed payer,
        address indexed payee,
        address token,
        uint256 deposit,
        uint64 expiry
    );
    event ToppedUp(bytes32 indexed channel, uint256 amount, uint256 deposit);
    event Extended(bytes32 indexed channel, uint64 expiry);
    event Redeemed(bytes32 indexed channel, uint256 cumulative, uint256 paid);
    event Closed(bytes32 indexed channel, uint256 cumulative, uint256 toPayee, uint256 toPayer);
    event Refunded(bytes32 indexed channel, uint256 amount);

    function _domainNameHash() internal pure override returns (bytes32) {
        return keccak256("btt channels");
    }

    /// Opens a channel from the caller to `payee` holding `amount` of `token` until `expiry`.
    function open(address payee, address token, uint256 amount, uint64 expiry)
        external
        payable
        returns (bytes32 channel)
    {
        require(payee != address(0) && payee != msg.sender, "payee is nobody or the payer");
        require(amount > 0, "no deposit");
        require(expiry > block.timestamp, "expiry is not in the future");
        opened += 1;
        channel = keccak256(abi.encode(msg.sender, payee, token, opened));
        channels[channel] = Channel(msg.sender, expiry, false, payee, token, amount, 0);
        emit Opened(channel, msg.sender, payee, token, amount, expiry);
        _take(token, amount);
    }

    /// Adds `amount` to the deposit of the caller's open channel.
    function topUp(bytes32 channel, uint256 amount) external payable {
        Channel storage c = _payersLive(channel);
        require(amount > 0, "no deposit");
        c.deposit += amount;
        emit ToppedUp(channel, amount, c.deposit);
        _take(c.token, amount);
    }

    /// Moves the expiry of the caller's open channel later.
    function extend(bytes32 channel, uint64 expiry) external {
        Channel storage c = _payersLive(channel);
        require(expiry > c.expiry, "expiry is not later");
        c.expiry = expiry;
        emit Extended(channel, expiry);
    }

    /// Pays the payee what the voucher for `cumulative` adds to what was redeemed.
    function redeem(bytes32 channel, uint256 cumulative, bytes calldata signature) external {
        Channel storage c = _payeesLive(channel, cumulative, signature);
        require(cumulative > c.redeemed, "voucher is not above what was redeemed");
        uint256 paid = cumulative - c.redeemed;
        c.redeemed = cumulative;
        emit Redeemed(channel, cumulative, paid);
        _pay(c.token, c.payee, paid);
    }

    /// Closes with the voucher for `cumulative`: the payee gets what is not
    /// yet redeemed of it, the payer the rest of the deposit.
    function close(bytes32 channel, uint256 cumulative, bytes calldata signature) external {
        Channel storage c = _payeesLive(channel, cumulative, signature);
        require(cumulative >= c.redeemed, "voucher is below what was redeemed");
        uint256 toPayee = cumulative - c.redeemed;
        uint256 toPayer = c.deposit - cumulative;
        c.redeemed = cumulative;
        c.closed = true;
        emit Closed(channel, cumulative, toPayee, toPayer);
        _pay(c.token, c.payee, toPayee);
        _pay(c.token, c.payer, toPayer);
    }

    /// From expiry on, returns to the payer what was not redeemed.
    function refund(bytes32 channel) external {
        Channel storage c = _payersLive(channel);
        require(block.timestamp >= c.expiry, "channel has not expired");
        uint256 amount = c.deposit - c.redeemed;
        c.closed = true;
        emit Refunded(channel, amount);
        _pay(c.token, c.payer, amount);
    }

    /// The struct hash of the voucher for `cumulative` on `channel` to `payee`.
    function voucherHash(bytes32 channel, address payee, uint256 cumulative) public pure returns (bytes32) {
        return keccak256(abi.encode(VOUCHER_TYPE, channel, payee, cumulative));
    }

    function _live(bytes32 channel) private view returns (Channel storage c) {
        c = channels[channel];
        require(c.payer != address(0), "no such channel");
        require(!c.closed, "channel is closed");
    }

    function _payersLive(bytes32 channel) private view returns (Channel storage c) {
        c = _live(channel);
        require(msg.sender == c.payer, "not the payer");
    }

    /// The payee's open, unexpired channel, with the payer's voucher for `cumulative` checked.
    function _payeesLive(bytes32 channel, uint256 cumulative, bytes calldata signature)
        private
        view
        returns (Channel storage c)
    {
        c = _live(channel);
        require(msg.sender == c.payee, "not the payee");
        require(block.timestamp < c.expiry, "channel has expired");
        require(cumulative <= c.deposit, "voucher is above the deposit");
        require(_signer(voucherHash(channel, c.payee, cumulative), signature) == c.payer, "voucher is not the payer's");
    }
}
