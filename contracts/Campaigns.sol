// SPDX-License-Identifier: MIT
// Crowdfunding campaigns in the chain's coin or an ERC-20. Anyone creates a
// campaign for a beneficiary with a goal, a deadline and a title; its id is
// the creator's and a creator-chosen nonce's hash, so a creator that reruns
// names the same campaign and can not create it twice. Pledges are locked
// until the deadline. Then, if the pledges reach the goal, `settle` pays them
// all to the beneficiary (once); otherwise each pledger withdraws its own
// pledge with `refund` (pull refunds: one pledger that can not be paid does
// not block the others).
//
// Invariants: what a campaign pays out is what was pledged to it, to the
// wei, either all to the beneficiary or each pledge to its pledger, each at
// most once. No owner, no upgrade key, no fee. State changes before any payment.
pragma solidity 0.8.37;

import "./Payments.sol";

contract Campaigns is Payments {
    struct Campaign {
        address beneficiary;
        uint64 deadline;
        bool settled;
        address token;
        uint256 goal;
        uint256 pledged;
    }

    mapping(bytes32 => Campaign) public campaigns;
    mapping(bytes32 => mapping(address => uint256)) public pledges;

    /// The longest title a campaign carries, in bytes.
    uint256 public constant MAX_TITLE = 256;

    event Created(
        bytes32 indexed campaign,
        address indexed creator,
        address indexed beneficiary,
        address token,
        uint256 goal,
        uint64 deadline,
        string title
    );
    event Pledged(bytes32 indexed campaign, address indexed pledger, uint256 amount, uint256 pledged);
    event Settled(bytes32 indexed campaign, uint256 amount);
    event Refunded(bytes32 indexed campaign, address indexed pledger, uint256 amount);

    /// Creates a campaign that pays `beneficiary` if `goal` of `token` is pledged by `deadline`.
    function create(
        address beneficiary,
        address token,
        uint256 goal,
        uint64 deadline,
        string calldata title,
        bytes32 nonce
    ) external returns (bytes32 campaign) {
        require(beneficiary != address(0), "beneficiary is nobody");
        require(goal > 0, "no goal");
        require(deadline > block.timestamp, "deadline is not in the future");
        require(bytes(title).length <= MAX_TITLE, "title is too long");
        campaign = keccak256(abi.encode(msg.sender, nonce));
        require(campaigns[campaign].beneficiary == address(0), "campaign exists");
        campaigns[campaign] = Campaign(beneficiary, deadline, false, token, goal, 0);
        emit Created(campaign, msg.sender, beneficiary, token, goal, deadline, title);
    }

    /// Pledges `amount` until the deadline.
    function pledge(bytes32 campaign, uint256 amount) external payable {
        Campaign storage c = _existing(campaign);
        require(block.timestamp < c.deadline, "campaign has ended");
        require(amount > 0, "no pledge");
        pledges[campaign][msg.sender] += amount;
        c.pledged += amount;
        emit Pledged(campaign, msg.sender, amount, c.pledged);
        _take(c.token, amount);
    }

    /// After the deadline, pays every pledge to the beneficiary when the goal was met.
    function settle(bytes32 campaign) external {
        Campaign storage c = _ended(campaign);
        require(c.pledged >= c.goal, "goal was not met");
        require(!c.settled, "campaign is settled");
        c.settled = true;
        emit Settled(campaign, c.pledged);
        _pay(c.token, c.beneficiary, c.pledged);
    }

    /// After the deadline of a campaign that missed its goal, returns the caller's pledge.
    function refund(bytes32 campaign) external {
        Campaign storage c = _ended(campaign);
        require(c.pledged < c.goal, "goal was met");
        uint256 amount = pledges[campaign][msg.sender];
        require(amount > 0, "nothing to refund");
        pledges[campaign][msg.sender] = 0;
        emit Refunded(campaign, msg.sender, amount);
        _pay(c.token, msg.sender, amount);
    }

    function _existing(bytes32 campaign) private view returns (Campaign storage c) {
        c = campaigns[campaign];
        require(c.beneficiary != address(0), "no such campaign");
    }

    function _ended(bytes32 campaign) private view returns (Campaign storage c) {
        c = _existing(campaign);
        require(block.timestamp >= c.deadline, "campaign is running");
    }
}
