// The dashboard's (web/) pure parts under Node: how elems, errors and flow
// paths are shown, and what the settings remember (never the token).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  elemTypeAndValue, formatElem, numericValue, parseElemInput, elemNames, numericElemNames, describeError, plainValue, defaultChartElem,
} from '../../web/src/format.js';
import { buildFlowTree } from '../../web/src/flow-tree.js';
import { loadSettings, saveSettings } from '../../web/src/settings.js';
import { splitList } from '../../web/src/aggregate-panel.js';
import { inputText } from '../../web/src/post-form.js';

describe('formatElem', () => {
  for (const [elem, type, kind, text] of [
    [{ type: 'float', value: 21.5 }, 'float', 'number', '21.5'],
    [21.5, 'float', 'number', '21.5'],
    [{ type: 'integer', value: 3 }, 'integer', 'number', '3'],
    [{ type: 'long', value: 12345678901234567890n }, 'long', 'number', '12345678901234567890'],
    [{ type: 'boolean', value: false }, 'boolean', 'bool', 'false'],
    [true, 'boolean', 'bool', 'true'],
    [{ type: 'string', value: 'Queens' }, 'string', 'text', 'Queens'],
    [{ type: 'location', value: { lat: 40.7128, lon: -74.006 } }, 'location', 'struct', '40.71280, -74.00600'],
    [{ type: 'map', value: { a: { type: 'integer', value: 1 } } }, 'map', 'struct', '{"a":1}'],
    [{ type: 'list', value: [{ type: 'integer', value: 1 }, { type: 'integer', value: 2 }] }, 'list', 'struct', '[1,2]'],
    [[1, 'a'], 'list', 'struct', '[1,"a"]'],
    [null, 'null', 'empty', '—'],
  ]) {
    it(`${JSON.stringify(elem, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))} → ${text}`, () => {
      const shown = formatElem(elem);
      assert.equal(shown.type, type);
      assert.equal(shown.kind, kind);
      assert.equal(shown.text, text);
    });
  }

  it('shows a date as local date and time, and links only http(s) URLs', () => {
    const ms = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    assert.equal(formatElem({ type: 'date', value: ms }).text, '2026-01-02 03:04:05.006');
    assert.equal(formatElem({ type: 'url', value: 'https://example.com/x' }).href, 'https://example.com/x');
    assert.equal(formatElem({ type: 'url', value: 'javascript:alert(1)' }).href, undefined);
  });

  it('cuts long text', () => {
    const shown = formatElem('x'.repeat(500));
    assert.equal(shown.text.length, 120);
    assert.ok(shown.text.endsWith('…'));
  });

  it('is not fooled by an object that only looks typed', () => {
    assert.deepEqual(elemTypeAndValue({ type: 'float', value: 1, unit: 'C' }), { type: 'map', value: { type: 'float', value: 1, unit: 'C' } });
    assert.deepEqual(elemTypeAndValue({ type: 'celsius', value: 1 }).type, 'map');
    assert.deepEqual(plainValue({ type: 'map', value: { a: { type: 'list', value: [{ type: 'integer', value: 1 }] } } }), { a: [1] });
  });
});

describe('numeric elems (the chart)', () => {
  it('reads typed and plain numbers only', () => {
    assert.equal(numericValue({ type: 'float', value: 2.5 }), 2.5);
    assert.equal(numericValue(7), 7);
    assert.equal(numericValue({ type: 'long', value: 9007199254740993n }), 9007199254740992);
    assert.equal(numericValue({ type: 'string', value: '3' }), undefined);
    assert.equal(numericValue(true), undefined);
    assert.equal(numericValue(undefined), undefined);
  });

  it('names the elems of drops, the most frequent first, and the numeric ones', () => {
    const drops = [
      { elems: { temp: { type: 'float', value: 1 }, town: { type: 'string', value: 'a' } } },
      { elems: { temp: 2, hum: 'n/a' } },
      { elems: { town: 'b', hum: 40 } },
      { elems: { temp: 3 } },
      {},
    ];
    assert.deepEqual(elemNames(drops), ['temp', 'hum', 'town']);
    assert.deepEqual(numericElemNames(drops), ['temp', 'hum']);
  });

  it('charts a measurement (fractional values) before a count, when nothing was picked', () => {
    assert.equal(defaultChartElem([{ elems: { count: 3, temp: 21 } }, { elems: { count: 4, temp: 21.5 } }]), 'temp');
    assert.equal(defaultChartElem([{ elems: { count: 3, name: 'x' } }]), 'count');
    assert.equal(defaultChartElem([{ elems: { name: 'x' } }]), '');
  });
});

describe('parseElemInput (the post form)', () => {
  for (const [text, value, type] of [
    ['21.5', 21.5, 'float'],
    ['3', 3, 'integer'],
    ['true', true, 'boolean'],
    ['"21"', '21', 'string'],
    ['{"a": 1}', { a: 1 }, 'map'],
    ['[1, 2]', [1, 2], 'list'],
    ['null', null, 'null'],
    ['9223372036854775807', 9223372036854775807n, 'long'],
    ['-9007199254740993', -9007199254740993n, 'long'],
    ['9007199254740991', 9007199254740991, 'integer'],
    ['Queens', 'Queens', 'string'],
    ['  ', '  ', 'string'],
    ['1e', '1e', 'string'],
  ]) {
    it(`${JSON.stringify(text)} → ${type}`, () => assert.deepEqual(parseElemInput(text), { value, type }));
  }
});

it('inputText writes a value so that parseElemInput reads it back', () => {
  for (const [value, text] of [['Queens', 'Queens'], ['21', '"21"'], ['true', '"true"'], [21.5, '21.5'], [false, 'false'], [{ a: [1] }, '{"a":[1]}'], [9007199254740993n, '9007199254740993'], [{ n: -9007199254740993n }, '{"n":-9007199254740993}']]) {
    assert.equal(inputText(value), text);
    if (!text.startsWith('{')) assert.deepEqual(parseElemInput(text).value, value);
  }
});

describe('describeError', () => {
  it("says what the platform said, else the error's message without the prefix", () => {
    const refused = Object.assign(new Error('flowthings: POST /flow (account dev): status 400: …'), {
      status: 400, method: 'POST', path: '/flow', errors: ['a flow with path "/dev/a" already exists'],
    });
    assert.equal(describeError(refused), 'a flow with path "/dev/a" already exists (400 on POST /flow)');
    assert.equal(describeError(new Error('flowthings: transport failed')), 'transport failed');
    assert.equal(describeError('plain'), 'plain');
  });
});

describe('buildFlowTree', () => {
  it('nests flows by path, sorted, a flow may also be a folder', () => {
    const tree = buildFlowTree([
      { id: 'f3', path: '/dev/plant/line-2/press' },
      { id: 'f1', path: '/dev/demo/sensors' },
      { id: 'f2', path: '/dev/demo' },
      { id: 'f4', path: '/dev/alpha' },
      { id: 'x' }, // no path: left out
    ]);
    const shape = (node) => [node.name, node.flow?.id ?? null, node.children.map(shape)];
    assert.deepEqual(tree.children.map(shape), [
      ['dev', null, [
        ['alpha', 'f4', []],
        ['demo', 'f2', [['sensors', 'f1', []]]],
        ['plant', null, [['line-2', null, [['press', 'f3', []]]]]],
      ]],
    ]);
    assert.equal(tree.children[0].children[1].children[0].path, '/dev/demo/sensors');
  });
});

describe('settings', () => {
  const memory = () => {
    const items = new Map();
    return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)), items };
  };

  it('remember the connection and chart choices, never a token', () => {
    const storage = memory();
    saveSettings(storage, {
      connection: { host: '127.0.0.1:4000', account: 'dev', secure: false, token: 'S3CRET/+token' },
      chartElem: { '/dev/a': 'temp' },
      token: 'S3CRET/+token',
    });
    assert.ok(![...storage.items.values()].join('').includes('S3CRET'));
    assert.deepEqual(loadSettings(storage), { connection: { host: '127.0.0.1:4000', account: 'dev', secure: false }, chartElem: { '/dev/a': 'temp' } });
  });

  it('start afresh from unreadable or mistyped storage, and survive a storage that throws', () => {
    const storage = memory();
    storage.setItem('flowthings-dashboard', '{not json');
    assert.deepEqual(loadSettings(storage), { connection: {}, chartElem: {} });
    storage.setItem('flowthings-dashboard', JSON.stringify({ connection: { host: 7, secure: 'yes', token: 'x' }, chartElem: { a: 1 } }));
    assert.deepEqual(loadSettings(storage), { connection: {}, chartElem: {} });
    assert.deepEqual(loadSettings(undefined), { connection: {}, chartElem: {} });
    saveSettings({ setItem() { throw new Error('quota'); } }, { connection: { host: 'h' } });
  });
});

it('splitList reads comma-separated outputs and members', () => {
  assert.deepEqual(splitList(' $count, $avg:elems.temp ,,'), ['$count', '$avg:elems.temp']);
  assert.deepEqual(splitList(''), []);
});
