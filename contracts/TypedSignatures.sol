// SPDX-License-Identifier: MIT
// EIP-712 signatures bound to one chain and one contract: the domain is
// (name, version "1", chainId, verifyingContract), computed at each call so
// that a signature made for another chain or another contract recovers
// another signer. Recovery refuses what ecrecover would accept but should
// not: a signature that is not 65 bytes, v other than 27 or 28, s in the
// upper half of the curve order (a malleated copy), and the zero signer.
pragma solidity 0.8.37;

abstract contract TypedSignatures {
    bytes32 private constant DOMAIN_TYPE =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// The keccak256 of the domain's name.
    function _domainNameHash() internal pure virtual returns (bytes32);

    /// The EIP-712 domain separator of this contract on this chain.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPE, _domainNameHash(), keccak256("1"), block.chainid, address(this)));
    }

    /// The signer of the typed data whose struct hash is `structHash`.
    function _signer(bytes32 structHash, bytes calldata signature) internal view returns (address signer) {
        require(signature.length == 65, "signature is not 65 bytes");
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        require(v == 27 || v == 28, "signature v is not 27 or 28");
        require(uint256(s) <= HALF_CURVE_ORDER, "signature s is in the upper half");
        signer = ecrecover(keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash)), v, r, s);
        require(signer != address(0), "signature recovers no signer");
    }
}
