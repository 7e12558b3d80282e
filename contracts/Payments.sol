// SPDX-License-Identifier: MIT
// Moves value into and out of btt's contracts: the chain's coin (token
// address zero, native BTT on BTTC) or an ERC-20 (WBTT). What comes in must
// arrive in full: a coin payment's msg.value is the amount, a token payment
// carries no coin and must raise the contract's token balance by exactly
// the amount (a token that takes a fee is refused). A token's answer is
// checked: the call must succeed and return true or nothing (tokens that
// return no value).
pragma solidity 0.8.37;

interface IERC20 {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
}

abstract contract Payments {
    /// Takes `amount` of `token` from the caller.
    function _take(address token, uint256 amount) internal {
        if (token == address(0)) {
            require(msg.value == amount, "value differs from the amount");
            return;
        }
        require(msg.value == 0, "coin sent with a token payment");
        _requireContract(token);
        uint256 before = _balance(token);
        _callToken(token, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)));
        require(_balance(token) - before == amount, "token moved another amount");
    }

    /// Pays `amount` of `token` to `to`.
    function _pay(address token, address to, uint256 amount) internal {
        if (amount == 0) {
            return;
        }
        if (token == address(0)) {
            (bool sent, ) = to.call{value: amount}("");
            require(sent, "payment refused");
            return;
        }
        _callToken(token, abi.encodeCall(IERC20.transfer, (to, amount)));
    }

    /// A call to an address without code succeeds with no answer, which
    /// would read as a token that returns nothing: refused.
    function _requireContract(address token) private view {
        require(token.code.length > 0, "token is not a contract");
    }

    function _callToken(address token, bytes memory call) private {
        _requireContract(token);
        (bool success, bytes memory answer) = token.call(call);
        require(success && (answer.length == 0 || abi.decode(answer, (bool))), "token transfer failed");
    }

    function _balance(address token) private view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }
}
