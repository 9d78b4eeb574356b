// admin_webhooks.test.mjs: the webhooks section (/desk/admin/webhooks) in
// a real browser: the empty list, a webhook refused for an ftp:// address
// and no event (messages by their fields, the input kept), then created
// with its signing secret shown once, its page with a test event queued
// and a failed delivery in the table, and the secret rotated. axe-core at
// 1280 and 360 px on each page; screenshots in $BROWSER_ARTIFACTS
// (admin-webhooks-*.png). The organization and its admin are made as in
// admin.test.mjs (`supportdesk org add|provision`, the link in the mail).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  BASE_URL, BIN, NARROW, RUN_ID, WIDE, axeCheck, launch, linkInMail, noHorizontalScroll, quote, screenshots, sql, watch,
} from './lib.mjs';

let browser;
let ctx;
const { shot } = screenshots('admin-webhooks');
const slug = `hooks-${RUN_ID}`;
const adminEmail = `hooks-admin-${RUN_ID}@example.com`;

function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function at(page, url, label) {
  const resp = await page.goto(`${BASE_URL}${url}`, { waitUntil: 'load' });
  assert.equal(resp.status(), 200, `${label}: 200`);
  return resp;
}

async function checkBothWidths(page, url, label) {
  await page.setViewportSize(WIDE);
  await at(page, url, label);
  await axeCheck(page, `${label} at 1280 px`);
  await shot(page, `${label}-1280`);
  await page.setViewportSize(NARROW);
  await at(page, url, label);
  await noHorizontalScroll(page, `${label} at 360 px`);
  await axeCheck(page, `${label} at 360 px`);
  await shot(page, `${label}-360`);
  await page.setViewportSize(WIDE);
}

async function checkHere(page, label) {
  await axeCheck(page, `${label} at 1280 px`);
  await shot(page, `${label}-1280`);
  await page.setViewportSize(NARROW);
  await noHorizontalScroll(page, `${label} at 360 px`);
  await axeCheck(page, `${label} at 360 px`);
  await shot(page, `${label}-360`);
  await page.setViewportSize(WIDE);
}

const click = (page, selector) => Promise.all([
  page.waitForNavigation({ waitUntil: 'load' }),
  page.click(selector),
]);

before(async () => {
  browser = await launch();
  cli('org', 'add', '--name', `Hooks Org ${RUN_ID}`, '--slug', slug);
  cli('org', 'provision', '--slug', slug, '--admin-email', adminEmail, '--admin-name', 'Hooks Admin');
  const link = await linkInMail(adminEmail, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await page.goto(link, { waitUntil: 'load' });
  await page.fill('#f-password', 'hooks admin password');
  await page.fill('#f-password_confirm', 'hooks admin password');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/password/reset/"] button[type="submit"]')]);
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('Webhooks', () => {
  test('refused by its fields, then created with the secret once; test event, deliveries, rotation', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/webhooks', 'list');
    assert.match(await page.textContent('.admin-main'), /There are no webhooks yet/);

    await page.fill('#f-url', 'ftp://hooks.example.com/x');
    for (const e of ['ticket_created', 'ticket_updated', 'message_added', 'sla_breached']) {
      await page.uncheck(`#f-event_${e}`);
    }
    const [bad] = await click(page, 'form[action="/desk/admin/webhooks"] button[type="submit"]');
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.equal(await page.getAttribute('#f-url', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#f-url-error'), /starting with https:\/\//);
    assert.match(await page.textContent('#f-events-error'), /at least one event/);
    assert.equal(await page.inputValue('#f-url'), 'ftp://hooks.example.com/x', 'the input is kept');
    await checkHere(page, 'list-error');

    await page.fill('#f-url', 'https://hooks.example.com/supportdesk');
    await page.check('#f-event_ticket_created');
    await page.check('#f-event_message_added');
    const [ok] = await click(page, 'form[action="/desk/admin/webhooks"] button[type="submit"]');
    assert.equal(ok.status(), 201);
    const secret = (await page.textContent('#webhook-secret')).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    await checkHere(page, 'created');

    const id = sql(`SELECT w.id FROM webhooks w JOIN organizations o ON o.id = w.organization_id
                    WHERE o.slug = ${quote(slug)}`).trim();
    // A failed delivery in the table, as the mailer leaves one.
    sql(`INSERT INTO webhook_deliveries (id, webhook_id, organization_id, event, payload, status, attempts, response_code, last_error)
         SELECT gen_random_uuid(), id, organization_id, 'ticket.created', '{}', 'failed', 8, 500, 'HTTP 500 from 203.0.113.9'
         FROM webhooks WHERE id = ${quote(id)}`);
    await checkBothWidths(page, `/desk/admin/webhooks/${id}?org=${slug}`, 'webhook');
    assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is not shown again');
    assert.match(await page.textContent('#deliveries'), /Failed permanently/);

    const [sent] = await click(page, 'form[action$="/test"] button[type="submit"]');
    assert.equal(sent.status(), 200);
    assert.match(await page.textContent('.notice-ok'), /test event \(ping\) is queued/);
    assert.match(await page.textContent('#deliveries'), /ping/);

    const [rotated] = await click(page, 'form[action$="/rotate"] button[type="submit"]');
    assert.equal(rotated.status(), 200);
    const secret2 = (await page.textContent('#webhook-secret')).trim();
    assert.match(secret2, /^whsec_/);
    assert.notEqual(secret2, secret);
    await checkHere(page, 'rotated');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
