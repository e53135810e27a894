// The dashboard (web/) in a real browser: Debian's Chromium (never a
// downloaded one) driven by playwright-core, against the emulator serving
// the built dashboard (-web) on 127.0.0.1, as a user works with it:
// connect, create a flow, post drops from the page and from a second client
// and see them in the live table and chart — across WebSocket drops
// (-drop-ws-after) with none missing —, filter (an invalid filter shows a
// caret at its position), aggregate, delete the flow. The token never shows
// in a URL, the DOM, localStorage or the console. A screenshot of the live
// view is saved to dist/test-artifacts/dashboard.png and checked not blank.
//   node --test test/js/dashboard.test.js   (needs dist/ built and `apt-get install -y chromium`)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, API, Token, parseFilter } from 'flowthings-wasm';
import { startEmulator } from './helpers/emulator.js';
import { buildDashboard } from './helpers/web-build.js';
import { launchChromium } from './helpers/chromium.js';
import { SECRET, leaks } from './helpers/leak.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FLOW = '/dev/dashboard-test';
const SCREENSHOT = path.join(root, 'dist', 'test-artifacts', 'dashboard.png');
const VIEWPORT = { width: 1440, height: 1000 };
const UI_TIMEOUT_MS = 20_000;
// The emulator closes every WebSocket this long after it opened: the
// dashboard reconnects again and again while the test runs.
const DROP_WS_AFTER = '4s';

let emulator;
let browser; // { context, close }
let page;
let api; // the second client, in Node
const consoleLines = [];
const pageErrors = [];
const urls = [];

before(async () => {
  const webDir = await buildDashboard();
  // The account's token is the leak scan's SECRET (it has `/` and `+`).
  emulator = await startEmulator(['-web', webDir, '-token', SECRET, '-drop-ws-after', DROP_WS_AFTER]);
  await init();
  api = new API(new Token(emulator.account, SECRET), { host: emulator.host, wsHost: emulator.wsHost, secure: false });
  browser = await launchChromium();
  browser.context.setDefaultTimeout(UI_TIMEOUT_MS);
  page = await browser.context.newPage();
  await page.setViewportSize(VIEWPORT);
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
  page.on('request', (req) => urls.push(req.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

/** The text of the connection state in the header. */
const connectionState = () => page.locator('#connection-status').getAttribute('data-state');

/** The drops of the flow as the platform has them, newest first. */
const platformDrops = (filter) => api.drop(FLOW).find({ filter, limit: 1000, hints: false });

/** Waits until the live table shows exactly these drops, in this order. */
async function tableShows(drops, what) {
  const ids = drops.map((d) => d.id);
  try {
    await page.waitForFunction((want) => {
      const shown = [...document.querySelectorAll('.drop-table tbody tr[data-drop-id]')].map((tr) => tr.dataset.dropId);
      return shown.join() === want.join();
    }, ids, { timeout: UI_TIMEOUT_MS });
  } catch (err) {
    const shown = await page.locator('.drop-table tbody tr[data-drop-id]').evaluateAll((trs) => trs.map((tr) => tr.dataset.dropId));
    assert.deepEqual(shown, ids, `the live table shows ${what} (${err.message.split('\n')[0]})`);
  }
}

describe('the dashboard in Chromium', () => {
  it('shows the connect screen, remembers no token, and connects', async () => {
    await page.goto(`http://${emulator.host}/`);
    await page.locator('.connect-card').waitFor();
    assert.equal(await connectionState(), 'idle');
    assert.equal(await page.locator('input[name=host]').inputValue(), emulator.host, 'the host defaults to the server of the page');
    await page.fill('input[name=account]', emulator.account);
    await page.fill('input[name=token]', SECRET);
    await page.click('.connect-card button[type=submit]');
    await page.locator('#connection-status[data-state=live]').waitFor();
    await page.locator('.sidebar').waitFor();
  });

  it('a wrong token gives a readable error, not a blank page', async () => {
    const other = await browser.context.newPage();
    try {
      await other.goto(`http://${emulator.host}/`);
      assert.equal(await other.locator('input[name=account]').inputValue(), emulator.account, 'the account is remembered');
      await other.fill('input[name=token]', 'not-the-token-0123456789');
      await other.click('.connect-card button[type=submit]');
      const error = other.locator('.connect-card .banner.error');
      await error.waitFor();
      assert.match(await error.textContent(), /^Could not connect: .*\(40[13] on GET \/flow\)$/);
      assert.equal(await other.locator('#connection-status').getAttribute('data-state'), 'error');
    } finally {
      await other.close();
    }
  });

  it('creates a flow, which is selected and shown in the tree', async () => {
    await page.click('.sidebar-head button:has-text("New")');
    await page.fill('.new-flow input[name=path]', FLOW);
    await page.fill('.new-flow input[name=description]', 'made by the browser test');
    await page.click('.new-flow button[type=submit]');
    await page.locator(`.flow-view h2:text-is("${FLOW}")`).waitFor();
    assert.equal(new URL(page.url()).hash, `#${FLOW}`);
    assert.equal(await page.locator(`.tree-flow[data-flow-path="${FLOW}"]`).getAttribute('aria-selected'), 'true');
    const [flow] = await api.flow.find({ filter: `path == '${FLOW}'` });
    assert.equal(flow.description, 'made by the browser test');
  });

  it('posts a drop from the page and sees it in the live table and chart', async () => {
    const form = page.locator('.post-form');
    await form.locator('.elem-name').first().fill('temp');
    await form.locator('.elem-value').first().fill('21.5');
    await form.locator('button:has-text("+ elem")').click();
    await form.locator('.elem-name').nth(1).fill('town');
    await form.locator('.elem-value').nth(1).fill('Queens');
    assert.deepEqual(await form.locator('.elem-type').allTextContents(), ['float', 'string']);
    await form.locator('button[type=submit]').click();
    await form.locator('.form-result[data-kind=ok]').waitFor();
    const drops = await platformDrops();
    assert.deepEqual(drops.map((d) => d.elems), [{ temp: 21.5, town: 'Queens' }]);
    await tableShows(drops, 'the posted drop');
    const row = await page.locator('.drop-table tbody tr[data-drop-id]').evaluate((tr) => [...tr.cells].map((c) => c.textContent));
    assert.deepEqual(row.slice(1, 3), ['21.5', 'Queens'], 'temp and town, readably');
    await page.locator('.drop-chart[data-points="1"]').waitFor();
    assert.equal(await page.locator('.chart-elem').inputValue(), 'temp');
    assert.equal(await page.locator('.drop-chart canvas').count(), 1, 'uPlot draws on a canvas');
  });

  it('shows drops from a second client live, none missing while the socket is dropped and reconnected', async () => {
    const write = async (n, from) => {
      for (let i = from; i < from + n; i++) await api.drop(FLOW).create({ elems: { temp: 10 + (i % 20), town: i % 2 ? 'Brooklyn' : 'Harlem' } });
    };
    await write(5, 0); // while live
    // The emulator drops the page's socket within DROP_WS_AFTER; new
    // sessions are refused meanwhile, so the page stays disconnected while
    // Node writes: those drops can only come back by backfill.
    await page.route('**/session', (route) => route.abort());
    try {
      await page.locator('#connection-status[data-state=reconnecting]').waitFor();
      assert.equal(await page.locator('.live-badge').textContent(), 'reconnecting');
      await write(10, 5);
      assert.equal(await connectionState(), 'reconnecting', 'still disconnected after the writes');
    } finally {
      await page.unroute('**/session');
    }
    await page.locator('#connection-status[data-state=live]').waitFor({ timeout: 45_000 });
    await write(5, 15); // live again
    const drops = await platformDrops();
    assert.equal(drops.length, 21, 'the posted drop and 20 from Node');
    await tableShows(drops, 'every drop, newest first');
    await page.locator(`.drop-chart[data-points="${drops.length}"]`).waitFor();
    assert.equal(await page.locator('.table-caption').textContent(), `${drops.length} drops, newest first`);
  });

  it("shows a gap when drops were lost while disconnected (the flow's capacity evicted them), and re-reads the table", async () => {
    const small = await api.flow.create({ path: `${FLOW}-small`, capacity: 5 });
    await page.click('.sidebar-head button[title="Reload the flows"]');
    await page.click(`.tree-flow[data-flow-path="${small.path}"]`);
    await page.locator(`.flow-view[data-flow-id="${small.id}"] .live-badge[data-state=live]`).waitFor();
    for (let i = 0; i < 3; i++) await api.drop(small.id).create({ elems: { n: i } });
    await tableShows(await api.drop(small.id).find({ limit: 10 }), 'the first drops');
    await page.route('**/session', (route) => route.abort());
    try {
      await page.locator('#connection-status[data-state=reconnecting]').waitFor();
      for (let i = 3; i < 12; i++) await api.drop(small.id).create({ elems: { n: i } }); // evicts every drop the page saw
    } finally {
      await page.unroute('**/session');
    }
    await page.locator('#connection-status[data-state=gap]').waitFor({ timeout: 45_000 });
    assert.match(await page.locator('#connection-status').getAttribute('title'),
      /^drops created (since [\d:.]{12}|from [\d:.]{12} to [\d:.]{12}) may have been missed; live tables were read again$/);
    const held = await api.drop(small.id).find({ limit: 10 });
    assert.equal(held.length, 5);
    await tableShows(held, 'the drops the flow still holds');
    // Back to the test's flow.
    await page.click(`.tree-flow[data-flow-path="${FLOW}"]`);
    await page.locator(`.flow-view h2:text-is("${FLOW}")`).waitFor();
    await api.flow.delete(small.id);
  });

  it('validates the filter as it is typed, with a caret at the error', async () => {
    const caret = page.locator('.filter-caret');
    // The caret's place: a string index (UTF-16), so text before the error
    // that is not ASCII (ü is 2 bytes in UTF-8, the emoji 4) moves it by its characters.
    for (const [text, at] of [
      ['elems.temp >> 20', '> 20'], // the second >
      ["elems.town == 'Zürich' >> 1", '>>'],
      ["elems.x == '😀' &&& 1", '& 1'], // the third &
    ]) {
      let expected;
      try { parseFilter(text); } catch (err) { expected = err.position; }
      assert.equal(expected, text.indexOf(at), `the SDK reports the error of ${text} at ${at}`);
      await page.fill('.filter-input', text);
      await page.locator(`.filter-caret[data-position="${expected}"]`).waitFor();
      assert.equal(await page.locator('.filter-box').getAttribute('data-state'), 'invalid');
      assert.match(await page.locator('.filter-message').textContent(), new RegExp(`^expected .+ \\(column ${expected + 1}\\)$`));
      // The caret is drawn under that character of the input.
      const { caretX, charFrom, charTo } = await page.evaluate((pos) => {
        const input = document.querySelector('.filter-input');
        const style = getComputedStyle(input);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = style.font;
        const left = input.getBoundingClientRect().left + parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth);
        const r = document.querySelector('.filter-caret').getBoundingClientRect();
        return {
          caretX: r.left + r.width / 2,
          charFrom: left + ctx.measureText(input.value.slice(0, pos)).width,
          charTo: left + ctx.measureText(input.value.slice(0, pos + 1)).width,
        };
      }, expected);
      assert.ok(caretX >= charFrom && caretX <= charTo, `the caret (x ${caretX}) is under ${at} (x ${charFrom}–${charTo}) in ${text}`);
    }

    await page.fill('.filter-input', 'elems.temp > 20');
    await page.locator('.filter-box[data-state=valid]').waitFor();
    assert.equal(await caret.isHidden(), true);
    assert.equal(await page.locator('.filter-message').textContent(), '✓ elems.temp > 20');
    // The live query follows the filter, and stays live.
    const hot = await platformDrops('elems.temp > 20');
    assert.ok(hot.length > 0 && hot.length < (await platformDrops()).length);
    await tableShows(hot, 'the drops matching the filter');
    await api.drop(FLOW).create({ elems: { temp: 99, town: 'Queens' } });
    await api.drop(FLOW).create({ elems: { temp: 1, town: 'Queens' } });
    await tableShows(await platformDrops('elems.temp > 20'), 'a new matching drop, and not the other one');
  });

  it('runs an aggregation: outputs and groupBy give a table', async () => {
    const panel = page.locator('.aggregate');
    const table = panel.locator('.agg-table');
    const run = async (useFilter) => {
      await panel.locator('.agg-output').fill('$count, $avg:elems.temp');
      await panel.locator('.agg-group').fill('elems.town');
      await panel.locator('input[type=checkbox]').setChecked(useFilter);
      await panel.locator('button[type=submit]').click();
      await panel.locator('.agg-result[data-state=done] .agg-table').waitFor();
      const rows = await table.evaluate((t) => [...t.rows].map((r) => [...r.cells].map((c) => c.textContent)));
      await panel.locator('.agg-result').evaluate((el) => { el.dataset.state = 'read'; });
      return rows;
    };
    // What the SDK answers in Node, as the page shows numbers.
    const expected = async (filter) => {
      const [flow] = await api.flow.find({ filter: `path == '${FLOW}'` });
      const rows = await api.drop(flow.id).aggregate(['$count', '$avg:elems.temp'], { groupBy: ['elems.town'], filter });
      const shown = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
      return rows.map((r) => [r['elems.town'], shown.format(r.$count), shown.format(r['$avg:elems.temp'])]).sort();
    };
    const all = await run(false);
    assert.deepEqual(all[0], ['elems.town', '$count', '$avg:elems.temp']);
    assert.deepEqual(all.slice(1).sort(), await expected(undefined));
    assert.equal(all.length, 4, 'Queens, Brooklyn, Harlem');
    const hot = await run(true); // only the drops matching elems.temp > 20
    assert.deepEqual(hot.slice(1).sort(), await expected('elems.temp > 20'));
    assert.notDeepEqual(hot.slice(1).sort(), all.slice(1).sort());

    await panel.locator('.agg-output').fill('$bogus');
    await panel.locator('button[type=submit]').click();
    await panel.locator('.agg-result[data-state=error] .error-text').waitFor();
  });

  it('saves a screenshot of the live view that is not blank', async () => {
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot({ path: SCREENSHOT });
    // Decoded by the browser: the spread of the pixels' brightness.
    const probe = await browser.context.newPage();
    try {
      const stats = await probe.evaluate(async (b64) => {
        const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d');
        ctx.drawImage(bitmap, 0, 0);
        const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
        let sum = 0;
        let sumSq = 0;
        const n = data.length / 4;
        const colors = new Set();
        for (let i = 0; i < data.length; i += 4) {
          const y = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
          sum += y;
          sumSq += y * y;
          if (i % 64 === 0) colors.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
        return { width: bitmap.width, height: bitmap.height, variance: sumSq / n - (sum / n) ** 2, colors: colors.size };
      }, png.toString('base64'));
      assert.deepEqual([stats.width, stats.height], [VIEWPORT.width, VIEWPORT.height]);
      assert.ok(stats.variance > 100, `the screenshot is not blank (brightness variance ${stats.variance.toFixed(1)})`);
      assert.ok(stats.colors > 50, `the screenshot has many colours (${stats.colors})`);
    } finally {
      await probe.close();
    }
  });

  it('deletes the flow after a confirmation', async () => {
    await page.click('.flow-head button:has-text("Delete flow")');
    const dialog = page.locator('dialog.confirm');
    await dialog.waitFor();
    await dialog.locator('button:has-text("Cancel")').click();
    assert.equal(await dialog.count(), 0);
    assert.equal((await api.flow.find({ filter: `path == '${FLOW}'` })).length, 1, 'cancel keeps the flow');

    await page.click('.flow-head button:has-text("Delete flow")');
    await page.locator('dialog.confirm button.danger').click();
    await page.locator('.placeholder h2:text-is("Pick a flow")').waitFor();
    assert.equal(await page.locator(`.tree-flow[data-flow-path="${FLOW}"]`).count(), 0);
    assert.equal((await api.flow.find({ filter: `path == '${FLOW}'` })).length, 0, 'the flow is gone');
    assert.equal(new URL(page.url()).hash, '');
  });

  it('never shows the token (not in a URL, the DOM, localStorage or the console), and forgets it on disconnect', async () => {
    const seen = await page.evaluate(() => ({
      url: location.href,
      dom: document.documentElement.outerHTML,
      inputs: [...document.querySelectorAll('input, textarea')].map((i) => i.value).join('\n'),
      localStorage: Object.entries(localStorage).flat().join('\n'),
      sessionStorage: Object.entries(sessionStorage).flat().join('\n'),
      cookies: document.cookie,
    }));
    const places = { ...seen, requests: urls.join('\n'), console: consoleLines.join('\n'), pageErrors: pageErrors.join('\n') };
    for (const [where, text] of Object.entries(places)) {
      assert.equal(leaks(text), null, `the token shows in ${where}`);
    }
    assert.match(seen.localStorage, /"account":"dev"/, 'the non-secret settings are remembered');

    // Disconnecting forgets the connection: the connect screen asks for the token again.
    await page.click('.session button:has-text("Disconnect")');
    await page.locator('.connect-card').waitFor();
    assert.equal(await connectionState(), 'idle');
    assert.equal(await page.locator('input[name=token]').inputValue(), '');
    assert.equal(await page.locator('input[name=account]').inputValue(), emulator.account);
    // Chromium itself logs each failed request (the refused aggregation, the
    // sessions the test refused); the page logs nothing.
    const logged = consoleLines.filter((line) => !/^error: Failed to load resource: (the server responded with a status of 4\d\d |net::ERR_FAILED$)/.test(line));
    assert.deepEqual(logged, [], 'the page logged nothing');
    assert.deepEqual(pageErrors, [], 'no page error');
  });
});
