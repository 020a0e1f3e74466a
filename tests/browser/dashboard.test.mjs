// dashboard.test.mjs - drives the Metrics page of a real hirocli server with
// headless Chromium (playwright-core + Debian's /usr/bin/chromium).
//
// Starts `hirocli start --foreground` in a temporary workspace with one demo
// channel plugin, opens http://127.0.0.1:ADMIN/metrics and checks what a user
// sees and does: sparklines filling, the plugin row with its real PID, the
// enable toggle and interval slider reaching the collector (verified through
// the REST API, not the page), the collapsible system section, the 24 h range
// served from disk, a narrow window, and the offline banner with recovery.
// Saves $HIRO_BUILD_DIR/dashboard.png. Prints "N passed, M failed"; exit 1 on
// any failure. Every wait is bounded; the server is always stopped.
//
// Environment: HIRO_BUILD_DIR (binaries; default ../../build), NODE_PATH (for
// playwright-core), HIRO_CHROMIUM (default /usr/bin/chromium),
// HIRO_DASHBOARD_SOAK (extra seconds of data before the screenshot; default 0).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD = path.resolve(process.env.HIRO_BUILD_DIR || path.join(here, '..', '..', 'build'));
const CHROMIUM = process.env.HIRO_CHROMIUM || '/usr/bin/chromium';
const SOAK_SECONDS = Number(process.env.HIRO_DASHBOARD_SOAK || 0);
// A small ring: once the store holds more rows than the ring, ranges the
// ring cannot cover must come from disk, which is what the 24 h check wants.
const HISTORY_SIZE = 20;
const WATCHDOG_MS = 270_000; // below ctest's 300 s timeout

const { chromium } = loadPlaywright();

function loadPlaywright() {
  // createRequire honours NODE_PATH, which ESM imports do not.
  const require = createRequire(import.meta.url);
  return require('playwright-core');
}

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

/* ---- the server under test --------------------------------------------- */

class Server {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hiro-dashboard-'));
    this.logPath = path.join(this.dir, 'test-server.log');
    this.child = null;
  }

  async start() {
    for (const program of ['hirocli', 'hiro-channel-demo']) {
      const file = path.join(BUILD, program);
      if (!fs.existsSync(file)) throw new Error(`${file} not found (build first, or set HIRO_BUILD_DIR)`);
    }
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium, or set HIRO_CHROMIUM)`);
    this.httpPort = await freePort();
    this.adminPort = await freePort();
    const config = {
      http_port: this.httpPort,
      admin_ui_port: this.adminPort,
      admin_ui_enabled: true,
      metrics_enabled: true,
      metrics_interval: 1.0,
      metrics_history_size: HISTORY_SIZE,
      channels: [
        { name: 'demo', command: [path.join(BUILD, 'hiro-channel-demo')], restart: true },
        // Exits after 2 s and is not restarted: the page must show it as dead.
        { name: 'short-lived', command: [path.join(BUILD, 'hiro-channel-demo'), '--exit-after', '2'], restart: false },
      ],
    };
    fs.writeFileSync(path.join(this.dir, 'config.json'), JSON.stringify(config, null, 2));
    const log = fs.openSync(this.logPath, 'a');
    // Own process group, so a last-resort kill also reaches the plugins.
    this.child = spawn(path.join(BUILD, 'hirocli'), ['--workspace', this.dir, 'start', '--foreground'], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.on('exit', () => { this.child.exitedAlready = true; });
    this.child.on('error', () => { this.child.exitedAlready = true; });
    await waitFor(async () => {
      if (this.child.exitedAlready) throw new Error(`server exited early; log:\n${this.logTail()}`);
      await getJson(this.rest('/metrics/status'));
      return true;
    }, 20_000, 'the REST port to answer');
  }

  rest(p) { return `http://127.0.0.1:${this.httpPort}${p}`; }
  admin(p) { return `http://127.0.0.1:${this.adminPort}${p}`; }

  signal(sig) {
    if (this.child && !this.child.exitedAlready) process.kill(this.child.pid, sig);
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

  /** Synchronous last resort (also used from the exit handler). */
  killNow() {
    if (!this.child || this.child.exitedAlready) return;
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  logTail(lines = 30) {
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

/* ---- page helpers ------------------------------------------------------ */

/** Number of non-null points in the first series of the chart in #id. */
function chartPoints(page, id) {
  return page.evaluate((elId) => {
    const el = document.getElementById(elId);
    const chart = el && window.echarts && window.echarts.getInstanceByDom(el);
    if (!chart) return -1;
    const series = chart.getOption().series || [];
    const data = series[0] ? series[0].data : [];
    return data.filter((p) => p && p[1] !== null && p[1] !== undefined).length;
  }, id);
}

async function restStatus(server) {
  return getJson(server.rest('/metrics/status'));
}

/* ---- the checks -------------------------------------------------------- */

function defineChecks(server, page, consoleProblems) {
  return [
    ['page loads from the admin port with its assets', async () => {
      const response = await page.goto(server.admin('/metrics'), { waitUntil: 'load', timeout: 15_000 });
      assert(response && response.status() === 200, `GET /metrics answered ${response && response.status()}`);
      assert((await page.title()).includes('Metrics'), 'page title does not mention Metrics');
      await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 10_000 });
      const hasEcharts = await page.evaluate(() => typeof window.echarts === 'object');
      assert(hasEcharts, 'echarts did not load from /assets/echarts.min.js');
    }],

    ['server sparklines (CPU, RSS, threads) fill with data and show values', async () => {
      for (const id of ['chart-cpu', 'chart-rss', 'chart-threads']) {
        await waitFor(async () => (await chartPoints(page, id)) >= 3, 20_000, `#${id} to hold 3 points`);
      }
      const values = await page.evaluate(() => ['value-cpu', 'value-rss', 'value-threads']
        .map((id) => document.getElementById(id).textContent.trim()));
      assert(/^\d+(\.\d+)? %$/.test(values[0]), `CPU value "${values[0]}" is not a percentage`);
      assert(/^\d+(\.\d+)? (B|KiB|MiB|GiB)$/.test(values[1]), `RSS value "${values[1]}" has no binary unit`);
      assert(/^\d+$/.test(values[2]) && Number(values[2]) >= 1, `threads value "${values[2]}" is not a count`);
    }],

    ['plugin table shows the demo plugin with its real PID and RSS, plus totals', async () => {
      const snapshot = await getJson(server.rest('/metrics'));
      const demo = (snapshot.children || []).find((c) => c.name === 'demo');
      assert(demo && demo.pid > 0, `REST /metrics has no live demo child: ${JSON.stringify(snapshot.children)}`);
      const row = page.locator('#plugins-table tbody tr[data-plugin="demo"]');
      await row.waitFor({ timeout: 10_000 });
      await waitFor(async () => (await row.getAttribute('data-pid')) === String(demo.pid), 10_000,
        `row pid to equal ${demo.pid}`);
      const rss = (await row.locator('td.rss').textContent()).trim();
      assert(/^\d+(\.\d+)? (B|KiB|MiB|GiB)$/.test(rss), `RSS cell "${rss}" is empty or has no unit`);
      assert((await row.getAttribute('data-alive')) === 'true', 'demo row is not marked alive');
      const totals = await page.locator('#plugins-table tfoot tr.totals-row').count();
      assert(totals === 1, 'no totals row in the plugin table');
    }],

    ['an exited plugin is shown dead: greyed row, red "exited" badge, not in totals', async () => {
      const row = page.locator('#plugins-table tbody tr[data-plugin="short-lived"]');
      await page.waitForSelector('#plugins-table tbody tr[data-plugin="short-lived"][data-alive="false"]', { timeout: 15_000 });
      assert(await row.evaluate((tr) => tr.classList.contains('is-dead')), 'row lacks .is-dead');
      const badge = row.locator('.status-dead');
      assert((await badge.textContent()).trim() === 'exited', 'badge does not read "exited"');
      const colours = await row.evaluate((tr) => ({
        badge: getComputedStyle(tr.querySelector('.status-dead')).backgroundColor,
        text: getComputedStyle(tr.querySelector('td')).color,
      }));
      const [r, g, b] = colours.badge.match(/\d+/g).map(Number);
      assert(r > 150 && g < 90 && b < 90, `badge is not red: ${colours.badge}`);
      const [tr, tg, tb] = colours.text.match(/\d+/g).map(Number);
      assert(Math.min(tr, tg, tb) > 100, `dead row text is not greyed: ${colours.text}`);
      const totals = (await page.textContent('#plugins-table tfoot tr.totals-row')).replace(/\s+/g, ' ');
      assert(totals.includes('1 of 2 running'), `totals row reads "${totals}"`);
    }],

    ['toggle disables the collector and enables it again', async () => {
      await page.click('#controls-section .switch-track');
      await waitFor(async () => (await restStatus(server)).enabled === false, 5000, 'REST status enabled=false');
      await page.waitForSelector('#banner[data-kind="disabled"]', { state: 'visible', timeout: 5000 });
      assert(!(await page.isChecked('#toggle-enabled')), 'switch still shows on');
      await page.click('#controls-section .switch-track');
      await waitFor(async () => (await restStatus(server)).enabled === true, 5000, 'REST status enabled=true');
      await page.waitForSelector('#live-status[data-state="live"]', { timeout: 10_000 });
      assert(await page.isHidden('#banner'), 'banner still shown after enabling');
    }],

    ['interval slider changes the collector interval', async () => {
      await page.focus('#interval-slider');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await waitFor(async () => (await restStatus(server)).interval === 3, 5000, 'REST status interval=3');
      await waitFor(async () => (await page.textContent('#interval-value')).trim() === '3 s', 5000, 'the label to read "3 s"');
      await page.keyboard.press('Home');
      await waitFor(async () => (await restStatus(server)).interval === 1, 5000, 'REST status interval=1');
    }],

    ['system section starts collapsed and expands on click', async () => {
      assert(!(await page.evaluate(() => document.getElementById('system-section').open)), 'system section open at load');
      assert(await page.isHidden('#chart-sys-cpu'), 'system chart visible while collapsed');
      await page.click('#system-section > summary');
      assert(await page.evaluate(() => document.getElementById('system-section').open), 'click did not open it');
      await page.waitForSelector('#chart-sys-cpu', { state: 'visible', timeout: 3000 });
      await waitFor(async () => (await chartPoints(page, 'chart-sys-cpu')) >= 2, 10_000, 'system CPU chart data');
    }],

    ['24 h range is read from disk and says so', async () => {
      await waitFor(async () => {
        const p = (await restStatus(server)).persistence;
        return p && p.rows && p.rows.raw > HISTORY_SIZE + 2;
      }, 60_000, `more than ${HISTORY_SIZE + 2} raw rows on disk`);
      await page.click('#range-select [data-range="24h"]');
      await page.waitForSelector('#source-badge[data-source="disk"]', { timeout: 10_000 });
      const badge = (await page.textContent('#source-badge')).trim();
      assert(/^disk · (raw|1-min avg|1-h avg)$/.test(badge), `badge reads "${badge}"`);
      const checked = await page.getAttribute('#range-select [data-range="24h"]', 'aria-checked');
      assert(checked === 'true', '24 h button not marked as selected');
      await waitFor(async () => (await chartPoints(page, 'chart-cpu')) >= 2, 10_000, 'CPU sparkline with 24 h data');
      await page.click('#range-select [data-range="5m"]');
      await page.waitForSelector('#source-badge[data-source="memory"], #source-badge[data-source="disk"]', { timeout: 10_000 });
    }],

    ['screenshot after data has accumulated', async () => {
      if (SOAK_SECONDS > 0) await sleep(SOAK_SECONDS * 1000);
      await waitFor(async () => (await chartPoints(page, 'chart-network')) >= 5, 20_000, 'network chart data');
      await page.mouse.move(0, 0);
      const file = path.join(BUILD, 'dashboard.png');
      await page.screenshot({ path: file, fullPage: true });
      assert(fs.statSync(file).size > 10_000, 'screenshot suspiciously small');
      console.log(`  screenshot: ${file}`);
    }],

    ['narrow window: cards stack, no page-wide horizontal scroll', async () => {
      await page.setViewportSize({ width: 400, height: 900 });
      await sleep(500);
      const layout = await page.evaluate(() => {
        const cards = ['chart-cpu', 'chart-rss'].map((id) => document.getElementById(id).getBoundingClientRect());
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          stacked: cards[1].top > cards[0].bottom,
        };
      });
      assert(layout.overflow <= 0, `page scrolls sideways by ${layout.overflow}px`);
      assert(layout.stacked, 'sparkline cards are not stacked');
      await page.setViewportSize({ width: 1280, height: 900 });
    }],

    ['offline banner appears when the server stops answering, and clears on recovery', async () => {
      server.signal('SIGSTOP');
      try {
        await page.waitForSelector('#banner[data-kind="offline"]', { state: 'visible', timeout: 15_000 });
        assert((await page.getAttribute('#live-status', 'data-state')) === 'offline', 'status pill not offline');
      } finally {
        server.signal('SIGCONT');
      }
      await page.waitForSelector('#live-status[data-state="live"]', { timeout: 15_000 });
      assert(await page.isHidden('#banner'), 'banner still shown after recovery');
    }],

    ['no script errors or CSP violations in the console', async () => {
      assert(consoleProblems.length === 0, consoleProblems.slice(0, 5).join('\n'));
    }],
  ];
}

/* ---- main -------------------------------------------------------------- */

async function main() {
  const server = new Server();
  process.on('exit', () => server.killNow());
  const watchdog = setTimeout(() => {
    console.error(`FAIL - watchdog: test still running after ${WATCHDOG_MS / 1000} s`);
    server.killNow();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  let browser = null;
  let passed = 0;
  let failed = 0;
  try {
    await server.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
      timeout: 30_000,
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    const consoleProblems = [];
    page.on('pageerror', (err) => consoleProblems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // The offline check makes requests fail on purpose; those are expected.
      if (msg.type() === 'error' && !/Failed to load resource|net::ERR_/.test(msg.text())) {
        consoleProblems.push(`console error: ${msg.text()}`);
      }
    });
    for (const [name, check] of defineChecks(server, page, consoleProblems)) {
      try {
        await check();
        passed++;
        console.log(`ok   - ${name}`);
      } catch (err) {
        failed++;
        console.log(`FAIL - ${name}\n       ${String(err.message).split('\n').join('\n       ')}`);
      }
    }
  } catch (err) {
    failed++;
    console.log(`FAIL - setup: ${err.message}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
    if (failed) console.log(`server log (last lines):\n${server.logTail()}`);
    server.removeWorkspace();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
