// SPDX-License-Identifier: MIT
// Hostile counterparts for the tests of btt's contracts (tests/evm_contracts.rs).
pragma solidity 0.8.37;

interface IChannels {
    function redeem(bytes32 channel, uint256 cumulative, bytes calldata signature) external;
}

// A channel payee that, when paid, redeems the same voucher again from
// inside the payment (a reentrancy attack), and says whether that paid.
contract ReentrantPayee {
    IChannels public immutable channels;
    bytes32 private channel;
    uint256 private cumulative;
    bytes private signature;
    bool private inside;
    bool private reentered;

    event Attacked(bool reentered, uint256 balance);

    constructor(address target) {
        channels = IChannels(target);
    }

    function attack(bytes32 channel_, uint256 cumulative_, bytes calldata signature_) external {
        channel = channel_;
        cumulative = cumulative_;
        signature = signature_;
        channels.redeem(channel_, cumulative_, signature_);
        emit Attacked(reentered, address(this).balance);
    }

    receive() external payable {
        if (inside) {
            return;
        }
        // Enough gas for the second redeem, so that a gas estimate can not
        // make it fail for want of gas and hide a reentrancy that works.
        require(gasleft() >= 200000, "ReentrantPayee: gas");
        inside = true;
        try channels.redeem(channel, cumulative, signature) {
            reentered = true;
        } catch {}
        inside = false;
    }
}

// An ERC-20 that keeps one base unit of every transferFrom as a fee: the
// receiver gets less than the amount asked.
contract ShortToken {
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function mint(address to, uint256 value) external {
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        balanceOf[from] -= value;
        balanceOf[to] += value - 1;
        emit Transfer(from, to, value - 1);
        return true;
    }
}

interface ICampaigns {
    function pledge(bytes32 campaign, uint256 amount) external payable;
    function refund(bytes32 campaign) external;
}

// A pledger that refuses every payment back, its refund included.
contract RefusingPledger {
    event Pledged(bytes32 campaign, uint256 amount);

    function pledge(address campaigns, bytes32 campaign) external payable {
        ICampaigns(campaigns).pledge{value: msg.value}(campaign, msg.value);
        emit Pledged(campaign, msg.value);
    }

    function refund(address campaigns, bytes32 campaign) external {
        ICampaigns(campaigns).refund(campaign);
    }

    receive() external payable {
        revert("RefusingPledger: no");
    }
}
