// The exact-JSON bench (`node bench/json.js`, also a section of `npm run
// bench`): js/json.js parse() against JSON.parse on the everyday texts —
// a small answer and a find of 1,000 drops whose elems hold floats of full
// precision, dates and ids — and, for information, what a text with a
// 64-bit integer costs on the exact path. Target: everyday ≤ 1.02× (no
// measurable extra).
import { parse } from '../js/json.js';

const TARGET = 1.02;

function envelope(body) {
  return JSON.stringify({ head: { status: 200, ok: true, messages: [], errors: [], references: {} }, body });
}

/** The everyday texts: small and large answers, no integer beyond 2^53. */
export function everydayTexts() {
  const drop = (i) => ({
    id: `d${(0x5f3a1c00 + i).toString(16)}0123456789abcdef`, flowId: 'f54ad9d8bd4c68117a914ba24', path: '/alice/bench/drops',
    creationDate: 1420664203776 + i * 1000, lastEditDate: 1420664203776 + i * 1000,
    elems: {
      temp: { type: 'float', value: 15 + Math.random() * 20 }, ratio: { type: 'float', value: Math.random() },
      seq: { type: 'integer', value: i }, town: { type: 'string', value: ['Brooklyn', 'Queens', 'Bronx'][i % 3] },
      note: { type: 'string', value: `reading number ${i}` }, ok: { type: 'boolean', value: i % 7 !== 0 },
    },
  });
  return {
    'a flow.read answer': envelope({ id: 'f54ad9d8bd4c68117a914ba24', path: '/alice/sensor2', capacity: 1000, creationDate: 1420664203776, creatorId: 'i54ad6428d4c6b0419a01927f', description: 'a flow' }),
    'a find of 1,000 drops': envelope(Array.from({ length: 1000 }, (_, i) => drop(i))),
  };
}

function perCall(fn, text, minMs = 300) {
  for (let i = 0; i < 50; i++) fn(text);
  let n = 0;
  const t = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 20; i++) fn(text);
    n += 20;
    elapsed = performance.now() - t;
  }
  return elapsed / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs the bench; returns [{ name, jsonParseUs, parseUs, ratio, target }]. */
export function jsonBench({ rounds = 7, log = console.log } = {}) {
  const results = [];
  const texts = everydayTexts();
  texts['(exact path) a find of 1,000 drops with one 64-bit integer'] = texts['a find of 1,000 drops'].replace('"value":0}', '"value":9223372036854775807}');
  for (const [name, text] of Object.entries(texts)) {
    const base = [];
    const ours = [];
    for (let r = 0; r < rounds; r++) { // interleaved, medians
      base.push(perCall(JSON.parse, text, 100));
      ours.push(perCall(parse, text, 100));
    }
    const ratio = median(ours) / median(base);
    const everyday = !name.startsWith('(exact');
    results.push({ name, jsonParseUs: median(base) * 1000, parseUs: median(ours) * 1000, ratio, target: everyday ? TARGET : null });
    log(`  ${name.padEnd(60)} JSON.parse ${(median(base) * 1000).toFixed(1).padStart(8)} µs   parse ${(median(ours) * 1000).toFixed(1).padStart(8)} µs   ${ratio.toFixed(3)}×${everyday ? `  ${ratio <= TARGET ? 'PASS' : `MISSED (> ${TARGET}×)`}` : ''}`);
  }
  return results;
}

if (globalThis.process?.argv && import.meta.url === `file://${process.argv[1]}`) {
  console.log(`== exact JSON: js/json.js parse() vs JSON.parse (Node ${process.version})`);
  jsonBench();
}
