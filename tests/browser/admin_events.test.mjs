// admin_events.test.mjs: the events and rate-limit blocks admin sections
// in a real browser (Debian's chromium through playwright-core): axe-core
// at 1280 and 360 px on each page and on a form error (an end before the
// start), an event created here and offered by the public form, and a
// block produced by repeated failed sign-ins (after launch(), which
// flushes the counters), seen by the organization's admin and lifted, so
// that the member signs in at once. Screenshots: admin-events-*.png and
// admin-blocks-*.png in $BROWSER_ARTIFACTS.
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { BASE_URL, BIN, RUN_ID, WIDE, addUser, goto, launch, press, quote, screenshots, signIn, sql, watch } from './lib.mjs';

let browser;
const events = screenshots('admin-events');
const blocks = screenshots('admin-blocks');

const PASSWORD = 'an events browser test password';
const slug = `ev-${RUN_ID}`;
const adminEmail = `ev-admin-${RUN_ID}@example.com`;
const agentEmail = `ev-agent-${RUN_ID}@example.com`;
let orgId;

before(async () => {
  browser = await launch();
  execFileSync(BIN, ['org', 'add', '--name', `Events Org ${RUN_ID}`, '--slug', slug],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  orgId = sql(`select id from organizations where slug = ${quote(slug)}`);
  addUser(adminEmail, 'Eve Admin', PASSWORD);
  addUser(agentEmail, 'Abe Agent', PASSWORD);
  sql(`insert into memberships (user_id, organization_id, role)
    select id, ${quote(orgId)}::uuid, 'admin' from users where email = ${quote(adminEmail)};
    insert into memberships (user_id, organization_id, role)
    select id, ${quote(orgId)}::uuid, 'agent' from users where email = ${quote(agentEmail)}`);
});

after(async () => {
  if (browser) await browser.close();
});

// Starts in UTC as the form takes them: "YYYY-MM-DDTHH:MM".
const local = (ms) => new Date(ms).toISOString().slice(0, 16);

describe('events and rate-limit blocks', () => {
  test('an admin creates an event (after an error) and the public form offers it', { timeout: 120000 }, async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await signIn(page, adminEmail, PASSWORD);
    await goto(page, `/desk/admin/events?org=${slug}`);
    assert.equal(await page.textContent('h1'), 'Events');
    await events.bothWidths(page, 'list-empty', 'events, none yet');

    // The end before the start: 422, the message by the field, the input kept.
    const name = `Spring Finals ${RUN_ID}`;
    const start = local(Date.now() + 3 * 86400000);
    await page.fill('#f-name', name);
    await page.fill('#f-starts_at', start);
    await page.fill('#f-ends_at', local(Date.now() + 2 * 86400000));
    await page.fill('#f-location', 'Hall 7');
    await press(page, 'form[action="/desk/admin/events"] button[type="submit"]', 422);
    assert.match(await page.textContent('#f-ends_at-error'), /The end is before the start/);
    assert.equal(await page.getAttribute('#f-ends_at', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-name'), name);
    assert.equal(await page.inputValue('#f-location'), 'Hall 7');
    assert.ok(await page.isVisible('a[href="#f-ends_at"]'), 'the summary links to the field');
    await events.bothWidths(page, 'error', 'events, end before start');

    await page.fill('#f-ends_at', local(Date.now() + 4 * 86400000));
    await press(page, 'form[action="/desk/admin/events"] button[type="submit"]', 200);
    assert.match(await page.textContent('.notice-ok'), /The event is created/);
    assert.ok((await page.textContent('table')).includes(name));
    await events.bothWidths(page, 'list', 'events, one created');

    // The public form's event field lists it (the global "Event inquiry" type).
    const type = sql(`select id from request_types where organization_id is null and requires_event and is_active
      order by sort_order limit 1`);
    const deadline = Date.now() + 30000; // other workers' form cache (SUPPORTDESK_FORM_CACHE_SECONDS)
    let offered = false;
    while (!offered && Date.now() < deadline) {
      const r = await ctx.request.get(`${BASE_URL}/submit/fields?request_type=${type}`);
      offered = (await r.text()).includes(name);
      if (!offered) await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(offered, 'the public form offers the new event');

    // Its own page, then deactivated: the form no longer offers it.
    await page.click(`a:has-text("${name}")`);
    await page.waitForLoadState('load');
    assert.match(await page.textContent('h1'), /Spring Finals/);
    await events.bothWidths(page, 'edit', 'one event');
    await page.uncheck('#f-active');
    await press(page, 'form.admin-form button[type="submit"]', 200);
    assert.match(await page.textContent('.notice-ok'), /The event is saved/);
    assert.match(await page.textContent('h1'), /deactivated/);
    const gone = Date.now() + 30000;
    let still = true;
    while (still && Date.now() < gone) {
      const r = await ctx.request.get(`${BASE_URL}/submit/fields?request_type=${type}`);
      still = (await r.text()).includes(name);
      if (still) await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(!still, 'the deactivated event is gone from the public form');
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('failed sign-ins block a member; the admin sees the block and lifts it', { timeout: 180000 }, async () => {
    // The member's failed sign-ins, until the next one is refused (429).
    const them = await browser.newContext({ viewport: WIDE });
    const login = await them.newPage();
    let refused = false;
    for (let i = 0; i < 40 && !refused; i++) {
      await goto(login, '/login');
      await login.fill('#f-email', agentEmail);
      await login.fill('#f-password', 'not the password');
      const resp = await press(login, '#login-form button[type="submit"]');
      refused = resp.status() === 429;
      if (!refused) assert.equal(resp.status(), 422, 'a wrong password');
    }
    assert.ok(refused, 'the member is blocked');

    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await signIn(page, adminEmail, PASSWORD);
    await goto(page, `/desk/admin/blocks?org=${slug}`);
    assert.equal(await page.textContent('h1'), 'Rate-limit blocks');
    const row = page.locator('tr', { hasText: agentEmail });
    assert.equal(await row.count(), 1, 'the member\'s block is listed');
    assert.match(await row.textContent(), /Signing in/);
    assert.match(await row.textContent(), /Email address · member/);
    await blocks.bothWidths(page, 'list', 'blocks, one member blocked');

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), row.locator('button', { hasText: 'Lift' }).click()]);
    assert.match(await page.textContent('.notice-ok'), /The block is lifted/);
    assert.equal(await page.locator('tr', { hasText: agentEmail }).count(), 0, 'the block is gone');
    await blocks.bothWidths(page, 'lifted', 'blocks, after the lift');
    assert.equal(sql(`select count(*) from config_audit where entity = 'rate_limit_block'
      and organization_id = ${quote(orgId)}::uuid and before->>'who' = ${quote(agentEmail)}`), '1');

    // The member signs in at once.
    await goto(login, '/login');
    await login.fill('#f-email', agentEmail);
    await login.fill('#f-password', PASSWORD);
    await press(login, '#login-form button[type="submit"]', 200);
    assert.ok(!login.url().endsWith('/login'), `signed in: ${login.url()}`);
    assert.deepEqual(problems, []);
    await them.close();
    await ctx.close();
  });
});
