// The tests' emulator: the same launcher the examples use (examples/emulator.js),
// so the demo and the tests start it one way. startEmulator(flags?) builds
// dist/flowthings-emulator once per process, starts it on 127.0.0.1:0 and
// resolves to { host, wsHost, rest, account, token, guestAccount, guestToken,
// pid, log(), stop() }; it is killed on process exit in any case.
export { startEmulator, buildEmulator, parseReadyLine, emulatorBinary, repoRoot } from '../../../examples/emulator.js';
