// staff.test.mjs: the staff part of the account page in a real browser:
// availability (away), which new tickets they hear of (watch) and the
// desk's email notifications, by keyboard, then the same without
// JavaScript; axe-core (WCAG 2.1 A/AA) and screenshots at 1280 and 360 px
// ($BROWSER_ARTIFACTS/staff-*.png). The staff member is a platform agent
// made with `supportdesk user add` ($SUPPORTDESK_BIN); what was saved is
// read back with psql as the owner ($DATABASE_URL).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
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
const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const DATABASE_URL = process.env.DATABASE_URL;
const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || 'build/browser-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BIN = process.env.SUPPORTDESK_BIN || path.resolve(HERE, '../../build/supportdesk');
const RUN_ID = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };
const PASSWORD = `staff-${RUN_ID}-password`;

fs.mkdirSync(ARTIFACTS, { recursive: true });

let browser;

function sql(query) {
  assert.ok(DATABASE_URL, 'DATABASE_URL (the owner) is set');
  return execFileSync('psql', [DATABASE_URL, '-X', '-qAt', '-v', 'ON_ERROR_STOP=1'], { input: query, encoding: 'utf8' }).trim();
}
const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

async function axeCheck(page, label) {
  await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })) }));
  }, AXE_TAGS);
  if (res.length) {
    const lines = [`axe: ${res.length} violation(s) on ${label} (${page.url()}):`];
    for (const v of res) {
      lines.push(`  [${v.impact}] ${v.id}: ${v.help}`);
      for (const n of v.nodes) lines.push(`      ${n.target}: ${n.html}\n      ${n.summary || ''}`);
    }
    assert.fail(lines.join('\n'));
  }
  console.log(`axe: ${label}: no violations`);
}

async function record(page, name, label) {
  await axeCheck(page, label);
  await page.setViewportSize(WIDE);
  await page.screenshot({ path: path.join(ARTIFACTS, `staff-${name}-1280.png`), fullPage: true });
  await page.setViewportSize(NARROW);
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(ARTIFACTS, `staff-${name}-360.png`), fullPage: true });
  assert.ok(w <= NARROW.width, `${label}: no horizontal scroll at 360 px (scrollWidth ${w})`);
  await page.setViewportSize(WIDE);
}

async function signIn(ctx, email) {
  const page = await ctx.newPage();
  await page.goto(`${BASE_URL}/login`, { waitUntil: 'load' });
  await page.fill('#f-email', email);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#login-form button[type="submit"]')]);
  return page;
}

let email;
let userId;

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `chromium at ${CHROMIUM}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  email = `staff-${RUN_ID}@example.com`;
  execFileSync(BIN, ['user', 'add', '--email', email, '--name', 'Stef Staff', '--platform-role', 'agent', '--password-stdin'],
    { input: `${PASSWORD}\n`, env: process.env, stdio: ['pipe', 'pipe', 'inherit'] });
  userId = sql(`SELECT id FROM users WHERE email = ${quote(email)}`);
  assert.match(userId, /^[0-9a-f-]{36}$/, 'the staff member exists');
});

after(async () => {
  if (browser) await browser.close();
});

describe('the staff part of the account page', () => {
  test('away, watch and the desk notifications, by keyboard, accessible', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await signIn(ctx, email);
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    assert.equal(await page.isChecked('#f-away'), false, 'available at first');
    assert.equal(await page.isChecked('#f-watch-teams'), true, 'watching their teams at first');
    assert.equal(await page.isChecked('#f-notify-mention'), true, 'mentions email them at first');
    await record(page, 'account', '/account (staff)');

    // Keyboard only: Tab to "I am away", Space; arrows move the watch radio.
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-away');
    }
    assert.ok(reached, 'Tab reaches "I am away"');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-watch-teams', 'then the watch choice');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-watch-all');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-notify-new_ticket', 'then the desk events');
    await page.keyboard.press('Space');
    let onSave = false;
    for (let i = 0; i < 15 && !onSave; i++) {
      await page.keyboard.press('Tab');
      onSave = await page.evaluate(() => document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Save profile');
    }
    assert.ok(onSave, 'Tab reaches Save profile');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/account\?done=profile$/);
    assert.equal(await page.isChecked('#f-away'), true);
    assert.equal(await page.isChecked('#f-watch-all'), true);
    assert.equal(await page.isChecked('#f-notify-new_ticket'), false);
    assert.equal(sql(`SELECT (away_since IS NOT NULL) || '|' || (preferences->>'watch') || '|' || (preferences->'notify'->>'new_ticket') FROM users WHERE id = ${quote(userId)}`),
      'true|all|false');
    await record(page, 'saved', '/account (staff) after saving');
    await ctx.close();
  });

  test('the same without JavaScript', async () => {
    const ctx = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    const page = await signIn(ctx, email);
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    await page.uncheck('#f-away');
    await page.check('#f-watch-none');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#profile button[type="submit"]')]);
    assert.match(page.url(), /\/account\?done=profile$/);
    assert.equal(sql(`SELECT (away_since IS NULL) || '|' || (preferences->>'watch') FROM users WHERE id = ${quote(userId)}`),
      'true|none');
    await page.screenshot({ path: path.join(ARTIFACTS, 'staff-nojs-1280.png'), fullPage: true });
    await ctx.close();
  });
});
