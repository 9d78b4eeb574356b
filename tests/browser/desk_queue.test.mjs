// desk_queue.test.mjs: the support desk's queues in a real browser.
//
// An agent of a fresh organization (made like the demo's: `supportdesk
// user add` with a password, then a membership and a realistic queue as
// the owner with psql) signs in at /login and lands on the desk; opens the
// queues from the side nav, filters by priority, searches, bulk-assigns
// two tickets to themselves with the mouse and checks the notice; then does
// the same with the keyboard alone, in a browser without JavaScript (the
// page is one plain form). A customer asking for /desk gets 404.
//
// axe-core (WCAG 2.1 A and AA) on every page at 1280 px and 360 px, with
// no horizontal scroll at 360 px; screenshots of both widths go to
// $BROWSER_ARTIFACTS as desk-NN-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, RUN_ID, WIDE, addUser as addAccount, goto, launch, screenshots, signIn as signInWith, sql, watch,
} from './lib.mjs';

const PASSWORD = `desk-browser-${RUN_ID}`;

let browser;
const { bothWidths } = screenshots('desk');

function addUser(email, name) {
  addAccount(email, name, PASSWORD);
  return sql(`select id from users where email = '${email}'`);
}

const signIn = (page, email) => signInWith(page, email, PASSWORD);

async function listed(page) {
  return page.$$eval('.dq-table a[href^="/desk/tickets/"]', (as) => as.map((a) => a.textContent.trim()));
}

// ------------------------------------------------------------ the world

const org = { id: null };
const agent = { email: `desk-agent-${RUN_ID}@example.com` };
const customer = { email: `desk-customer-${RUN_ID}@example.com` };
const titles = {
  urgent: `Amplifier smokes ${RUN_ID}`,
  waiting: `Need the serial ${RUN_ID}`,
  fresh: `Bluetooth pairing ${RUN_ID}`,
  other: `Invoice VAT ${RUN_ID}`,
  done: `Refund sent ${RUN_ID}`,
  spam: `CHEAP WATCHES ${RUN_ID}`,
};

function makeWorld() {
  agent.id = addUser(agent.email, 'Dana Desk');
  customer.id = addUser(customer.email, 'Casey Customer');
  org.id = sql(`insert into organizations (name, slug) values ('Desk ${RUN_ID}', 'desk-${RUN_ID}') returning id`);
  sql(`insert into organization_settings (organization_id, is_provisioned, provisioned_at) values ('${org.id}', true, now())`);
  sql(`insert into memberships (user_id, organization_id, role) values ('${agent.id}', '${org.id}', 'agent')`);
  const t = (title, extra) => sql(`with t as (insert into tickets (requester_id, routing_type, assigned_org_id,
      organization_id, title, description) values ('${customer.id}', 'organization', '${org.id}', '${org.id}',
      '${title}', 'Made by the desk browser test') returning id, number) select number from t`) && (extra
    ? sql(`update tickets set ${extra} where title = '${title}' returning number`) : sql(`select number from tickets where title = '${title}'`));
  t(titles.urgent, `priority = 'urgent', status = 'open', assignee_id = '${agent.id}'`);
  t(titles.waiting, `status = 'waiting_customer', assignee_id = '${agent.id}'`);
  t(titles.fresh, null);
  t(titles.other, `priority = 'low'`);
  t(titles.done, `status = 'resolved'`);
  t(titles.spam, `is_spam = true`);
  sql(`insert into ticket_messages (ticket_id, author_id, body, message_type)
       select id, '${customer.id}', 'The left channel crackles ${RUN_ID}', 'reply' from tickets where title = '${titles.fresh}'`);
}

// ------------------------------------------------------------ tests

describe('the desk queues', () => {
  before(async () => {
    browser = await launch();
    makeWorld();
  });
  after(async () => { if (browser) await browser.close(); });

  test('a customer asking for /desk gets 404; a visitor is sent to sign in', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const resp = await page.goto(`${BASE_URL}/desk`, { waitUntil: 'load' });
    assert.match(page.url(), /\/login\?next=(%2F|\/)desk$/, 'the visitor lands on the sign-in page');
    assert.equal(resp.status(), 200);
    await signIn(page, customer.email);
    await goto(page, '/desk', 404);
    await ctx.close();
  });

  test('an agent opens the queues, filters, searches and bulk-assigns with the mouse', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await signIn(page, agent.email);
    assert.match(page.url(), /\/desk$/, 'staff land on the desk');
    // Mine by default: the agent has tickets.
    assert.equal(await page.textContent('h1'), 'Mine');
    assert.deepEqual((await listed(page)).sort(), [titles.urgent, titles.waiting].sort());
    await bothWidths(page, 'mine');

    await Promise.all([page.waitForNavigation(), page.click('.dq-queues a:has-text("All open")')]);
    assert.equal(await page.textContent('h1'), 'All open');
    assert.deepEqual((await listed(page)).sort(), [titles.urgent, titles.waiting, titles.fresh, titles.other].sort());
    await bothWidths(page, 'open');

    await Promise.all([page.waitForNavigation(), page.click('.dq-queues a:has-text("Spam")')]);
    assert.deepEqual(await listed(page), [titles.spam]);
    await bothWidths(page, 'spam');
    await Promise.all([page.waitForNavigation(), page.click('.dq-queues a:has-text("All open")')]);

    // Filter: urgent only (the filters fold away until asked for).
    await page.click('.dq-more summary');
    await page.selectOption('#dq-priority', 'urgent');
    await Promise.all([page.waitForNavigation(), page.click('.dq-filter-actions button')]);
    assert.match(page.url(), /priority=urgent/);
    assert.deepEqual(await listed(page), [titles.urgent]);
    await bothWidths(page, 'filtered');
    await Promise.all([page.waitForNavigation(), page.click('a:has-text("Clear filters and search")')]);

    // Search a word of a message.
    await page.fill('#dq-q', 'crackles');
    await Promise.all([page.waitForNavigation(), page.click('.dq-search button')]);
    assert.deepEqual(await listed(page), [titles.fresh]);
    await bothWidths(page, 'searched');

    // Bulk: assign the two unassigned open tickets to me.
    await goto(page, '/desk?queue=unassigned');
    assert.deepEqual((await listed(page)).sort(), [titles.fresh, titles.other].sort());
    for (const title of [titles.fresh, titles.other]) {
      const number = sql(`select number from tickets where title = '${title}'`);
      await page.check(`#dq-t-${number}`);
    }
    await page.selectOption('#dq-action', 'assign');
    await page.selectOption('#dq-value', 'me');
    await Promise.all([page.waitForNavigation(), page.click('.dq-apply button')]);
    assert.match(await page.textContent('.dq-flash'), /2 tickets changed\./);
    assert.equal(await page.textContent('h1'), 'Unassigned');
    assert.deepEqual(await listed(page), []);
    await bothWidths(page, 'bulk-done');
    assert.equal(sql(`select count(*) from tickets where assigned_org_id = '${org.id}' and assignee_id = '${agent.id}'`), '4');
    assert.equal(sql(`select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id
                      where t.assigned_org_id = '${org.id}' and a.activity_type = 'assigned' and a.actor_id = '${agent.id}'`), '2');
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('keyboard alone, scripts off: the queue is one plain form', async () => {
    const ctx = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await signIn(page, agent.email);
    await goto(page, '/desk?queue=open&sort=priority');
    const number = sql(`select number from tickets where title = '${titles.other}'`);
    // Tab to the ticket's checkbox, tick it with Space; choose the action and
    // the value from the keyboard; Enter on the button.
    await page.focus(`#dq-t-${number}`);
    await page.keyboard.press('Space');
    await page.focus('#dq-action');
    await page.selectOption('#dq-action', 'priority'); // a select takes its value from the keyboard as well
    await page.focus('#dq-value');
    await page.selectOption('#dq-value', 'high');
    await page.focus('.dq-apply button');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(await page.textContent('.dq-flash'), /1 ticket changed\./);
    assert.equal(sql(`select priority from tickets where number = '${number}'`), 'high');
    await ctx.close();
  });
});
