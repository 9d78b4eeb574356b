// account.test.mjs: the account page, the sessions and the notifications
// in a real browser.
//
// Debian's chromium ($CHROMIUM) driven by playwright-core, axe-core on
// every page (any WCAG 2.1 A/AA violation fails). A customer is made the
// way a person becomes one: the form on /submit (captcha solved by the
// page's own script), the email in $MAIL_DIR, the confirm button. A second
// browser signs in with the confirmation email's sign-in link. Notifications
// are added as the system adds them, with notification_add() as the owner
// ($DATABASE_URL, psql). Screenshots at 1280 and 360 px go to
// $BROWSER_ARTIFACTS (account-*.png).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require('axe-core').source;

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const MAIL_DIR = process.env.MAIL_DIR;
const DATABASE_URL = process.env.DATABASE_URL;
const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || 'build/browser-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUN_ID = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

fs.mkdirSync(ARTIFACTS, { recursive: true });

// ------------------------------------------------------------ helpers

let browser;
let shotNo = 0;

async function shot(page, name) {
  shotNo++;
  const file = path.join(ARTIFACTS, `account-${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Page errors, console errors (CSP violations show up there) and failed
// subresources; the page's own 4xx (a 422 form) is expected.
function watch(page) {
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
  return problems;
}

async function axeCheck(page, label) {
  await page.evaluate(AXE_SOURCE);
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
  console.log(`axe: ${label}: no violations (${AXE_TAGS.join(', ')})`);
}

async function noHorizontalScroll(page, label) {
  const w = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(w.sw <= w.cw, `${label}: no horizontal scroll (scrollWidth ${w.sw}, clientWidth ${w.cw})`);
}

// psql as the owner: the system's side of things (notification_add, checks).
function sql(query) {
  assert.ok(DATABASE_URL, 'DATABASE_URL (the owner) is set');
  return execFileSync('psql', [DATABASE_URL, '-X', '-qAt', '-v', 'ON_ERROR_STOP=1'], { input: query, encoding: 'utf8' }).trim();
}

const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

function qpDecode(s) {
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

// The text/plain part of a message, decoded.
function plainText(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const m = /content-type:\s*text\/plain[^\n]*\n((?:[^\n]+\n)*)\n([\s\S]*?)(?:\n--|$)/i.exec(text);
  if (!m) return text;
  return /content-transfer-encoding:\s*quoted-printable/i.test(m[1]) ? qpDecode(m[2]) : m[2];
}

// Polls $MAIL_DIR until a message to addr has a link matching re; returns the link.
async function linkInMail(addr, re, timeoutMs = 30000) {
  assert.ok(MAIL_DIR, 'MAIL_DIR is set');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = fs.existsSync(MAIL_DIR) ? fs.readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml')) : [];
    for (const f of files) {
      const raw = fs.readFileSync(path.join(MAIL_DIR, f), 'utf8');
      const to = /^to:\s*(.*)$/im.exec(raw);
      if (!to || !to[1].toLowerCase().includes(addr.toLowerCase())) continue;
      const m = re.exec(plainText(raw));
      if (m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no email to ${addr} with ${re} in ${MAIL_DIR} within ${timeoutMs / 1000} s`);
}

// A customer, signed in in ctx: a request through /submit, confirmed.
async function signedInCustomer(ctx, email) {
  const page = await ctx.newPage();
  await page.goto(`${BASE_URL}/submit`, { waitUntil: 'load' });
  const general = await page.$$eval('#request_type option', (os) => (os.find((o) => o.textContent.trim() === 'General question') || {}).value);
  assert.ok(general, 'the "General question" type is offered');
  await page.selectOption('#request_type', general);
  await page.waitForSelector('#submit-form', { state: 'visible' });
  await page.fill('#f-email', email);
  await page.fill('#f-name', 'Browser Account');
  await page.fill('#f-title', `Account test ${RUN_ID}`);
  await page.fill('#f-description', 'A request made to get an account in the browser test.');
  await page.waitForFunction(() => {
    const s = document.querySelector('#submit-form .captcha-status');
    const b = document.querySelector('#submit-form button[type="submit"]');
    return s && s.textContent.trim() === 'Verified' && b && !b.disabled;
  }, null, { timeout: 60000, polling: 'raf' });
  // A person takes longer than SUPPORTDESK_SUBMIT_MIN_SECONDS (3 s).
  await page.waitForTimeout(Math.max(0, 3300 - (await page.evaluate(() => performance.now()))));
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#submit-form button[type="submit"]')]);
  assert.equal((await page.textContent('h1')).trim(), 'Check your email');
  const link = await linkInMail(email, /(https?:\/\/\S+\/verify\/[A-Za-z0-9_-]+)/);
  await page.goto(link, { waitUntil: 'load' });
  await Promise.all([
    page.waitForURL(/\/my\/tickets\/[A-Z0-9-]+$/, { waitUntil: 'load' }),
    page.click('form[action^="/verify/"] button[type="submit"]'),
  ]);
  return page;
}

async function badge(page) {
  const b = page.locator('header .nav-notifications .badge');
  return (await b.count()) ? (await b.textContent()).trim() : null;
}

// ------------------------------------------------------------ the tests

let email;
let userId;
let ctx;   // the customer's first browser, signed in by the tests below

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `chromium at ${CHROMIUM}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  email = `account-${RUN_ID}@example.com`;
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signedInCustomer(ctx, email);
  await page.close();
  userId = sql(`SELECT id FROM users WHERE email = ${quote(email)}`);
  assert.match(userId, /^[0-9a-f-]{36}$/, 'the customer exists');
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('the account page', () => {
  test('signed out, /account leads to the sign-in', async () => {
    const anon = await browser.newContext();
    const r = await anon.request.get(`${BASE_URL}/account`, { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    assert.equal(r.headers().location, '/login?next=/account');
    const page = await anon.newPage();
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    assert.equal(await page.locator('header nav a[href="/login"]').count(), 1, 'anonymous: Sign in');
    assert.equal(await page.locator('header nav a[href="/notifications"]').count(), 0, 'anonymous: no notifications');
    await anon.close();
  });

  test('the header, the profile edited by keyboard, accessible', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    assert.equal((await page.textContent('h1')).trim(), 'Your account');
    const nav = await page.$$eval('header nav li', (lis) => lis.map((li) => li.textContent.replace(/\s+/g, ' ').trim()));
    for (const want of ['My tickets', 'Account', 'Sign out']) assert.ok(nav.some((t) => t.startsWith(want)), `the header offers ${want}: ${nav}`);
    assert.ok(nav.some((t) => t.startsWith('Notifications')), 'the header offers Notifications');
    assert.equal(await page.getAttribute('header nav a[href="/account"]', 'aria-current'), 'page');
    assert.ok((await page.textContent('main')).includes(email), 'the address is shown');
    await shot(page, 'page-1280');
    await axeCheck(page, '/account');

    // Keyboard only: Tab reaches the name, then on to Save.
    await page.keyboard.press('Tab');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-name');
      if (!reached) await page.keyboard.press('Tab');
    }
    assert.ok(reached, 'Tab reaches the name field');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Ada Browser');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-language');
    await page.selectOption('#f-language', 'nl');
    await page.check('#f-channel-phone');
    await page.uncheck('#f-notify-waiting');
    let onSave = false;
    for (let i = 0; i < 15 && !onSave; i++) {
      await page.keyboard.press('Tab');
      onSave = await page.evaluate(() => document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Save profile');
    }
    assert.ok(onSave, 'Tab reaches Save profile');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/account\?done=profile$/);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'Your profile is saved.');
    assert.equal(await page.inputValue('#f-name'), 'Ada Browser');
    assert.equal(await page.inputValue('#f-language'), 'nl');
    assert.equal(await page.isChecked('#f-channel-phone'), true);
    assert.equal(await page.isChecked('#f-notify-waiting'), false);
    assert.equal(await page.isChecked('#f-notify-reply'), true);
    assert.equal(sql(`SELECT name || '|' || preferred_language || '|' || (preferences->'notify'->>'waiting') FROM users WHERE id = ${quote(userId)}`),
      'Ada Browser|nl|false');
    await shot(page, 'saved');
    await axeCheck(page, '/account after saving');

    // A value the list does not offer: the page comes back with the error
    // beside the field, in the summary, and nothing is saved.
    await page.evaluate(() => {
      const o = document.createElement('option');
      o.value = 'xx'; o.textContent = 'Made up';
      document.querySelector('#f-language').append(o);
    });
    await page.selectOption('#f-language', 'xx');
    await page.fill('#f-name', 'Not Saved');
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#profile button[type="submit"]')]);
    assert.equal(resp.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.match(await page.textContent('#f-language-error'), /languages in the list/);
    assert.equal(await page.getAttribute('#f-language', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-name'), 'Not Saved', 'the input is kept');
    assert.equal(sql(`SELECT name FROM users WHERE id = ${quote(userId)}`), 'Ada Browser', 'nothing saved');
    await shot(page, 'error');
    await axeCheck(page, '/account with an error');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('without JavaScript the profile form works the same', async () => {
    const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
    const page = await nojs.newPage();
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    await page.fill('#f-name', 'Ada No Script');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#profile button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'Your profile is saved.');
    assert.equal(await page.inputValue('#f-name'), 'Ada No Script');
    await nojs.close();
  });

  test('sessions: another browser is listed with its device, and signed out from here', async () => {
    // The confirmation email's sign-in link, opened as Firefox elsewhere.
    const link = await linkInMail(email, /(https?:\/\/\S+\/login\/link\/[A-Za-z0-9_-]+)/);
    const other = await browser.newContext({ userAgent: FIREFOX_UA, viewport: { width: 1280, height: 900 } });
    const op = await other.newPage();
    await op.goto(link, { waitUntil: 'load' });
    await Promise.all([op.waitForNavigation({ waitUntil: 'load' }), op.click('form[action^="/login/link/"] button[type="submit"]')]);
    await op.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    assert.equal((await op.textContent('h1')).trim(), 'Your account', 'the second browser is signed in');

    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/account#sessions`, { waitUntil: 'load' });
    const rows = page.locator('#sessions .session');
    assert.equal(await rows.count(), 2, 'two sessions listed');
    const here = page.locator('#sessions .session-current');
    assert.match(await here.textContent(), /This device/);
    assert.match(await here.textContent(), /Chrome on Linux/, 'this browser is described from its User-Agent');
    assert.equal(await here.locator('form').count(), 0, 'this device has no sign-out of its own here');
    const ff = page.locator('#sessions .session', { hasText: 'Firefox on Linux' });
    assert.equal(await ff.count(), 1, 'the Firefox session is listed');
    assert.match(await ff.textContent(), /127\.0\.0\.1/, 'with its address');
    assert.match(await ff.locator('time').first().getAttribute('datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await shot(page, 'sessions');
    await axeCheck(page, '/account with two sessions');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), ff.locator('button').click()]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'That session is signed out.');
    assert.equal(await page.locator('#sessions .session').count(), 1);

    // The other browser is out: its next page asks it to sign in.
    const r = await other.request.get(`${BASE_URL}/account`, { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    assert.equal(r.headers().location, '/login?next=/account');
    await other.close();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('360 px: one column, no horizontal scroll', async () => {
    const small = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 2, storageState: await ctx.storageState() });
    const page = await small.newPage();
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    await noHorizontalScroll(page, '/account at 360 px');
    await shot(page, 'page-360');
    await axeCheck(page, '/account at 360 px');
    await small.close();
  });
});

describe('notifications', () => {
  test('the header counts them; the list marks chosen ones and all read', async () => {
    for (let i = 1; i <= 3; i++) {
      sql(`SELECT notification_add(${quote(userId)}, 'reply', ${quote(`Reply ${i} on your request`)}, ${quote(`Message ${i} <b>bold?</b>`)}, '/account')`);
    }
    sql(`SELECT notification_add(${quote(userId)}, 'status', 'Gone already', NULL, NULL, '{}', now() - interval '1 minute')`);
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    assert.equal(await badge(page), '3 unread', 'the header counts three unread');
    assert.equal((await page.textContent('header .nav-notifications')).replace(/\s+/g, ' ').trim(), 'Notifications 3 unread',
      'the link says what the number means');

    await page.click('header .nav-notifications');
    await page.waitForURL(/\/notifications$/);
    assert.equal(await page.getAttribute('header nav a[href="/notifications"]', 'aria-current'), 'page');
    const items = page.locator('.notification');
    assert.equal(await items.count(), 3, 'three listed; the expired one is not');
    assert.equal(await page.locator('.notification', { hasText: 'Gone already' }).count(), 0);
    assert.equal(await page.locator('.notification-content b').count(), 0, 'content is text, not markup');
    assert.match(await items.first().textContent(), /Reply 3 on your request/, 'newest first');
    await shot(page, 'notifications-1280');
    await axeCheck(page, '/notifications');

    await page.check(`.notification:has-text("Reply 1 on your request") input[type="checkbox"]`);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button:has-text("Mark selected as read")')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'Marked as read.');
    assert.equal(await badge(page), '2 unread');
    assert.match(await page.locator('.notification', { hasText: 'Reply 1 on your request' }).textContent(), /Read/);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button:has-text("Mark all as read")')]);
    assert.equal(await badge(page), null, 'no badge once all are read');
    assert.equal(sql(`SELECT count(*) FROM notifications WHERE user_id = ${quote(userId)} AND NOT read AND (expires_at IS NULL OR expires_at > now())`), '0');
    await axeCheck(page, '/notifications, all read');

    const small = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 2, storageState: await ctx.storageState() });
    const sp = await small.newPage();
    await sp.goto(`${BASE_URL}/notifications`, { waitUntil: 'load' });
    await noHorizontalScroll(sp, '/notifications at 360 px');
    await shot(sp, 'notifications-360');
    await small.close();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
