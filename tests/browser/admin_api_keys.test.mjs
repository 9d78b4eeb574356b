// admin_api_keys.test.mjs: the API keys section (/desk/admin/api-keys) in a
// real browser: the empty list, a key refused by its fields (the input
// kept), then created and shown once, the key working against /api/v1, the
// list without the secret, and a revocation that refuses it. axe-core at
// 1280 and 360 px on each state; screenshots in $BROWSER_ARTIFACTS
// (admin-api-keys-*.png). The organization and its admin are made as in
// admin.test.mjs (`supportdesk org add|provision`, the link in the mail).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  BASE_URL, BIN, NARROW, RUN_ID, WIDE, axeCheck, launch, linkInMail, noHorizontalScroll, screenshots, watch,
} from './lib.mjs';

let browser;
let ctx;
const { shot } = screenshots('admin-api-keys');
const slug = `keys-${RUN_ID}`;
const adminEmail = `keys-admin-${RUN_ID}@example.com`;

function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function bothWidths(page, label) {
  await page.setViewportSize(WIDE);
  await axeCheck(page, `${label} at 1280 px`);
  await shot(page, `${label}-1280`);
  await page.setViewportSize(NARROW);
  await noHorizontalScroll(page, `${label} at 360 px`);
  await axeCheck(page, `${label} at 360 px`);
  await shot(page, `${label}-360`);
  await page.setViewportSize(WIDE);
}

const create = (page) => Promise.all([
  page.waitForNavigation({ waitUntil: 'load' }),
  page.click('form[action="/desk/admin/api-keys"] button[type="submit"]'),
]);

before(async () => {
  browser = await launch();
  cli('org', 'add', '--name', `Keys Org ${RUN_ID}`, '--slug', slug);
  cli('org', 'provision', '--slug', slug, '--admin-email', adminEmail, '--admin-name', 'Keys Admin');
  const link = await linkInMail(adminEmail, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await page.goto(link, { waitUntil: 'load' });
  await page.fill('#f-password', 'keys admin password');
  await page.fill('#f-password_confirm', 'keys admin password');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/password/reset/"] button[type="submit"]')]);
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('API keys', () => {
  test('refused by its fields, created and shown once, used, revoked', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    const first = await page.goto(`${BASE_URL}/desk/admin/api-keys`, { waitUntil: 'load' });
    assert.equal(first.status(), 200);
    assert.match(await page.textContent('main'), /There are no keys yet/);
    await bothWidths(page, 'empty');

    // Bad input: 422, the summary, each message by its field, input kept.
    await page.fill('#f-name', '');
    await page.uncheck('#f-scope-0');
    await page.fill('#f-expires', 'next week');
    await page.fill('#f-ip_allow', 'the office');
    const [bad] = await create(page);
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.equal(await page.getAttribute('#f-name', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#e-scopes'), /at least one/);
    assert.match(await page.textContent('#f-expires-error'), /2027-01-31/);
    assert.equal(await page.inputValue('#f-ip_allow'), 'the office', 'the input is kept');
    await bothWidths(page, 'error');

    // Created: shown once.
    await page.fill('#f-name', 'Browser sync');
    await page.check('#f-scope-0');
    await page.check('#f-scope-1');
    await page.fill('#f-expires', '');
    await page.fill('#f-ip_allow', '');
    const [ok] = await create(page);
    assert.equal(ok.status(), 200);
    const key = await page.inputValue('#f-new-key');
    assert.match(key, /^sdk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    await bothWidths(page, 'created');

    // The key works; the list no longer shows it.
    const api = await ctx.request.get(`${BASE_URL}/api/v1/tickets`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(api.status(), 200);
    assert.deepEqual((await api.json()).items, []);
    await page.goto(`${BASE_URL}/desk/admin/api-keys`, { waitUntil: 'load' });
    const listed = await page.content();
    assert.ok(!listed.includes(key.slice(37)), 'the secret is not shown again');
    assert.match(await page.textContent('.admin-table'), /Browser sync/);
    assert.match(await page.textContent('.admin-table'), /tickets:read, tickets:write/);
    await bothWidths(page, 'list');

    // Revoked: refused at once.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('.admin-table button[type="submit"]')]);
    assert.match(await page.textContent('.notice-ok'), /revoked/);
    assert.match(await page.textContent('.admin-table'), /Revoked/);
    const refused = await ctx.request.get(`${BASE_URL}/api/v1/tickets`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(refused.status(), 401);
    assert.equal(refused.headers()['content-type'], 'application/problem+json');
    await bothWidths(page, 'revoked');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
