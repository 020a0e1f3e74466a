// dashboard.test.mjs - drives the Metrics page of real hirocli servers with
// headless Chromium (playwright-core + Debian's /usr/bin/chromium).
//
// Four workspaces, started together:
//   live   1 s interval, plugins: demo (restarts), short-lived (exits after
//          2 s, not restarted), never (a command that cannot start)
//   load   1 s interval, five plugins: bytes per cold load and per live tick
//          from the browser's network log, and no dropped samples over 60 s
//          (runs on its own page, in parallel with the checks on "live")
//   spike  a 3-day database from bench_export --generate with one known CPU
//          spike written into the raw row and its rollups; collector off
//   token  api_token set: the page is read-only until given the token
// Each numbered point of issue 17 has checks here; screenshots of each
// state go to $HIRO_BUILD_DIR/dashboard-test/ (plus dashboard.png, the
// README's picture). Prints "N passed, M failed"; exit 1 on any failure.
// Every wait is bounded; every server is always stopped.
//
// Environment: HIRO_BUILD_DIR (binaries; default ../../build), NODE_PATH (for
// playwright-core), HIRO_CHROMIUM (default /usr/bin/chromium).

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD = path.resolve(process.env.HIRO_BUILD_DIR || path.join(here, '..', '..', 'build'));
const OUT = path.join(BUILD, 'dashboard-test');
const CHROMIUM = process.env.HIRO_CHROMIUM || '/usr/bin/chromium';
const HISTORY_SIZE = 60; // a small ring: the 24 h range must come from disk
const WATCHDOG_MS = 285_000; // below ctest's 300 s timeout
const NO_DROP_SECONDS = 60;
const COLD_LOAD_LIMIT = 300 * 1024;
const TICK_LIMIT = 2 * 1024;
const SPIKE_PERCENT = 75.5;

const { chromium } = createRequire(import.meta.url)('playwright-core');

/* ---- small helpers ----------------------------------------------------- */

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Poll fn until it returns a truthy value; throw after timeoutMs. */
async function waitFor(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await sleep(200);
  }
}

async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/* ---- the servers under test -------------------------------------------- */

class Server {
  constructor(name, config) {
    this.name = name;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `hiro-dashboard-${name}-`));
    this.logPath = path.join(this.dir, 'test-server.log');
    this.config = config;
    this.child = null;
  }

  async start() {
    if (!this.httpPort) {
      this.httpPort = await freePort();
      this.adminPort = await freePort();
    }
    const config = {
      http_port: this.httpPort,
      admin_ui_port: this.adminPort,
      admin_ui_enabled: true,
      metrics_enabled: true,
      metrics_interval: 1.0,
      metrics_history_size: HISTORY_SIZE,
      channels: [],
      ...this.config,
    };
    fs.writeFileSync(path.join(this.dir, 'config.json'), JSON.stringify(config, null, 2));
    const log = fs.openSync(this.logPath, 'a');
    // Own process group, so a last-resort kill also reaches the plugins.
    this.child = spawn(path.join(BUILD, 'hirocli'), ['--workspace', this.dir, 'start', '--foreground'], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    fs.closeSync(log);
    const child = this.child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.on('exit', () => { child.exitedAlready = true; });
    child.on('error', () => { child.exitedAlready = true; });
    await waitFor(async () => {
      if (child.exitedAlready) throw new Error(`${this.name} server exited early; log:\n${this.logTail()}`);
      await getJson(this.rest('/metrics/status'));
      return true;
    }, 30_000, `the ${this.name} server to answer`);
  }

  rest(p) { return `http://127.0.0.1:${this.httpPort}${p}`; }
  admin(p) { return `http://127.0.0.1:${this.adminPort}${p}`; }
  status() { return getJson(this.rest('/metrics/status')); }

  signal(sig) {
    if (this.child && !this.child.exitedAlready) process.kill(this.child.pid, sig);
  }

  async kill() {
    this.signal('SIGKILL');
    await Promise.race([this.exited, sleep(5000)]);
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* plugins gone with it */ }
  }

  /** SIGTERM, wait up to 10 s, then SIGKILL the whole group. Never throws. */
  async stop() {
    if (!this.child || this.child.exitedAlready) return;
    try {
      this.signal('SIGCONT');
      this.signal('SIGTERM');
    } catch { /* already gone */ }
    const done = await Promise.race([this.exited, sleep(10_000).then(() => null)]);
    if (!done) this.killNow();
  }

  killNow() {
    if (!this.child || this.child.exitedAlready) return;
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  logTail(lines = 20) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  removeWorkspace() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const demo = (name, ...args) => ({ name, command: [path.join(BUILD, 'hiro-channel-demo'), ...args], restart: true });

/**
 * A 3-day database at a 60 s interval with one server CPU spike 10 h ago,
 * written into the raw row and the 1-min and 1-h maxima that cover it (the
 * rollups stay equal to the raw rows). Answers the spike's timestamp.
 */
function makeSpikeDatabase(file) {
  execFileSync(path.join(BUILD, 'bench_export'), ['--generate', file, '--days', '3', '--interval', '60', '--plugins', '2'], { stdio: 'pipe' });
  const target = Math.floor(Date.now() / 1000) - 10 * 3600;
  const sql = `
    CREATE TEMP TABLE spike AS SELECT r.ts_ms AS ts_ms, r.process_id AS pid_id FROM raw_process r
      JOIN process p ON p.id = r.process_id JOIN process_name n ON n.id = p.name_id
      WHERE n.name = 'server' ORDER BY abs(r.ts_ms - ${target * 1000}) LIMIT 1;
    UPDATE raw_process SET cpu_pct_x100 = ${SPIKE_PERCENT * 100}
      WHERE (ts_ms, process_id) IN (SELECT ts_ms, pid_id FROM spike);
    UPDATE process_1m SET cpu_pct_x100_max = ${SPIKE_PERCENT * 100}
      WHERE name_id = (SELECT id FROM process_name WHERE name = 'server') AND bucket = (SELECT ts_ms / 60000 * 60 FROM spike);
    UPDATE process_1h SET cpu_pct_x100_max = ${SPIKE_PERCENT * 100}
      WHERE name_id = (SELECT id FROM process_name WHERE name = 'server') AND bucket = (SELECT ts_ms / 3600000 * 3600 FROM spike);
    SELECT ts_ms FROM spike;`;
  const out = execFileSync('sqlite3', [file], { input: sql, encoding: 'utf8' }).trim();
  return Number(out) / 1000;
}

/* ---- page helpers ------------------------------------------------------ */

/** [ms, value] points of the series named `name` in the chart in #id (nulls dropped). */
function seriesPoints(page, id, name) {
  return page.evaluate(([elId, seriesName]) => {
    const el = document.getElementById(elId) || document.querySelector(elId);
    const chart = el && window.echarts && window.echarts.getInstanceByDom(el);
    if (!chart) return null;
    const s = (chart.getOption().series || []).find((x) => x.name === seriesName);
    return s ? s.data.filter((p) => p && p[1] !== null && p[1] !== undefined) : [];
  }, [id, name]);
}

async function pointCount(page, id, name) {
  const pts = await seriesPoints(page, id, name);
  return pts ? pts.length : -1;
}

/** The chart option's gaps (markArea) and x-axis extent. */
function chartFrame(page, id) {
  return page.evaluate((elId) => {
    const el = document.getElementById(elId);
    const chart = window.echarts.getInstanceByDom(el);
    const o = chart.getOption();
    const marks = o.series.find((s) => s.name === 'marks');
    return {
      xMin: o.xAxis[0].min,
      xMax: o.xAxis[0].max,
      yMax: o.yAxis[0].max,
      gaps: marks && marks.markArea ? marks.markArea.data.map(([a, b]) => ({ a: a.xAxis, b: b.xAxis, name: a.name })) : [],
      events: marks && marks.markLine ? marks.markLine.data.length : 0,
      eventNames: marks && marks.markLine ? marks.markLine.data.map((d) => d.name) : [],
      series: o.series.map((s) => s.name),
    };
  }, id);
}

/** WCAG contrast of every visible text against its effective background. */
function contrastProblems(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const blend = (top, under) => ({
      r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1,
    });
    const background = (node) => {
      const layers = [];
      for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c && c.a > 0) layers.push(c);
        if (c && c.a === 1) break;
      }
      let bg = { r: 255, g: 255, b: 255, a: 1 };
      if (!layers.length || layers[layers.length - 1].a < 1) bg = parse(getComputedStyle(document.body).backgroundColor) || bg;
      for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
      return bg;
    };
    const problems = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const node = t.parentElement;
      if (!t.textContent.trim() || !node || node.closest('[hidden], .chart-box, .toast, .sr-only')) continue;
      const rect = node.getBoundingClientRect();
      if (!rect.width || !rect.height || getComputedStyle(node).visibility === 'hidden') continue;
      const style = getComputedStyle(node);
      const fg = parse(style.color);
      const bg = background(node);
      const fgc = fg.a < 1 ? blend(fg, bg) : fg;
      const [hi, lo] = [lum(fgc), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 4.5) problems.push(`"${t.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1 (${style.color} on rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)}))`);
    }
    return [...new Set(problems)];
  });
}

/** Bytes a response moved (headers + body as transferred). */
async function responseBytes(response) {
  try {
    const s = await response.request().sizes();
    return { down: s.responseHeadersSize + s.responseBodySize, up: s.requestHeadersSize + s.requestBodySize };
  } catch {
    return { down: 0, up: 0 };
  }
}

/* ---- the load page: bytes and dropped samples (parallel) -------------- */

async function loadMeasurements(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const log = [];
  page.on('response', (r) => log.push({ url: r.url(), at: Date.now(), response: r }));
  await page.goto(server.admin('/metrics'), { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await waitFor(async () => (await pointCount(page, 'chart-cpu', 'cpu')) >= 3, 20_000, 'load page data');
  await sleep(1500); // every request of the first view done
  const cold = { requests: 0, down: 0, up: 0, files: 0 };
  const coldLog = log.splice(0);
  for (const entry of coldLog) {
    const b = await responseBytes(entry.response);
    cold.requests++;
    cold.down += b.down;
    cold.up += b.up;
    if (!entry.url.includes('/api/')) cold.files += b.down;
  }
  const t0 = Date.now() / 1000;
  const ticks0 = await page.evaluate(() => window.hiroDashboard.state.ticks);
  await sleep(NO_DROP_SECONDS * 1000);
  const t1 = Date.now() / 1000 - 2;
  const ticks1 = await page.evaluate(() => window.hiroDashboard.state.ticks);
  const live = { requests: 0, down: 0, up: 0, samples: ticks1 - ticks0 };
  for (const entry of log.splice(0)) {
    const b = await responseBytes(entry.response);
    live.requests++;
    live.down += b.down;
    live.up += b.up;
  }
  const drawn = (await seriesPoints(page, 'chart-cpu', 'cpu')).map(([ms]) => Math.round(ms))
    .filter((ms) => ms >= t0 * 1000 && ms <= t1 * 1000);
  const truth = (await getJson(server.rest(`/metrics/history?from=${t0}&to=${t1}&max_points=100000`)))
    .map((s) => Math.round(s.timestamp * 1000));
  const missing = truth.filter((ms) => !drawn.includes(ms));
  await shot(page, 'load-5-plugins');
  await context.close();
  return { cold, live, drawn: drawn.length, truth: truth.length, missing };
}

/* ---- the checks -------------------------------------------------------- */

function defineChecks({ live, spike, token, page, consoleProblems, loadResult }) {
  const footer = (id) => page.textContent(`#${id}`).then((t) => t.trim());
  return [
    ['page loads from the admin port with its assets', async () => {
      const response = await page.goto(live.admin('/metrics'), { waitUntil: 'load', timeout: 15_000 });
      assert(response && response.status() === 200, `GET /metrics answered ${response && response.status()}`);
      assert((await page.title()).includes('Metrics'), 'page title does not mention Metrics');
      await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 10_000 });
      assert(await page.evaluate(() => typeof window.echarts.init === 'function'), 'echarts did not load');
    }],

    ['server sparklines fill with data and show values; footers quote the range', async () => {
      for (const id of ['chart-cpu', 'chart-rss', 'chart-threads']) {
        await waitFor(async () => (await pointCount(page, id, id.slice(6))) >= 3, 20_000, `#${id} to hold 3 points`);
      }
      const values = await page.evaluate(() => ['value-cpu', 'value-rss', 'value-threads']
        .map((id) => document.getElementById(id).textContent.trim()));
      assert(/^\d+(\.\d+)? %$/.test(values[0]), `CPU value "${values[0]}" is not a percentage`);
      assert(/^\d+(\.\d+)? (B|KiB|MiB|GiB)$/.test(values[1]), `RSS value "${values[1]}" has no binary unit`);
      assert(/^\d+$/.test(values[2]), `threads value "${values[2]}" is not a count`);
      const foot = await footer('foot-cpu');
      assert(/^last 5 min: min .* · max .*%$/.test(foot), `CPU footer reads "${foot}"`);
    }],

    ['plugin table: live plugin with its real PID, exited and never-started plugins, totals, event markers (points 8, 9)', async () => {
      const snapshot = await getJson(live.rest('/metrics'));
      const d = (snapshot.children || []).find((c) => c.name === 'demo');
      assert(d && d.pid > 0, `REST /metrics has no live demo child: ${JSON.stringify(snapshot.children)}`);
      const row = page.locator('#plugins-table tr.plugin-row[data-plugin="demo"]');
      await waitFor(async () => (await row.getAttribute('data-pid')) === String(d.pid), 10_000, `demo row pid ${d.pid}`);
      assert((await row.getAttribute('data-state')) === 'running', 'demo row not running');
      const dead = page.locator('#plugins-table tr.plugin-row[data-plugin="short-lived"]');
      await waitFor(async () => ['stopped', 'exited'].includes(await dead.getAttribute('data-state')), 15_000, 'short-lived shown stopped');
      // Lifecycle events are markers on the time charts, named for what happened.
      const marked = await waitFor(async () => {
        const names = (await chartFrame(page, 'chart-disk-io')).eventNames;
        return names.some((n) => /short-lived: plugin exited \(code 0\)/.test(n)) && names;
      }, 15_000, 'an event marker for short-lived\'s exit');
      assert(marked.some((n) => /never: plugin start failed/.test(n)), `no marker for the plugin that never started: ${marked}`);
      const deadText = (await dead.locator('.status').textContent()).trim();
      assert(/^(stopped \(no restart\)|exited)$/.test(deadText), `short-lived status reads "${deadText}"`);
      assert((await dead.locator('td.cpu').textContent()).trim() === '—', 'a dead plugin shows a CPU figure');
      const never = page.locator('#plugins-table tr.plugin-row[data-plugin="never"]');
      const neverState = await never.getAttribute('data-state');
      assert(['never', 'stopped', 'exited', 'restarting'].includes(neverState), `never-starting plugin shown as ${neverState}`);
      const totals = (await page.textContent('#plugins-table tfoot tr.totals-row')).replace(/\s+/g, ' ');
      assert(/1 of 3 running/.test(totals), `totals row reads "${totals}"`);
    }],

    ['a plugin row expands to its detail: state, restarts, last exit, tree, CPU and RSS charts (point 8)', async () => {
      await page.click('#plugins-table tr.plugin-row[data-plugin="demo"] .plugin-toggle');
      const detail = page.locator('#plugins-table tr.plugin-detail[data-plugin="demo"]');
      await detail.waitFor({ state: 'visible', timeout: 5000 });
      assert((await page.getAttribute('#plugins-table tr.plugin-row[data-plugin="demo"] .plugin-toggle', 'aria-expanded')) === 'true', 'toggle not expanded');
      const facts = (await detail.locator('.plugin-facts').textContent()).replace(/\s+/g, ' ');
      for (const word of ['State', 'Restarts', 'Last exit', 'Process tree']) assert(facts.includes(word), `detail lacks "${word}": ${facts}`);
      for (const fig of ['cpu', 'rss']) {
        await waitFor(async () => (await pointCount(page, `#plugins-table tr.plugin-detail[data-plugin="demo"] .plugin-chart[data-figure="${fig}"]`, fig === 'cpu' ? 'CPU' : 'RSS')) >= 3, 10_000, `demo ${fig} chart`);
      }
      await page.click('#plugins-table tr.plugin-row[data-plugin="short-lived"] .plugin-toggle');
      const deadFacts = (await page.textContent('#plugins-table tr.plugin-detail[data-plugin="short-lived"] .plugin-facts')).replace(/\s+/g, ' ');
      assert(/Last exit/.test(deadFacts), `dead plugin detail: ${deadFacts}`);
      await shot(page, 'plugin-detail');
      await page.click('#plugins-table tr.plugin-row[data-plugin="short-lived"] .plugin-toggle');
    }],

    ['disk usage is explained as df computes it; memory axis is 0-100 % (point 7)', async () => {
      const snap = await getJson(live.rest('/metrics'));
      const note = await page.textContent('#disk-usage-note');
      assert(/used \/ \(used \+ available\)/.test(note), `disk note: ${note}`);
      const pct = (await page.textContent('#disk-usage-percent')).trim();
      const df = (snap.disk.used_bytes / (snap.disk.used_bytes + snap.disk.free_bytes)) * 100;
      assert(Math.abs(parseFloat(pct) - df) < 0.3, `page says ${pct}, df's formula gives ${df.toFixed(2)}`);
      await page.click('#system-section > summary');
      await waitFor(async () => (await pointCount(page, 'chart-sys-mem', 'memory')) >= 2, 10_000, 'system memory chart');
      const frame = await chartFrame(page, 'chart-sys-mem');
      assert(frame.yMax === 100, `memory axis max is ${frame.yMax}`);
      assert(await page.locator('#system-lists [data-list="filesystems"] tbody tr').count() >= 1, 'no filesystem rows');
      await shot(page, 'system');
      await page.click('#system-section > summary');
    }],

    ['interval control reaches the collector and spans 1 s to 1 h (point 7)', async () => {
      await page.focus('#interval-slider');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await waitFor(async () => (await live.status()).interval === 3, 5000, 'REST status interval=3');
      await waitFor(async () => (await page.textContent('#interval-value')).trim() === '3 s', 5000, 'the label to read "3 s"');
      await page.keyboard.press('Home');
      await waitFor(async () => (await live.status()).interval === 1, 5000, 'REST status interval=1');
      const top = await page.evaluate(() => {
        const s = document.getElementById('interval-slider');
        const old = s.value;
        s.value = s.max;
        s.dispatchEvent(new Event('input'));
        const text = document.getElementById('interval-value').textContent;
        s.value = old;
        return text;
      });
      assert(top === '1 h', `the control's top stop reads "${top}"`);
      await page.evaluate(() => window.hiroDashboard.state.sliderHeld = false);
    }],

    ['collector disabled: numbers greyed with "last seen", plugins unknown, gap labelled (point 2)', async () => {
      await page.click('#controls-section .switch-track');
      await waitFor(async () => (await live.status()).enabled === false, 5000, 'REST status enabled=false');
      await page.waitForSelector('body[data-stale="disabled"]', { timeout: 5000 });
      await page.waitForSelector('#live-status[data-state="disabled"]', { timeout: 5000 });
      const meta = await page.textContent('#process-meta');
      assert(/last seen \d\d:\d\d:\d\d/.test(meta), `process meta: "${meta}"`);
      assert(!/collector up/.test(meta), 'stale page still says "collector up"');
      const state = await page.getAttribute('#plugins-table tr.plugin-row[data-plugin="demo"]', 'data-state');
      assert(state === 'unknown', `demo plugin shown ${state} while nobody measures`);
      const colours = await page.evaluate(() => ({
        value: getComputedStyle(document.getElementById('value-cpu')).color,
        faint: getComputedStyle(document.getElementById('foot-cpu')).color,
      }));
      assert(colours.value === colours.faint, `CPU value not greyed: ${colours.value} vs ${colours.faint}`);
      await sleep(6000);
      const frame = await chartFrame(page, 'chart-disk-io');
      assert(Math.abs(frame.xMax - Date.now()) < 3000, `x axis ends ${(Date.now() - frame.xMax) / 1000} s before now`);
      const gap = frame.gaps.find((g) => Math.abs(g.b - frame.xMax) < 2000);
      assert(gap, `no trailing gap drawn: ${JSON.stringify(frame.gaps)}`);
      await shot(page, 'collector-off');
      await page.click('#controls-section .switch-track');
      await waitFor(async () => (await live.status()).enabled === true, 5000, 'REST status enabled=true');
      await page.waitForSelector('#live-status[data-state="live"]', { timeout: 10_000 });
      await page.waitForSelector('body[data-stale=""]', { timeout: 5000 });
    }],

    ['24 h range: read once from disk, drawn as average with a min-max band, tooltip says what a point is (points 1, 5)', async () => {
      await waitFor(async () => {
        const p = (await live.status()).persistence;
        return p && p.rows && p.rows.raw > HISTORY_SIZE;
      }, 150_000, `more than ${HISTORY_SIZE} raw rows on disk`);
      await page.click('#range-select [data-range="24h"]');
      await page.waitForSelector('#source-badge[data-source="disk"]', { timeout: 10_000 });
      const badge = (await page.textContent('#source-badge')).trim();
      assert(/^disk · (raw|1-min avg \+ min\/max|1-h avg \+ min\/max)$/.test(badge), `badge reads "${badge}"`);
      assert(page.url().includes('range=24h'), `URL does not keep the range: ${page.url()}`);
      const frame = await chartFrame(page, 'chart-cpu');
      const res = await page.getAttribute('#source-badge', 'data-resolution');
      if (res !== 'raw') assert(frame.series.includes('cpu-range'), `no min-max band series: ${frame.series}`);
      assert(Math.abs(frame.xMin - (Date.now() - 86400_000)) < 5000, 'x axis does not start at the range start');
      await page.locator('#chart-cpu').scrollIntoViewIfNeeded();
      const box = await page.locator('#chart-cpu').boundingBox();
      await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
      const tip = await waitFor(() => page.evaluate(() => {
        const t = document.querySelector('#chart-cpu .tt-time');
        return t && t.parentElement.textContent;
      }), 5000, 'a tooltip');
      assert(res === 'raw' ? /sample/.test(tip) : /1-min avg .* · max /.test(tip), `tooltip reads "${tip}"`);
      assert(/\w{3}, (\w{3} \d+|\d+ \w{3})/.test(tip), `24 h tooltip has no date: "${tip}"`);
      await page.mouse.move(0, 0);
      await shot(page, 'range-24h');
    }],

    ['drag across a chart zooms into that range, kept in the URL, with a reset (point 9)', async () => {
      await page.click('#range-select [data-range="5m"]');
      await waitFor(async () => (await pointCount(page, 'chart-disk-io', 'read')) >= 10, 20_000, 'disk chart data');
      await page.locator('#chart-disk-io').scrollIntoViewIfNeeded();
      const box = await page.locator('#chart-disk-io').boundingBox();
      const y = box.y + box.height / 2;
      // The server may be up for only about a minute here: drag across the
      // last minute of the 5 min axis, where its samples are.
      await page.mouse.move(box.x + box.width * 0.8, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.97, y, { steps: 5 });
      await page.mouse.up();
      await waitFor(() => /from=\d+&to=\d+/.test(page.url()), 5000, 'the zoomed range in the URL');
      await page.waitForSelector('#zoom-reset:not([hidden])', { timeout: 3000 });
      await waitFor(async () => (await pointCount(page, 'chart-disk-io', 'read')) > 0, 20_000, 'the zoomed disk chart\'s data');
      const frame = await chartFrame(page, 'chart-disk-io');
      const span = (frame.xMax - frame.xMin) / 1000;
      assert(span > 20 && span < 120, `zoomed span is ${span} s`);
      // A shared link opens the same range.
      const other = await page.context().newPage();
      await other.goto(page.url());
      await other.waitForFunction(() => !document.getElementById('zoom-reset').hidden, null, { timeout: 10_000 });
      // Charts are created when their first data arrives, which can come after
      // the zoom controls on a loaded machine.
      await waitFor(async () => (await pointCount(other, 'chart-disk-io', 'read')) > 0, 20_000, 'the shared link\'s disk chart');
      const otherFrame = await chartFrame(other, 'chart-disk-io');
      assert(Math.abs(otherFrame.xMin - frame.xMin) < 1500, 'a shared link opens another range');
      await other.close();
      await shot(page, 'zoomed');
      await page.click('#zoom-reset');
      await waitFor(() => !/from=/.test(page.url()), 5000, 'the URL to drop the zoom');
    }],

    ['legends toggle lines; the crosshair is shared by every chart (point 9)', async () => {
      const write = page.locator('#disk-card .legend-item[data-series="1"]');
      await write.click();
      assert((await write.getAttribute('aria-pressed')) === 'false', 'legend button not toggled');
      assert((await pointCount(page, 'chart-disk-io', 'write')) === 0, 'write line still drawn');
      await write.click();
      assert((await pointCount(page, 'chart-disk-io', 'write')) > 0, 'write line not back');
      const groups = await page.evaluate(() => ['chart-cpu', 'chart-rss', 'chart-disk-io', 'chart-network']
        .map((id) => window.echarts.getInstanceByDom(document.getElementById(id)).group));
      assert(groups.every((g) => g && g === groups[0]), `charts not in one crosshair group: ${groups}`);
      await page.locator('#chart-network').scrollIntoViewIfNeeded();
      const box = await page.locator('#chart-network').boundingBox();
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
      await sleep(300);
      const pointers = await page.evaluate(() => document.querySelectorAll('.tt-time').length);
      assert(pointers >= 2, `hovering one chart shows ${pointers} tooltips (crosshair not synchronised)`);
      await page.mouse.move(0, 0);
    }],

    ['pause freezes the page, not the server (point 9)', async () => {
      await page.click('#pause');
      await page.waitForSelector('#live-status[data-state="paused"]');
      const before = await pointCount(page, 'chart-cpu', 'cpu');
      // The server keeps sampling: its latest snapshot moves on. (Rows reach
      // the database at the next group commit, so written_snapshots may not.)
      const latest = (await getJson(live.rest('/metrics'))).timestamp;
      await sleep(3500);
      const frozen = (await pointCount(page, 'chart-cpu', 'cpu')) === before;
      const recording = (await getJson(live.rest('/metrics'))).timestamp >= latest + 2;
      await page.click('#pause');
      assert(frozen, 'chart moved while paused');
      assert(recording, 'the server stopped recording');
      await waitFor(async () => (await pointCount(page, 'chart-cpu', 'cpu')) >= before + 3, 15_000, 'catch-up after resume');
    }],

    ['cross-origin pages cannot drive the collector (point 3, page level)', async () => {
      const evil = await page.context().newPage();
      await evil.goto(live.rest('/metrics/status')); // another origin (port)
      const result = await evil.evaluate(async (target) => {
        const out = {};
        await fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{"enabled":false}' })
          .then(() => { out.noCors = 'sent'; }, (e) => { out.noCors = e.message; });
        await fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"enabled":false}' })
          .then((r) => { out.cors = r.status; }, () => { out.cors = 'blocked'; });
        return out;
      }, live.admin('/api/metrics/configure'));
      await evil.close();
      await sleep(500);
      assert((await live.status()).enabled === true, `a cross-origin POST switched the collector off (${JSON.stringify(result)})`);
      assert(result.cors === 'blocked', `the JSON POST was not blocked by CORS: ${JSON.stringify(result)}`);
    }],

    ['dark mode follows prefers-color-scheme; text contrast reaches 4.5:1 in both (points 7, 9)', async () => {
      const light = await contrastProblems(page);
      assert(!light.length, `light: ${light.slice(0, 6).join('; ')}`);
      await page.emulateMedia({ colorScheme: 'dark' });
      await sleep(800);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = bg.match(/\d+/g).map(Number);
      assert(r + g + b < 120, `dark body background is ${bg}`);
      const dark = await contrastProblems(page);
      assert(!dark.length, `dark: ${dark.slice(0, 6).join('; ')}`);
      const axis = await page.evaluate(() => window.echarts.getInstanceByDom(document.getElementById('chart-disk-io')).getOption().yAxis[0].axisLabel.color);
      assert(axis && axis.toLowerCase() !== '#5a6274', `chart axis colour not switched: ${axis}`);
      await shot(page, 'dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await sleep(500);
    }],

    ['phone: plugins become cards, nothing cut off, no sideways scroll (point 8)', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await sleep(600);
      const layout = await page.evaluate(() => {
        const row = document.querySelector('#plugins-table tr.plugin-row');
        const table = document.querySelector('#plugins-section .table-scroll');
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          display: getComputedStyle(row).display,
          tableScroll: table.scrollWidth - table.clientWidth,
        };
      });
      assert(layout.overflow <= 0, `page scrolls sideways by ${layout.overflow}px`);
      assert(layout.display === 'grid', `plugin rows are "${layout.display}", not cards`);
      assert(layout.tableScroll <= 1, `plugin cards cut off by ${layout.tableScroll}px`);
      await page.click('#plugins-table tr.plugin-row[data-plugin="demo"] .plugin-toggle');
      await page.click('#plugins-table tr.plugin-row[data-plugin="demo"] .plugin-toggle');
      await shot(page, 'phone');
      await page.setViewportSize({ width: 1440, height: 900 });
      await sleep(400);
    }],

    ['server not answering: offline, greyed, unknown; a range changed meanwhile keeps the data (point 2)', async () => {
      live.signal('SIGSTOP');
      try {
        await page.waitForSelector('#banner[data-kind="offline"]', { state: 'visible', timeout: 20_000 });
        await page.waitForSelector('body[data-stale="offline"]');
        const state = await page.getAttribute('#plugins-table tr.plugin-row[data-plugin="demo"]', 'data-state');
        assert(state === 'unknown', `demo plugin shown ${state} while the server is down`);
        assert(/Unknown/.test(await page.textContent('#enabled-text')), 'collector switch still claims a state');
        const before = await pointCount(page, 'chart-cpu', 'cpu');
        await page.click('#range-select [data-range="1h"]');
        await sleep(1500);
        const after = await pointCount(page, 'chart-cpu', 'cpu');
        assert(after > 0 && after >= before * 0.5, `range change while down wiped the chart (${before} -> ${after} points)`);
        const badge = await page.getAttribute('#source-badge', 'data-source');
        assert(badge === 'kept', `badge while down: ${badge}`);
        await shot(page, 'offline');
      } finally {
        live.signal('SIGCONT');
      }
      await page.waitForSelector('#live-status[data-state="live"]', { timeout: 20_000 });
      await page.waitForSelector('#source-badge[data-source="disk"], #source-badge[data-source="memory"]', { timeout: 10_000 });
      assert(await page.isHidden('#banner'), 'banner still shown after recovery');
    }],

    ['server killed and started again: the downtime is a gap labelled "server down" (point 2)', async () => {
      await page.click('#range-select [data-range="5m"]');
      await live.kill();
      await page.waitForSelector('body[data-stale="offline"]', { timeout: 20_000 });
      await sleep(8000);
      await live.start();
      await page.waitForSelector('#live-status[data-state="live"]', { timeout: 30_000 });
      let gaps = [];
      const gap = await waitFor(async () => {
        gaps = await page.evaluate(() => window.hiroDashboard.state.gaps);
        return gaps.find((g) => !g.edge && g.label === 'server down' && g.b - g.a >= 6);
      }, 30_000, 'a gap labelled "server down"').catch((err) => { throw new Error(`${err.message}; gaps: ${JSON.stringify(gaps)}`); });
      const frame = await chartFrame(page, 'chart-disk-io');
      assert(frame.gaps.some((g) => Math.abs(g.a - gap.a * 1000) < 1000), `gap ${JSON.stringify(gap)} not shaded: ${JSON.stringify(frame.gaps)}`);
      await shot(page, 'server-restarted');
    }],

    ['3-day database with a known spike: 7 d and 24 h quote the true max, axis runs to the range start (points 1, 2)', async () => {
      const p = await page.context().newPage();
      await p.goto(spike.admin('/metrics?range=7d'));
      await p.waitForSelector('#source-badge[data-source="disk"]', { timeout: 15_000 });
      const res = await p.getAttribute('#source-badge', 'data-resolution');
      assert(res === '3600', `7 d resolution ${res}`);
      await waitFor(async () => (await pointCount(p, 'chart-cpu', 'cpu')) >= 24, 10_000, '7 d data');
      const foot = (await p.textContent('#foot-cpu')).trim();
      assert(foot.includes(`max ${SPIKE_PERCENT.toFixed(1)} %`), `7 d footer: "${foot}" (spike ${SPIKE_PERCENT} %)`);
      const avgMax = Math.max(...(await seriesPoints(p, 'chart-cpu', 'cpu')).map(([, v]) => v));
      assert(avgMax < SPIKE_PERCENT / 2, `hourly average ${avgMax} unexpectedly near the spike`);
      const frame = await chartFrame(p, 'chart-cpu');
      assert(Math.abs(frame.xMin - (Date.now() - 7 * 86400_000)) < 10_000, 'x axis does not start 7 d ago');
      const lead = frame.gaps.find((g) => Math.abs(g.a - frame.xMin) < 1000);
      assert(lead && (lead.b - lead.a) / 86400_000 > 3.5, `no empty 4 days before the data: ${JSON.stringify(frame.gaps)}`);
      assert(await p.getAttribute('body', 'data-stale') === 'disabled', 'collector-off workspace not shown stale');
      await shot(p, 'spike-7d');
      await p.click('#range-select [data-range="24h"]');
      await waitFor(async () => (await p.getAttribute('#source-badge', 'data-resolution')) !== '3600' || (await p.textContent('#foot-cpu')).includes('24 h'), 10_000, '24 h view');
      await waitFor(async () => (await p.textContent('#foot-cpu')).includes('last 24 h'), 10_000, '24 h footer');
      const foot24 = (await p.textContent('#foot-cpu')).trim();
      assert(foot24.includes(`max ${SPIKE_PERCENT.toFixed(1)} %`), `24 h footer: "${foot24}"`);
      await shot(p, 'spike-24h');
      await p.close();
    }],

    ['api_token set: read-only until the token is given, kept in sessionStorage only (point 4)', async () => {
      const p = await page.context().newPage();
      await p.goto(token.admin('/metrics'));
      await p.waitForSelector('#access[data-state="readonly"]', { timeout: 10_000 });
      assert(await p.isDisabled('#toggle-enabled'), 'switch usable without the token');
      assert(await p.isDisabled('#interval-slider'), 'interval usable without the token');
      await waitFor(async () => (await pointCount(p, 'chart-cpu', 'cpu')) >= 2, 15_000, 'reads work without a token');
      await shot(p, 'read-only');
      await p.click('#token-open');
      await p.fill('#token-input', 'wrong-token');
      await p.click('#token-form button[type="submit"]');
      await p.click('#controls-section .switch-track');
      await p.waitForSelector('#access[data-state="readonly"]', { timeout: 5000 });
      assert(/refused/.test(await p.textContent('#access-text')), 'a refused token is not reported');
      assert((await token.status()).enabled === true, 'a wrong token changed the collector');
      await p.click('#token-open');
      await p.fill('#token-input', 'secret-token-17');
      await p.click('#token-form button[type="submit"]');
      await p.waitForSelector('#access[data-state="token"]');
      await p.click('#controls-section .switch-track');
      await waitFor(async () => (await token.status()).enabled === false, 5000, 'the token to switch the collector off');
      const stores = await p.evaluate(() => ({ session: sessionStorage.getItem('hirocli.api_token'), local: JSON.stringify(localStorage) }));
      assert(stores.session === 'secret-token-17', 'token not in sessionStorage');
      assert(!stores.local.includes('secret'), 'token leaked into localStorage');
      await p.close();
    }],

    ['bytes per cold load and per live tick, no dropped samples over 60 s at 1 s (points 5, 6)', async () => {
      const r = await loadResult;
      console.log(`  FIGURES cold load: ${r.cold.requests} requests, ${r.cold.down} bytes down (files ${r.cold.files}, data ${r.cold.down - r.cold.files}), ${r.cold.up} bytes up`);
      console.log(`  FIGURES live: ${r.live.samples} samples in ${NO_DROP_SECONDS} s, ${r.live.requests} requests, ${(r.live.down / r.live.samples).toFixed(0)} bytes down per tick (${(r.live.up / r.live.samples).toFixed(0)} up)`);
      console.log(`  FIGURES drawn ${r.drawn} of ${r.truth} samples the server recorded in the window; missing ${r.missing.length}`);
      assert(r.cold.down <= COLD_LOAD_LIMIT, `cold load ${r.cold.down} bytes > ${COLD_LOAD_LIMIT}`);
      assert(r.live.down / r.live.samples <= TICK_LIMIT, `live tick ${(r.live.down / r.live.samples).toFixed(0)} bytes > ${TICK_LIMIT}`);
      assert(r.live.requests <= r.live.samples * 1.3 + 10, `${r.live.requests} requests for ${r.live.samples} samples: not on the collector's clock`);
      assert(r.truth >= NO_DROP_SECONDS - 5, `server recorded only ${r.truth} samples`);
      assert(r.missing.length === 0, `${r.missing.length} samples never drawn: ${r.missing.slice(0, 5)}`);
    }],

    ['no script errors in the console', async () => {
      assert(consoleProblems.length === 0, consoleProblems.slice(0, 5).join('\n'));
    }],

    ['README screenshot (live workspace, 1440 wide)', async () => {
      await page.click('#range-select [data-range="5m"]');
      await page.click('#plugins-table tr.plugin-row[data-plugin="demo"] .plugin-toggle').catch(() => {});
      await sleep(1500);
      const file = await shot(page, 'dashboard');
      fs.copyFileSync(file, path.join(BUILD, 'dashboard.png'));
      assert(fs.statSync(file).size > 10_000, 'screenshot suspiciously small');
    }],
  ];
}

/* ---- main -------------------------------------------------------------- */

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const live = new Server('live', {
    channels: [
      demo('demo'),
      { ...demo('short-lived', '--exit-after', '2'), restart: false },
      { name: 'never', command: [path.join(BUILD, 'no-such-plugin-binary')], restart: false },
    ],
  });
  const load = new Server('load', { channels: ['a', 'b', 'c', 'd', 'e'].map((n) => demo(`plugin-${n}`)) });
  const spikeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hiro-spike-db-'));
  const spikeDb = path.join(spikeDir, 'metrics.db');
  const spike = new Server('spike', { metrics_enabled: false, metrics_interval: 60, metrics_db_path: spikeDb });
  const token = new Server('token', { api_token: 'secret-token-17' });
  const servers = [live, load, spike, token];
  process.on('exit', () => servers.forEach((s) => s.killNow()));
  const watchdog = setTimeout(() => {
    console.error(`FAIL - watchdog: test still running after ${WATCHDOG_MS / 1000} s`);
    servers.forEach((s) => s.killNow());
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  let browser = null;
  let passed = 0;
  let failed = 0;
  try {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium, or set HIRO_CHROMIUM)`);
    for (const program of ['hirocli', 'hiro-channel-demo', 'bench_export']) {
      if (!fs.existsSync(path.join(BUILD, program))) throw new Error(`${path.join(BUILD, program)} not found (build first, or set HIRO_BUILD_DIR)`);
    }
    makeSpikeDatabase(spikeDb);
    await Promise.all(servers.map((s) => s.start()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
        '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
      timeout: 30_000,
    });
    const loadResult = loadMeasurements(browser, load);
    loadResult.catch(() => {});
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const consoleProblems = [];
    context.on('page', (p) => p.on('pageerror', (err) => consoleProblems.push(`page error: ${err.message}`)));
    page.on('pageerror', (err) => consoleProblems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // The offline checks make requests fail on purpose; those are expected.
      if (msg.type() === 'error' && !/Failed to load resource|net::ERR_/.test(msg.text())) {
        consoleProblems.push(`console error: ${msg.text()}`);
      }
    });
    for (const [name, check] of defineChecks({ live, spike, token, page, consoleProblems, loadResult })) {
      const t0 = Date.now();
      try {
        await check();
        passed++;
        console.log(`ok   - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failed++;
        console.log(`FAIL - ${name}\n       ${String(err.message).split('\n').join('\n       ')}`);
        await shot(page, `failed-${passed + failed}`).catch(() => {});
      }
    }
  } catch (err) {
    failed++;
    console.log(`FAIL - setup: ${err.message}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await Promise.all(servers.map((s) => s.stop()));
    if (failed) for (const s of servers) console.log(`${s.name} server log (last lines):\n${s.logTail()}`);
    servers.forEach((s) => s.removeWorkspace());
    fs.rmSync(spikeDir, { recursive: true, force: true });
  }
  console.log(`screenshots: ${OUT}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
