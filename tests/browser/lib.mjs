// lib.mjs: what every browser test needs, in one place: the stack's
// addresses, the browser, axe-core, screenshots at both widths, psql as the
// owner, and the emails the mailer wrote to $MAIL_DIR. run.sh runs only
// *.test.mjs, so this file is never a test itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require('axe-core').source;
const HERE = path.dirname(fileURLToPath(import.meta.url));

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const MAIL_DIR = process.env.MAIL_DIR;
export const DATABASE_URL = process.env.DATABASE_URL;
export const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || 'build/browser-artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const BIN = process.env.SUPPORTDESK_BIN || path.resolve(HERE, '../../build/supportdesk');
export const RUN_ID = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 360, height: 740 };
export const DEMO_PASSWORD = process.env.DEMO_PASSWORD || 'demo-password-123';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

fs.mkdirSync(ARTIFACTS, { recursive: true });

// Every request comes from 127.0.0.1, and the earlier layers and files
// spent its budgets (verification, sign-in, set-password links): each file
// starts its counters afresh, as the e2e suites do (tests/e2e/e2e_flow.c
// flush_ratelimits), so that no file depends on which ran before it.
export function flushRateLimits() {
  const url = process.env.REDIS_URL || '';
  const target = url.startsWith('unix://') ? ['-s', url.slice(7)] : url ? ['-u', url] : null;
  if (!target) return;
  const keys = execFileSync('redis-cli', [...target, '--scan', '--pattern', 'sd:rl:*'], { encoding: 'utf8' })
    .split('\n').filter(Boolean);
  for (let i = 0; i < keys.length; i += 100) execFileSync('redis-cli', [...target, 'DEL', ...keys.slice(i, i + 100)]);
}

// The browser, for one test file (whose rate-limit counters start afresh).
export async function launch() {
  assert.ok(fs.existsSync(CHROMIUM), `chromium at ${CHROMIUM}`);
  flushRateLimits();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
}

// ------------------------------------------------------------ the stack

// psql as the owner ($DATABASE_URL): what the system does, and checks.
// The query goes on stdin, so it may hold several statements.
export function sql(query) {
  assert.ok(DATABASE_URL, 'DATABASE_URL (the owner) is set');
  return execFileSync('psql', [DATABASE_URL, '-X', '-qAt', '-v', 'ON_ERROR_STOP=1'],
    { input: query, encoding: 'utf8' }).trim();
}

export const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

// `supportdesk user add` as the owner: a user with a password (or none).
export function addUser(email, name, password, platformRole) {
  assert.ok(fs.existsSync(BIN), `supportdesk at ${BIN}`);
  const args = ['user', 'add', '--email', email, '--name', name];
  if (platformRole) args.push('--platform-role', platformRole);
  if (password) args.push('--password-stdin');
  execFileSync(BIN, args, { input: password ? `${password}\n` : '', env: process.env, stdio: ['pipe', 'pipe', 'inherit'] });
}

// ------------------------------------------------------------ pages

// Collects script errors, console errors (CSP violations show up there) and
// failed subresources; a page's own 4xx (a 422 form, a 410 link) is
// expected. With requestFailed, a request that never got an answer counts
// too (for pages whose scripts must not abort their own fetches).
export function watch(page, { requestFailed = false } = {}) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    const t = r.request().resourceType();
    if (r.status() >= 400 && t !== 'document' && !r.url().endsWith('/favicon.ico')) {
      problems.push(`${t} ${r.url()} answered ${r.status()}`);
    }
  });
  if (requestFailed) {
    page.on('requestfailed', (r) => {
      if (!r.url().endsWith('/favicon.ico')) problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`);
    });
  }
  return problems;
}

// axe-core (WCAG 2.1 A and AA): any violation fails, with its nodes.
export async function axeCheck(page, label) {
  await page.evaluate(AXE_SOURCE); // through CDP: the page's CSP does not apply
  const res = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  if (res.length) {
    const lines = [`axe: ${res.length} violation(s) on ${label} (${page.url()}):`];
    for (const v of res) {
      lines.push(`  [${v.impact}] ${v.id}: ${v.help}`);
      for (const n of v.nodes) lines.push(`      ${n.target}: ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`);
    }
    assert.fail(lines.join('\n'));
  }
  console.log(`axe: ${label}: no violations`);
}

export async function noHorizontalScroll(page, label) {
  const w = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(w.sw <= w.cw, `${label}: no horizontal scroll (scrollWidth ${w.sw}, clientWidth ${w.cw})`);
}

// Numbered screenshots into $BROWSER_ARTIFACTS: <prefix>-NN-<name>.png.
export function screenshots(prefix) {
  let n = 0;
  const shot = async (page, name) => {
    n++;
    const file = path.join(ARTIFACTS, `${prefix}-${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  // The page as it is, at 1280 px and at 360 px: axe at both widths, a
  // screenshot of each, no horizontal scroll when narrow; back to 1280 px.
  const bothWidths = async (page, name, label = name) => {
    await page.setViewportSize(WIDE);
    await axeCheck(page, `${label} at 1280 px`);
    await shot(page, `${name}-1280`);
    await page.setViewportSize(NARROW);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(w <= NARROW.width, `${label}: no horizontal scroll at 360 px (scrollWidth ${w})`);
    await axeCheck(page, `${label} at 360 px`);
    await shot(page, `${name}-360`);
    await page.setViewportSize(WIDE);
  };
  return { shot, bothWidths };
}

export async function goto(page, url, status = 200) {
  const resp = await page.goto(url.startsWith('http') ? url : `${BASE_URL}${url}`, { waitUntil: 'load' });
  assert.equal(resp.status(), status, `GET ${url}`);
  return resp;
}

// Clicks something that submits a form and waits for the page it leads to.
export async function press(page, selector, status) {
  const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  if (status !== undefined) assert.equal(resp.status(), status, `after ${selector}: ${page.url()}`);
  return resp;
}

// Signs in with a password on /login and lands where the site sends them.
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await goto(page, '/login');
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  return press(page, '#login-form button[type="submit"]', 200);
}

// ------------------------------------------------------------ mail

export function qpDecode(s) {
  const bytes = [];
  const soft = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.substr(i + 1, 2))) {
      bytes.push(parseInt(soft.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// The headers and MIME parts of a message (one level of multipart), decoded.
export function mimeParts(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const sep = text.indexOf('\n\n');
  const headers = text.slice(0, sep).replace(/\n[ \t]+/g, ' ');
  const body = text.slice(sep + 2);
  const bm = /boundary="?([^";\n]+)"?/i.exec(headers);
  const decode = (h, b) => {
    if (/content-transfer-encoding:\s*quoted-printable/i.test(h)) return qpDecode(b);
    if (/content-transfer-encoding:\s*base64/i.test(h)) return Buffer.from(b.replace(/\s+/g, ''), 'base64').toString('utf8');
    return b;
  };
  if (!bm) return { headers, parts: [{ type: (/content-type:\s*([^;\n]+)/i.exec(headers) || [, 'text/plain'])[1].trim().toLowerCase(), body: decode(headers, body) }] };
  const parts = [];
  for (const chunk of body.split(`--${bm[1]}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const c = chunk.replace(/^\n/, '');
    const s = c.indexOf('\n\n');
    const h = c.slice(0, s).replace(/\n[ \t]+/g, ' ');
    parts.push({ type: (/content-type:\s*([^;\n]+)/i.exec(h) || [, 'text/plain'])[1].trim().toLowerCase(), body: decode(h, c.slice(s + 2)) });
  }
  return { headers, parts };
}

// The text/plain part of a raw message, decoded ('' when it has none).
export function plainText(raw) {
  const p = mimeParts(raw).parts.find((x) => x.type === 'text/plain');
  return p ? p.body : '';
}

// Every .eml addressed To addr written at or after `since` (ms), newest
// first: { file, mtime, raw, headers, parts, text }.
export function mailsTo(addr, since = 0) {
  if (!MAIL_DIR || !fs.existsSync(MAIL_DIR)) return [];
  const hits = [];
  for (const f of fs.readdirSync(MAIL_DIR).filter((x) => x.endsWith('.eml'))) {
    const p = path.join(MAIL_DIR, f);
    const mtime = fs.statSync(p).mtimeMs;
    if (mtime < since) continue;
    const raw = fs.readFileSync(p, 'utf8');
    const m = mimeParts(raw);
    const to = /^to:\s*(.*)$/im.exec(m.headers);
    if (!to || !to[1].toLowerCase().includes(addr.toLowerCase())) continue;
    const plain = m.parts.find((x) => x.type === 'text/plain');
    hits.push({ file: p, mtime, raw, ...m, text: plain ? plain.body : '' });
  }
  return hits.sort((a, b) => b.mtime - a.mtime);
}

// Polls $MAIL_DIR (the mailer delivers asynchronously) until at least count
// emails to addr pass `which` (default: all); returns them, newest first.
export async function waitForMails(addr, count = 1, { since = 0, which = () => true, timeoutMs = 30000 } = {}) {
  assert.ok(MAIL_DIR, 'MAIL_DIR is set');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = mailsTo(addr, since).filter(which);
    if (m.length >= count) return m;
    if (Date.now() > deadline) assert.fail(`fewer than ${count} emails to ${addr} in ${MAIL_DIR} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The first capture of re in the text of the newest email to addr (written
// at or after since) that matches it.
export async function linkInMail(addr, re, { since = 0, timeoutMs = 30000 } = {}) {
  const [m] = await waitForMails(addr, 1, { since, timeoutMs, which: (x) => re.test(x.text) });
  return re.exec(m.text)[1];
}

// ------------------------------------------------------------ people

// A customer as a person becomes one, signed in in page's context: a
// "General question" through /submit (scripts on: the captcha solves
// itself), the emailed link, the confirm button. Returns the ticket number.
export async function newCustomer(page, { email, name = 'Pat Portal', title, description }) {
  await goto(page, '/submit');
  const id = await page.$$eval('#request_type option', (os) => {
    const o = os.find((x) => x.textContent.trim() === 'General question');
    return o && o.value;
  });
  assert.ok(id, 'General question is offered');
  await page.selectOption('#request_type', id);
  await page.waitForSelector('#submit-form', { state: 'visible' });
  await page.fill('#f-email', email);
  await page.fill('#f-name', name);
  await page.fill('#f-title', title || `A request ${RUN_ID}`);
  await page.fill('#f-description', description || `Our printer prints blank pages since Monday. ${RUN_ID}`);
  await page.waitForFunction(() => {
    const s = document.querySelector('#submit-form .captcha-status');
    const b = document.querySelector('#submit-form button[type="submit"]');
    return s && s.textContent.trim() === 'Verified' && b && !b.disabled;
  }, null, { timeout: 60000 });
  // The minimum fill time only adds to the spam score; a person takes longer.
  await page.waitForTimeout(Math.max(0, 3300 - (await page.evaluate(() => performance.now()))));
  await press(page, '#submit-form button[type="submit"]', 200);
  assert.equal((await page.textContent('h1')).trim(), 'Check your email');
  const link = await linkInMail(email, /(https?:\/\/\S+\/verify\/[A-Za-z0-9_-]+)/);
  await goto(page, link);
  await Promise.all([
    page.waitForURL(/\/my\/tickets\/[A-Z0-9-]+$/, { waitUntil: 'load' }),
    page.click('form[action^="/verify/"] button[type="submit"]'),
  ]);
  return page.url().split('/').pop();
}
