// portal.test.mjs: the customer portal in a real browser.
//
// A customer is made the way a person becomes one: the public form, the
// emailed link, the confirm button (flow.test.mjs tests that part in
// depth). Then: the list with its tabs, a search, the ticket, a reply with
// a file (mouse, then keyboard only), a form error, close, reopen, the
// rating link of an email and the rating; and /track in a browser without
// JavaScript, whose emailed link signs in and leads to the ticket, where a
// reply works without scripts too. Staff replies and resolving are done as
// the owner with psql ($DATABASE_URL): the support desk does not exist yet.
//
// axe-core (WCAG 2.1 A and AA) on every page, at 1280 px and at 360 px,
// with no horizontal scroll at 360 px; screenshots of both widths go to
// $BROWSER_ARTIFACTS as portal-NN-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  ARTIFACTS, BASE_URL, NARROW, RUN_ID, WIDE, goto, launch, mailsTo, newCustomer as becomeCustomer,
  press, screenshots, sql, waitForMails, watch,
} from './lib.mjs';

const FIX_DIR = path.join(ARTIFACTS, 'fixtures');
fs.mkdirSync(FIX_DIR, { recursive: true });
const REPLY_FILE = { name: `portal-notes-${RUN_ID}.txt`, mimeType: 'text/plain',
  buffer: Buffer.from(`Portal reply notes ${RUN_ID}\nsecond line\n`, 'utf8') };

// ------------------------------------------------------------ helpers

let browser;
const { shot, bothWidths } = screenshots('portal');
const submitVia = (page, selector, status = 200) => press(page, selector, status);

// The guest-access emails to addr (not the other notices a ticket causes).
const isTrackMail = (m) => m.text.includes('asked to see request');
const trackMailsTo = (addr) => mailsTo(addr).filter(isTrackMail);

const newCustomer = (page, email, title) => becomeCustomer(page, { email, title });

// ------------------------------------------------------------ the tests

const state = {}; // what the /track test needs from the first one

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
});

describe('customer portal', () => {
  test('list, search, open, reply with a file, close, reopen, rate', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    const email = `portal-${RUN_ID}@example.com`;
    const title = `Blank pages ${RUN_ID}`;
    const number = await newCustomer(page, email, title);
    state.email = email;
    state.number = number;
    // A second request, older and resolved, and a staff reply on the first.
    sql(`INSERT INTO tickets (requester_id, title, description, created_at, last_activity_at, status)
         SELECT requester_id, 'Old invoice question ${RUN_ID}', 'About last year''s invoice.',
                now() - interval '3 days', now() - interval '3 days', 'new' FROM tickets WHERE number = '${number}'`);
    sql(`UPDATE tickets SET status = 'resolved' WHERE title = 'Old invoice question ${RUN_ID}'`);
    const staff = sql(`INSERT INTO users (email, name, platform_role, email_verified_at)
         VALUES ('browser-staff-${RUN_ID}@staff.example', 'Sam Helper', 'agent', now()) RETURNING id`);
    sql(`INSERT INTO ticket_messages (ticket_id, author_id, body)
         SELECT id, '${staff}', E'Thanks! Could you send the printer''s status page?\\nIt is under Settings.'
         FROM tickets WHERE number = '${number}'`);
    sql(`UPDATE tickets SET status = 'waiting_customer' WHERE number = '${number}'`);

    // The list: tabs with counts, the waiting request, a clear "New request".
    await goto(page, '/my/tickets');
    assert.equal((await page.textContent('h1')).trim(), 'My requests');
    assert.match(await page.textContent('.tabs a[aria-current="page"]'), /Open\s*\(1\)/);
    assert.match(await page.textContent('.tabs'), /Waiting for you\s*\(1\)/);
    assert.match(await page.textContent('.tabs'), /Resolved\s*\(1\)/);
    assert.match(await page.textContent('.tabs'), /All\s*\(2\)/);
    assert.equal(await page.locator('.ticket-list li').count(), 1);
    assert.match(await page.textContent('.ticket-list'), /Waiting for your reply/);
    assert.equal(await page.isVisible('a.button[href="/submit"]'), true, 'a "New request" button');
    await bothWidths(page, 'list');
    await page.click('.tabs a:has-text("All")');
    await page.waitForLoadState('load');
    assert.equal(await page.locator('.ticket-list li').count(), 2, 'all: both requests');

    // Search: a word of the staff reply, as a prefix, over every tab.
    await page.fill('#f-q', 'settin');
    await submitVia(page, '.search button[type="submit"]');
    assert.match(await page.textContent('.search-result'), /1 request matches/);
    assert.equal(await page.locator('.ticket-list li').count(), 1);
    await bothWidths(page, 'search');
    await page.fill('#f-q', 'nothing-like-this');
    await submitVia(page, '.search button[type="submit"]');
    assert.equal(await page.locator('.ticket-list').count(), 0);
    assert.match(await page.textContent('.empty'), /No request matches/);

    // Open the request from the list.
    await goto(page, '/my/tickets');
    await submitVia(page, `.ticket-list a[href="/my/tickets/${number}"]`);
    assert.equal((await page.textContent('h1')).trim(), title);
    assert.match(await page.textContent('.conversation'), /Sam Helper/);
    assert.doesNotMatch(await page.content(), /browser-staff-/, 'never a staff address');
    await bothWidths(page, 'ticket-waiting');

    // An empty reply: the error summary and the message by the field.
    await page.fill('#f-body', '   ');
    await submitVia(page, '#reply-form button[type="submit"]', 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.match(await page.textContent('#f-body-error'), /write your reply/);
    assert.equal(await page.getAttribute('#f-body', 'aria-invalid'), 'true');
    await bothWidths(page, 'reply-error');

    // A reply with a file: back on the ticket at the message, now open.
    await page.fill('#f-body', `The status page is attached. ${RUN_ID}`);
    await page.setInputFiles('#f-attachments', [REPLY_FILE]);
    await submitVia(page, '#reply-form button[type="submit"]');
    assert.match(page.url(), /#m-[0-9a-f-]{36}$/);
    assert.match(await page.textContent('.notice-ok'), /Your reply was sent/);
    assert.match(await page.textContent('.ticket-meta'), /Open/);
    const link = page.locator('.conversation ul.attachments a', { hasText: REPLY_FILE.name });
    assert.equal(await link.count(), 1, 'the file is on the reply');
    const r = await ctx.request.get(`${BASE_URL}${await link.getAttribute('href')}`);
    assert.equal(r.status(), 200);
    assert.ok((await r.body()).equals(REPLY_FILE.buffer), 'the file has the uploaded bytes');
    await bothWidths(page, 'ticket-replied');

    // Keyboard only: from the skip link to the reply box, type, send.
    await goto(page, `/my/tickets/${number}`);
    await page.keyboard.press('Tab');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-body');
      if (!reached) await page.keyboard.press('Tab');
    }
    assert.ok(reached, 'Tab reaches the reply box');
    await page.keyboard.type(`Typed with the keyboard. ${RUN_ID}`);
    await page.keyboard.press('Tab'); // the file input
    await page.keyboard.press('Tab'); // Send reply
    assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Send reply');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match(await page.textContent('.conversation'), /Typed with the keyboard/);

    // Close, then reopen.
    await submitVia(page, 'form[action$="/close"] button[type="submit"]');
    assert.match(await page.textContent('.notice-ok'), /Your request is closed/);
    assert.match(await page.textContent('.ticket-meta'), /Closed/);
    assert.equal(await page.locator('#reply-form').count(), 0, 'a closed request takes no reply');
    await bothWidths(page, 'ticket-closed');
    await submitVia(page, 'form[action$="/reopen"] button[type="submit"]');
    assert.match(await page.textContent('.notice-ok'), /open again/);
    assert.match(await page.textContent('.ticket-meta'), /Open/);

    // Resolved by staff; the rating link of the email shows the choice,
    // records nothing; the form records it once.
    sql(`UPDATE tickets SET status = 'resolved' WHERE number = '${number}'`);
    await goto(page, `/my/tickets/${number}/rating?rating=4`);
    assert.equal(await page.isChecked('#rating-4'), true, 'the email\'s choice is made');
    assert.equal(sql(`SELECT coalesce(satisfaction_rating::text, 'none') FROM tickets WHERE number = '${number}'`), 'none',
      'a GET records nothing');
    await bothWidths(page, 'rating-link');
    await page.check('#rating-5');
    await page.fill('#f-comment', 'Quick and friendly.');
    await submitVia(page, '#rating-form button[type="submit"]');
    assert.match(page.url(), /#rating$/);
    assert.match(await page.textContent('#rating'), /5 out of 5/);
    assert.match(await page.textContent('#rating'), /Quick and friendly/);
    assert.equal(await page.locator('#rating-form').count(), 0, 'rated once');
    await bothWidths(page, 'ticket-rated');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  test('/track without JavaScript: the same answer, one email, the link leads to the request', async () => {
    assert.ok(state.number, 'the first test made a customer');
    assert.equal(trackMailsTo(state.email).length, 0);
    const otherNumber = state.number.replace(/\d{5}$/, (d) => (d === '99999' ? '99998' : '99999'));

    // Scripts off: a mismatch and a match get the same page.
    const ctx = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, '/track');
    await page.fill('#f-email', state.email);
    await page.fill('#f-number', otherNumber);
    await submitVia(page, '#track-form button[type="submit"]');
    const mismatch = await page.textContent('main');
    await goto(page, '/track');
    await page.fill('#f-email', state.email.toUpperCase());
    await page.fill('#f-number', state.number.toLowerCase());
    await submitVia(page, '#track-form button[type="submit"]');
    assert.equal(await page.textContent('main'), mismatch, 'match and mismatch answer alike');
    assert.equal((await page.textContent('h1')).trim(), 'Check your email');

    // The same pages with scripts on, for axe (which needs them) and the
    // screenshots: the form, a form error, "sent" (for an address that
    // matches nothing, so no second email).
    const actx = await browser.newContext({ viewport: WIDE });
    const apage = await actx.newPage();
    const aproblems = watch(apage);
    await goto(apage, '/track');
    await bothWidths(apage, 'track');
    await apage.fill('#f-email', state.email);
    await apage.fill('#f-number', '42');
    await submitVia(apage, '#track-form button[type="submit"]', 422);
    assert.match(await apage.textContent('#f-number-error'), /request number/);
    assert.equal(await apage.getAttribute('#f-number', 'aria-invalid'), 'true');
    assert.equal(await apage.inputValue('#f-email'), state.email, 'the input is kept');
    await bothWidths(apage, 'track-error');
    await apage.fill('#f-email', `nobody-${RUN_ID}@example.com`);
    await apage.fill('#f-number', state.number);
    await submitVia(apage, '#track-form button[type="submit"]');
    assert.equal(await apage.textContent('main'), mismatch, 'an unknown address: the same answer');
    await bothWidths(apage, 'track-sent');
    assert.deepEqual(aproblems, [], 'no script errors or CSP violations');
    await actx.close();

    // Exactly one such email, to the requester, with a sign-in link (the
    // ticket's other notices are not counted).
    const mails = await waitForMails(state.email, 1, { which: isTrackMail });
    await page.waitForTimeout(1500); // a second one would have been written by now
    assert.equal(trackMailsTo(state.email).length, 1, 'one email, for the match only');
    assert.equal(mailsTo(`nobody-${RUN_ID}@example.com`).length, 0);
    const text = mails[0].text;
    assert.match(text, new RegExp(state.number));
    const m = /(https?:\/\/\S+\/login\/link\/[A-Za-z0-9_-]+)/.exec(text);
    assert.ok(m, `a sign-in link in:\n${text}`);

    // The link signs the browser in and leads to the request; scripts off,
    // the portal works: reopen (it was resolved) and reply.
    await goto(page, m[1]);
    await submitVia(page, 'form[action^="/login/link/"] button[type="submit"]');
    assert.equal(new URL(page.url()).pathname, `/my/tickets/${state.number}`);
    await submitVia(page, 'form[action$="/reopen"] button[type="submit"]');
    await page.fill('#f-body', `Sent without JavaScript. ${RUN_ID}`);
    await submitVia(page, '#reply-form button[type="submit"]');
    assert.match(await page.textContent('.conversation'), /Sent without JavaScript/);
    await shot(page, 'ticket-nojs-1280');
    await page.setViewportSize(NARROW);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= NARROW.width, 'no horizontal scroll at 360 px');
    await shot(page, 'ticket-nojs-360');
    assert.deepEqual(problems, [], 'no errors');
    await ctx.close();
  });
});
