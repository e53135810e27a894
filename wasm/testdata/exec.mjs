// Runs a GOOS=js test binary of the module as Go's go_js_wasm_exec does
// (lib/wasm/wasm_exec_node.js), with the package's host functions
// (js/host.js: the module's "flowthings" imports) in its import object:
//   GOOS=js GOARCH=wasm go test \
//     -exec="node --stack-size=8192 $PWD/wasm/testdata/exec.mjs" ./wasm/
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { hostFunctions } from '../../js/host.js';

if (process.argv.length < 3) {
  console.error('usage: exec.mjs [wasm binary] [arguments]');
  process.exit(1);
}

// The test binary uses the real file system and process, as under go_js_wasm_exec.
globalThis.require = createRequire(import.meta.url);
globalThis.fs = fs;
globalThis.path = path;
const goroot = process.env.GOROOT || execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
await import(pathToFileURL(path.join(goroot, 'lib', 'wasm', 'wasm_exec.js')).href);

const go = new globalThis.Go();
go.argv = process.argv.slice(2);
go.env = { TMPDIR: os.tmpdir(), ...process.env };
go.exit = process.exit;
try {
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[2]), {
    ...go.importObject, ...hostFunctions(() => instance.exports.mem),
  });
  process.on('exit', (code) => { // Node.js exits if no event handler is pending
    if (code === 0 && !go.exited) { // deadlock: make Go print its error and stacks
      go._pendingEvent = { id: 0 };
      go._resume();
    }
  });
  await go.run(instance);
} catch (err) {
  console.error(err);
  process.exit(1);
}
