// admin_automation.test.mjs: the automation admin sections (/desk/admin/
// triggers, /rules, /macros) and the macro preview in a real browser:
// axe-core (WCAG 2.1 A/AA) at 1280 and 360 px on each list, on a refused
// form (messages by their rows), on a rule's page and on the preview; a
// trigger created by keyboard and mouse acts on a new ticket. Screenshots
// in $BROWSER_ARTIFACTS (admin-automation-*.png). The organization and its
// admin are made as the owner (psql, `supportdesk user add`).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, NARROW, RUN_ID, WIDE, addUser, axeCheck, launch, noHorizontalScroll, quote, screenshots, signIn, sql, watch,
} from './lib.mjs';

const PASSWORD = `automation-${RUN_ID}-password`;
const slug = `auto-${RUN_ID}`;
const email = `auto-admin-${RUN_ID}@example.com`;
let browser;
let ctx;
let org;
const { shot } = screenshots('admin-automation');

async function check(page, url, label, status = 200) {
  for (const size of [WIDE, NARROW]) {
    await page.setViewportSize(size);
    const resp = await page.goto(`${BASE_URL}${url}`, { waitUntil: 'load' });
    assert.equal(resp.status(), status, `${label}: ${status}`);
    if (size === NARROW) await noHorizontalScroll(page, `${label} at 360 px`);
    await axeCheck(page, `${label} at ${size.width} px`);
    await shot(page, `${label}-${size.width}`);
  }
  await page.setViewportSize(WIDE);
}

before(async () => {
  browser = await launch();
  addUser(email, 'Auto Admin', PASSWORD);
  org = sql(`INSERT INTO organizations (name, slug) VALUES (${quote(`Automation ${RUN_ID}`)}, ${quote(slug)}) RETURNING id`);
  sql(`INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at) VALUES (${quote(org)}, true, now())`);
  sql(`INSERT INTO memberships (user_id, organization_id, role) SELECT id, ${quote(org)}, 'admin' FROM users WHERE email = ${quote(email)}`);
  sql(`INSERT INTO teams (organization_id, name) VALUES (${quote(org)}, 'Billing')`);
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('automation admin pages', () => {
  test('each list, a refused form, a rule, the macro preview: accessible; a trigger acts', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    for (const section of ['triggers', 'rules', 'macros']) {
      await check(page, `/desk/admin/${section}?org=${slug}`, section);
    }
    // A trigger made in the browser: a bad row first, then the right one.
    await page.goto(`${BASE_URL}/desk/admin/triggers?org=${slug}`, { waitUntil: 'load' });
    await page.fill('#f-name', 'Invoices');
    await page.fill('#f-c0_field', 'title');
    await page.selectOption('#f-c0_op', 'contains');
    await page.fill('#f-c0_value', 'invoice');
    await page.selectOption('#f-a0_type', 'priority');
    await page.fill('#f-a0_value', 'extreme');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
      page.click('form[action="/desk/admin/triggers"] button.primary')]);
    assert.ok((await page.content()).includes('Enter a priority'), 'the bad row is refused by its input');
    await axeCheck(page, 'refused trigger form');
    await shot(page, 'refused-1280');
    await page.fill('#f-a0_value', 'high');
    await page.selectOption('#f-a1_type', 'team');
    await page.fill('#f-a1_value', 'Billing');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
      page.click('form[action="/desk/admin/triggers"] button.primary')]);
    const id = sql(`SELECT id FROM automation_triggers WHERE organization_id = ${quote(org)} AND name = 'Invoices'`);
    assert.match(id, /^[0-9a-f-]{36}$/, 'the trigger is saved');
    await check(page, `/desk/admin/triggers/${id}?org=${slug}`, 'trigger');
    // The requester is a customer: a reply by the requester would end waiting_customer.
    const customer = `auto-customer-${RUN_ID}@example.com`;
    addUser(customer, 'Auto Customer');
    const number = sql(`INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description)
      SELECT id, 'organization', ${quote(org)}, ${quote(org)}, 'Invoice wrong', 'x' FROM users WHERE email = ${quote(customer)}
      RETURNING number`);
    assert.equal(sql(`SELECT priority || '|' || (team_id IS NOT NULL) FROM tickets WHERE number = ${quote(number)}`), 'high|true');
    // A macro and its preview on that ticket.
    const macro = sql(`INSERT INTO macros (organization_id, name, actions, reply) VALUES (${quote(org)}, 'Ask',
      '[{"type": "status", "value": "waiting_customer"}]', 'Hello {{requester.name}}') RETURNING id`);
    await check(page, `/desk/admin/macros/${macro}?org=${slug}`, 'macro');
    await check(page, `/desk/tickets/${number}/macro?macro=${macro}`, 'macro-preview');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action$="/macro"] button.primary')]);
    assert.equal(sql(`SELECT status FROM tickets WHERE number = ${quote(number)}`), 'waiting_customer');
    assert.deepEqual(problems, [], "no script error, CSP violation or failed resource");
    await page.close();
  });
});
