// Prints the secret of one device, for its X-Device-Secret header:
//
//   DEVICE_SECRET=… node workers/device-secret.js <deviceId>
//
// The Worker's DEVICE_SECRET is read from the environment, never from the
// command line (where other users and the shell history would see it). The
// same as `printf %s <deviceId> | openssl dgst -sha256 -hmac "$DEVICE_SECRET"`.
import { deviceIdProblem, deviceKey, deviceSecret } from './common/device.js';

const args = process.argv.slice(2);
const key = process.env.DEVICE_SECRET;
if (args.length !== 1) {
  console.error('usage: DEVICE_SECRET=… node workers/device-secret.js <deviceId>');
  process.exit(2);
}
const [id] = args;
const problem = deviceIdProblem(id);
if (problem) {
  console.error(`device-secret: ${JSON.stringify(id)} is ${problem}`);
  process.exit(2);
}
if (!key) {
  console.error('device-secret: set DEVICE_SECRET in the environment to the Worker\'s DEVICE_SECRET');
  process.exit(2);
}
console.log(await deviceSecret(await deviceKey(key), id));
