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
const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || 'build/browser-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BIN = process.env.SUPPORTDESK_BIN || path.resolve(HERE, '../../build/supportdesk');
const RUN_ID = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };
const PASSWORD = `desk-browser-${RUN_ID}`;

fs.mkdirSync(ARTIFACTS, { recursive: true });

let browser;
let shotNo = 0;

function sql(query) {
  assert.ok(process.env.DATABASE_URL, 'DATABASE_URL (the owner) is set');
  return execFileSync('psql', [process.env.DATABASE_URL, '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', query],
    { encoding: 'utf8' }).trim();
}

function addUser(email, name) {
  execFileSync(BIN, ['user', 'add', '--email', email, '--name', name, '--password-stdin'],
    { input: `${PASSWORD}\n`, env: process.env, stdio: ['pipe', 'pipe', 'inherit'] });
  return sql(`select id from users where email = '${email}'`);
}

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

async function shot(page, name) {
  shotNo++;
  await page.screenshot({ path: path.join(ARTIFACTS, `desk-${String(shotNo).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// axe at both widths, a screenshot of each, no horizontal scroll when narrow.
async function bothWidths(page, name) {
  await page.setViewportSize(WIDE);
  await axeCheck(page, `${name} at 1280 px`);
  await shot(page, `${name}-1280`);
  await page.setViewportSize(NARROW);
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= NARROW.width, `${name}: no horizontal scroll at 360 px (scrollWidth ${w})`);
  await axeCheck(page, `${name} at 360 px`);
  await shot(page, `${name}-360`);
  await page.setViewportSize(WIDE);
}

async function goto(page, url, status = 200) {
  const resp = await page.goto(url.startsWith('http') ? url : `${BASE_URL}${url}`, { waitUntil: 'load' });
  assert.equal(resp.status(), status, `GET ${url}: ${resp.status()}`);
  return resp;
}

async function signIn(page, email) {
  await goto(page, '/login');
  await page.fill('#f-email', email);
  await page.fill('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/login"] button[type="submit"]')]);
}

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
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
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
