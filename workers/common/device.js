// Each device's own secret, derived from the Worker's one DEVICE_SECRET:
// a device sends its id in X-Device-Id and its secret in X-Device-Secret,
// the HMAC-SHA-256 of the id keyed with DEVICE_SECRET, as 64 hex digits.
// The JS Worker and workers/device-secret.js use this module; the Go Worker
// has the same rules in workers/go/edge/device.go. Web Crypto only, so it
// runs in Workers and in Node.js alike.

/** The longest device id, in characters. */
export const MAX_DEVICE_ID_LENGTH = 64;

/** The elem each drop an ingest writes records the device's id in. */
export const DEVICE_ID_ELEM = 'deviceId';

const DEVICE_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_DEVICE_ID_LENGTH}}$`);

/** Why id is not a device id, or null when it is one: 1 to 64 letters,
 * digits, '.', '_', ':' or '-' (a serial number, a MAC address, a UUID), so
 * that it is safe in a drop, a log line and a filter. */
export function deviceIdProblem(id) {
  return DEVICE_ID.test(id) ? null : `not a device id: 1 to ${MAX_DEVICE_ID_LENGTH} letters, digits, '.', '_', ':' or '-'`;
}

/** The HMAC key of DEVICE_SECRET (a string), for deviceSecret and
 * verifyDeviceSecret. */
export function deviceKey(secret) {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** The secret of device id: 64 lower-case hex digits. */
export async function deviceSecret(key, id) {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(id)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

const HEX_MAC = /^[0-9a-fA-F]{64}$/;

/** Whether given (the X-Device-Secret header) is the secret of device id.
 * crypto.subtle.verify compares in constant time; checking the form first
 * tells only whether given is 64 hex digits, as every right secret is. */
export async function verifyDeviceSecret(key, id, given) {
  if (!HEX_MAC.test(given)) return false;
  const mac = new Uint8Array(32);
  for (let i = 0; i < 32; i++) mac[i] = parseInt(given.slice(2 * i, 2 * i + 2), 16);
  return crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(id));
}
