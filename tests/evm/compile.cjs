// Compiles tests/evm/contracts/*.sol with the pinned solc (npm's solcjs,
// offline) and prints one JSON object on stdout: for each contract its
// creation and runtime bytecode (hex, no 0x) and its ABI. The settings are
// fixed here so that the output is reproducible; tests/evm/contracts.json
// is this output, checked in, and tests/evm_ledger.rs recompiles and
// compares. Run `node tests/evm/compile.cjs > tests/evm/contracts.json`
// after changing a contract.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const directory = path.join(__dirname, 'contracts');
const sources = {};
for (const file of fs.readdirSync(directory).filter((name) => name.endsWith('.sol')).sort()) {
    sources[file] = { content: fs.readFileSync(path.join(directory, file), 'utf8') };
}
const input = {
    language: 'Solidity',
    sources,
    settings: {
        optimizer: { enabled: true, runs: 200 },
        evmVersion: 'paris',
        metadata: { bytecodeHash: 'none' },
        outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((error) => error.severity === 'error');
if (errors.length > 0) {
    for (const error of errors) {
        process.stderr.write(error.formattedMessage);
    }
    process.exit(1);
}
const contracts = {};
for (const file of Object.keys(output.contracts).sort()) {
    for (const name of Object.keys(output.contracts[file]).sort()) {
        const contract = output.contracts[file][name];
        contracts[name] = {
            bytecode: contract.evm.bytecode.object,
            runtime: contract.evm.deployedBytecode.object,
            abi: contract.abi,
        };
    }
}
process.stdout.write(JSON.stringify({ solc: solc.version(), contracts }, null, 2) + '\n');
