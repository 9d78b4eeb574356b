// desk_ticket.test.mjs: the ticket workspace (/desk/tickets/{number}) in a
// real browser. An agent of an organization (made as the owner: the test
// stack loads no demo data) opens a customer's ticket, replies, adds an
// internal note, inserts a canned response with `/` and the keyboard alone
// (the script's listbox), assigns it to themselves, changes its status and
// merges a duplicate into it. In a second browser context the customer sees
// the reply and never the note, and replies; the agent sees that reply on
// reload.
//
// axe-core (WCAG 2.1 A and AA) on the workspace at 1280 px and at 360 px,
// no horizontal scroll at 360 px; screenshots into $BROWSER_ARTIFACTS as
// workspace-NN-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { RUN_ID, WIDE, addUser, goto, launch, press, quote, screenshots, signIn, sql, watch } from './lib.mjs';

let browser;
const { bothWidths } = screenshots('workspace');

const PASSWORD = 'a desk browser test password';
const agentEmail = `desk-agent-${RUN_ID}@example.com`;
const custEmail = `desk-cust-${RUN_ID}@example.com`;
let orgId;
let number;
let duplicate;

function ticketFor(title) {
  return sql(`insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description)
    select u.id, 'organization', ${quote(orgId)}::uuid, ${quote(orgId)}::uuid, ${quote(title)}, 'It hums at night.'
    from users u where u.email = ${quote(custEmail)} returning number`);
}

before(async () => {
  browser = await launch();
  addUser(agentEmail, 'Avery Agent', PASSWORD);
  addUser(custEmail, 'Casey Customer', PASSWORD);
  orgId = sql(`insert into organizations (name, slug) values ('Desk Browser Org', ${quote(`desk-browser-${RUN_ID}`)})
    returning id`);
  sql(`insert into memberships (user_id, organization_id, role)
    select id, ${quote(orgId)}::uuid, 'agent' from users where email = ${quote(agentEmail)};
    insert into canned_responses (organization_id, title, shortcut, content)
    values (${quote(orgId)}::uuid, 'Greeting', 'greet', 'Hello {{requester.name}}, this is {{agent.name}} about {{ticket.number}}.')`);
  number = ticketFor(`Fridge hums ${RUN_ID}`);
  duplicate = ticketFor(`Fridge hums again ${RUN_ID}`);
});

after(async () => {
  if (browser) await browser.close();
});

const bodyText = (page) => page.textContent('body');

// Signs in by way of /login?next=: staff land on /desk otherwise, the
// queue, which is not part of this test.
async function signInTo(page, email, next) {
  await goto(page, `/login?next=${encodeURIComponent(next)}`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', PASSWORD);
  await press(page, '#login-form button[type="submit"]', 200);
  assert.equal(new URL(page.url()).pathname, next);
}

describe('ticket workspace', () => {
  test('agent works a ticket; the customer sees the reply, never the note', { timeout: 180000 }, async () => {
    const agentCtx = await browser.newContext({ viewport: WIDE });
    const agent = await agentCtx.newPage();
    const agentProblems = watch(agent);
    await signInTo(agent, agentEmail, `/desk/tickets/${number}`);
    assert.match(await agent.textContent('h1'), /Fridge hums/);
    await bothWidths(agent, 'workspace', 'the workspace');

    // A public reply.
    await agent.fill('#f-body', `Public answer ${RUN_ID}`);
    await press(agent, '#compose-form button.primary', 200);
    assert.match(new URL(agent.url()).pathname, new RegExp(`/desk/tickets/${number}$`));
    assert.ok((await bodyText(agent)).includes(`Public answer ${RUN_ID}`), 'the reply is on the page');

    // An internal note.
    await agent.fill('#f-body', `Secret note ${RUN_ID}`);
    await press(agent, '#compose-form button.note-button', 200);
    assert.ok((await bodyText(agent)).includes(`Secret note ${RUN_ID}`), 'the note is on the page');

    // A canned response by `/`, chosen with the keyboard in the listbox.
    await agent.focus('#f-body');
    await agent.keyboard.type('/gre');
    await agent.waitForSelector('#canned-list [role="option"]', { state: 'visible', timeout: 30000 });
    assert.equal(await agent.getAttribute('#f-body', 'aria-activedescendant'), 'canned-0');
    await agent.keyboard.press('Enter');
    assert.equal(await agent.inputValue('#f-body'), '/greet ');
    await press(agent, '#compose-form button.primary', 200);
    const expanded = `Hello Casey Customer, this is Avery Agent about ${number}.`;
    assert.ok((await bodyText(agent)).includes(expanded), 'the server expanded the canned response');
    assert.equal(sql(`select usage_count from canned_responses where organization_id = ${quote(orgId)}::uuid`), '1');

    // Assign to me, then a new status.
    await press(agent, '#update-form button[name="assign"][value="me"]', 200);
    assert.equal(sql(`select u.email from tickets t join users u on u.id = t.assignee_id where t.number = ${quote(number)}`),
      agentEmail);
    await agent.selectOption('#f-status', 'in_progress');
    await press(agent, '#update-form button.primary', 200);
    assert.equal(sql(`select status from tickets where number = ${quote(number)}`), 'in_progress');
    await bothWidths(agent, 'workspace-worked', 'the workspace after the work');

    // The duplicate merged into it: the merge lands on the target.
    await goto(agent, `/desk/tickets/${duplicate}`);
    await agent.fill('#f-into', number);
    await press(agent, '#merge-form button[type="submit"]', 200);
    assert.match(new URL(agent.url()).pathname, new RegExp(`/desk/tickets/${number}$`));
    assert.equal(sql(`select metadata->>'merged_into' from tickets where number = ${quote(duplicate)}`), number);

    // The customer, in a browser of their own.
    const custCtx = await browser.newContext({ viewport: WIDE });
    const cust = await custCtx.newPage();
    const custProblems = watch(cust);
    await signIn(cust, custEmail, PASSWORD);
    await goto(cust, `/my/tickets/${number}`);
    const seen = await bodyText(cust);
    assert.ok(seen.includes(`Public answer ${RUN_ID}`), 'the customer sees the reply');
    assert.ok(seen.includes(expanded), 'and the canned one');
    assert.ok(!seen.includes(`Secret note ${RUN_ID}`), 'the customer never sees the note');
    await goto(cust, `/desk/tickets/${number}`, 404);
    await goto(cust, `/my/tickets/${number}`);
    await cust.fill('#f-body', `Customer follow-up ${RUN_ID}`);
    await press(cust, '#reply-form button.primary', 200);

    // The agent sees it on reload.
    await agent.reload({ waitUntil: 'load' });
    assert.ok((await bodyText(agent)).includes(`Customer follow-up ${RUN_ID}`), 'the agent sees the customer reply');

    assert.deepEqual(agentProblems, []);
    assert.deepEqual(custProblems, []);
    await agentCtx.close();
    await custCtx.close();
  });
});
