// admin_sla.test.mjs: the SLA policies section (/desk/admin/sla) in a real
// browser, scripts or not: the list with every priority, a policy refused
// with messages by its fields (the input kept), then created, and the due
// times of an open ticket of that priority moved without bumping its
// version. axe-core at 1280 and 360 px on each page; screenshots in
// $BROWSER_ARTIFACTS (admin-sla-*.png). The organization and its admin are
// made as in admin.test.mjs (`supportdesk org add|provision`, the link in
// the mail).
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
const { shot } = screenshots('admin-sla');
const slug = `sla-${RUN_ID}`;
const adminEmail = `sla-admin-${RUN_ID}@example.com`;

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

const submit = (page) => Promise.all([
  page.waitForNavigation({ waitUntil: 'load' }),
  page.click('form[action="/desk/admin/sla"] button[type="submit"]'),
]);

before(async () => {
  browser = await launch();
  cli('org', 'add', '--name', `SLA Org ${RUN_ID}`, '--slug', slug);
  cli('org', 'provision', '--slug', slug, '--admin-email', adminEmail, '--admin-name', 'SLA Admin');
  const link = await linkInMail(adminEmail, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await page.goto(link, { waitUntil: 'load' });
  await page.fill('#f-password', 'sla admin password');
  await page.fill('#f-password_confirm', 'sla admin password');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/password/reset/"] button[type="submit"]')]);
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('SLA policies', () => {
  test('a policy refused by its fields, then created; the open ticket\'s due times move, its version does not', async () => {
    const ticket = sql(`INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, priority)
      SELECT u.id, 'organization', o.id, o.id, 'SLA browser ticket', 'x', 'high'
      FROM users u, organizations o WHERE u.email = ${quote(adminEmail)} AND o.slug = ${quote(slug)} RETURNING id`).trim();
    const versionBefore = sql(`SELECT version FROM tickets WHERE id = ${quote(ticket)}`).trim();

    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/sla', 'list');
    assert.match(await page.textContent('.admin-table'), /None of its own/);

    // Bad input everywhere: 422, the summary, each message by its field.
    await page.selectOption('#f-priority', 'high');
    await page.fill('#f-display_name', 'Browser high');
    await page.fill('#f-first_response_minutes', 'soon');
    await page.fill('#f-resolution_minutes', '600');
    await page.fill('#f-start_monday', '17:00');
    await page.fill('#f-end_monday', '08:00');
    await page.fill('#f-time_zone', 'Mars/Olympus');
    await page.fill('#f-holidays', '2026-12-25\n2026-02-30');
    const [bad] = await submit(page);
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.equal(await page.getAttribute('#f-first_response_minutes', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#f-end_monday-error'), /closing time must be after the opening time/);
    assert.match(await page.textContent('#f-time_zone-error'), /not a time zone/);
    assert.match(await page.textContent('#f-holidays-error'), /2026-02-30/);
    assert.equal(await page.inputValue('#f-time_zone'), 'Mars/Olympus', 'the input is kept');
    assert.equal(await page.inputValue('#f-first_response_minutes'), 'soon');
    await axeCheck(page, 'list with errors at 1280 px');
    await shot(page, 'error-1280');
    await page.setViewportSize(NARROW);
    await noHorizontalScroll(page, 'list with errors at 360 px');
    await axeCheck(page, 'list with errors at 360 px');
    await shot(page, 'error-360');
    await page.setViewportSize(WIDE);

    // Fixed, and around the clock: the due times are plain arithmetic.
    await page.fill('#f-first_response_minutes', '30');
    await page.fill('#f-end_monday', '18:00');
    await page.fill('#f-time_zone', 'Europe/Paris');
    await page.fill('#f-holidays', '2026-12-25');
    await page.uncheck('#f-use_business_hours');
    const [ok] = await submit(page);
    assert.equal(ok.status(), 200);
    assert.match(await page.textContent('.notice-ok'), /The policy is created/);
    const policyUrl = new URL(page.url());
    assert.match(policyUrl.pathname, /^\/desk\/admin\/sla\/[0-9a-f-]{36}$/);
    await checkBothWidths(page, `${policyUrl.pathname}?org=${slug}`, 'policy');

    const moved = sql(`SELECT (sla_resolution_due = created_at + interval '600 minutes'
                               AND sla_first_response_due = created_at + interval '30 minutes')::text
                       FROM tickets WHERE id = ${quote(ticket)}`).trim();
    assert.equal(moved, 'true', 'the open ticket follows the new policy');
    assert.equal(sql(`SELECT version FROM tickets WHERE id = ${quote(ticket)}`).trim(), versionBefore, 'its version is unchanged');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
