// Compiles a directory of Solidity sources with the pinned solc (npm's
// solcjs, offline) and the fixed settings below, so that the output is
// reproducible. For each deployable contract (abstract ones and interfaces
// have no bytecode and are left out) it gives the creation and runtime
// bytecode (hex, no 0x) and the ABI.
//
//   node tests/evm/compile.cjs                 tests/evm/contracts, as one JSON object on stdout
//   node tests/evm/compile.cjs DIR             DIR's contracts, the same way
//   node tests/evm/compile.cjs DIR OUT         also writes OUT/NAME.json per contract
//
// tests/evm/contracts.json is the first form, checked in; btt's contracts
// are `node tests/evm/compile.cjs contracts contracts/build`, checked in
// as contracts/build/*.json. tests/evm_ledger.rs and tests/evm_contracts.rs
// recompile and compare. Run the same command after changing a contract.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

function compile(directory) {
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
            if (contract.evm.bytecode.object === '') {
                continue;
            }
            contracts[name] = {
                bytecode: contract.evm.bytecode.object,
                runtime: contract.evm.deployedBytecode.object,
                abi: contract.abi,
            };
        }
    }
    return { solc: solc.version(), contracts };
}

const [sourceDirectory, outputDirectory] = process.argv.slice(2);
const compiled = compile(sourceDirectory || path.join(__dirname, 'contracts'));
if (outputDirectory) {
    fs.mkdirSync(outputDirectory, { recursive: true });
    for (const [name, contract] of Object.entries(compiled.contracts)) {
        fs.writeFileSync(path.join(outputDirectory, `${name}.json`), JSON.stringify(contract, null, 2) + '\n');
    }
}
process.stdout.write(JSON.stringify(compiled, null, 2) + '\n');
