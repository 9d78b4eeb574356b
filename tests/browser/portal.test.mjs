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
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require('axe-core').source;

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const MAIL_DIR = process.env.MAIL_DIR;
const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || 'build/browser-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUN_ID = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };

fs.mkdirSync(ARTIFACTS, { recursive: true });
const FIX_DIR = path.join(ARTIFACTS, 'fixtures');
fs.mkdirSync(FIX_DIR, { recursive: true });
const REPLY_FILE = { name: `portal-notes-${RUN_ID}.txt`, mimeType: 'text/plain',
  buffer: Buffer.from(`Portal reply notes ${RUN_ID}\nsecond line\n`, 'utf8') };

// ------------------------------------------------------------ helpers

let browser;
let shotNo = 0;

function sql(query) {
  assert.ok(process.env.DATABASE_URL, 'DATABASE_URL (the owner) is set');
  return execFileSync('psql', [process.env.DATABASE_URL, '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', query],
    { encoding: 'utf8' }).trim();
}

async function shot(page, name) {
  shotNo++;
  const file = path.join(ARTIFACTS, `portal-${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
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
}

// The page as it is, at 1280 px and at 360 px: axe at both widths, a
// screenshot of each, and no horizontal scroll when narrow.
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

function qpDecode(s) {
  const bytes = [];
  const soft = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.substr(i + 1, 2))) {
      bytes.push(parseInt(soft.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// The text/plain part of a message, decoded.
function plainPart(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const bm = /boundary="?([^";\n]+)"?/i.exec(text.slice(0, text.indexOf('\n\n')));
  const chunks = bm ? text.split(`--${bm[1]}`).slice(1) : [text];
  for (const chunk of chunks) {
    const c = chunk.replace(/^\n/, '');
    const s = c.indexOf('\n\n');
    const h = c.slice(0, s);
    if (!bm || /content-type:\s*text\/plain/i.test(h)) {
      const b = c.slice(s + 2);
      if (/content-transfer-encoding:\s*quoted-printable/i.test(h)) return qpDecode(b);
      if (/content-transfer-encoding:\s*base64/i.test(h)) return Buffer.from(b.replace(/\s+/g, ''), 'base64').toString('utf8');
      return b;
    }
  }
  return '';
}

// Every .eml addressed To `addr`, newest first.
function mailsTo(addr) {
  if (!fs.existsSync(MAIL_DIR)) return [];
  const hits = [];
  for (const f of fs.readdirSync(MAIL_DIR).filter((x) => x.endsWith('.eml'))) {
    const p = path.join(MAIL_DIR, f);
    const raw = fs.readFileSync(p, 'utf8');
    const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
    const to = /^to:\s*(.*)$/im.exec(head);
    if (to && to[1].toLowerCase().includes(addr.toLowerCase())) hits.push({ mtime: fs.statSync(p).mtimeMs, raw });
  }
  return hits.sort((a, b) => b.mtime - a.mtime);
}

// The guest-access emails to addr (not the other notices a ticket causes).
function trackMailsTo(addr) {
  return mailsTo(addr).filter((m) => plainPart(m.raw).includes('asked to see request'));
}

async function waitForMails(addr, count, timeoutMs = 30000, which = mailsTo) {
  assert.ok(MAIL_DIR, 'MAIL_DIR is set');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = which(addr);
    if (m.length >= count) return m;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`fewer than ${count} emails to ${addr} in ${MAIL_DIR} within ${timeoutMs / 1000} s`);
}

async function goto(page, url, status = 200) {
  const resp = await page.goto(url.startsWith('http') ? url : `${BASE_URL}${url}`, { waitUntil: 'load' });
  assert.equal(resp.status(), status, `GET ${url}`);
  return resp;
}

// Clicks something that submits a form and waits for the page it leads to.
async function submitVia(page, selector, status = 200) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  assert.equal(resp.status(), status, `after ${selector}: ${page.url()}`);
  return resp;
}

// A customer as a person becomes one: the form, the email, the confirm button.
async function newCustomer(page, email, title) {
  await goto(page, '/submit');
  const id = await page.$$eval('#request_type option', (os) => {
    const o = os.find((x) => x.textContent.trim() === 'General question');
    return o && o.value;
  });
  assert.ok(id, 'General question is offered');
  await page.selectOption('#request_type', id);
  await page.waitForSelector('#submit-form', { state: 'visible' });
  await page.fill('#f-email', email);
  await page.fill('#f-name', 'Pat Portal');
  await page.fill('#f-title', title);
  await page.fill('#f-description', `Our printer prints blank pages since Monday. ${RUN_ID}`);
  await page.waitForFunction(() => {
    const s = document.querySelector('#submit-form .captcha-status');
    const b = document.querySelector('#submit-form button[type="submit"]');
    return s && s.textContent.trim() === 'Verified' && b && !b.disabled;
  }, null, { timeout: 60000 });
  // The minimum fill time only adds to the spam score; a person takes longer.
  await page.waitForTimeout(Math.max(0, 3300 - (await page.evaluate(() => performance.now()))));
  await submitVia(page, '#submit-form button[type="submit"]');
  assert.equal(await page.textContent('h1'), 'Check your email');
  const [mail] = await waitForMails(email, 1);
  const m = /(https?:\/\/\S+\/verify\/[A-Za-z0-9_-]+)/.exec(plainPart(mail.raw));
  assert.ok(m, 'a /verify/ link in the email');
  await goto(page, m[1]);
  await Promise.all([
    page.waitForURL(/\/my\/tickets\/[A-Z0-9-]+$/, { waitUntil: 'load' }),
    page.click('form[action^="/verify/"] button[type="submit"]'),
  ]);
  return page.url().split('/').pop();
}

// ------------------------------------------------------------ the tests

const state = {}; // what the /track test needs from the first one

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `chromium at ${CHROMIUM}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
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
    const mails = await waitForMails(state.email, 1, 30000, trackMailsTo);
    await page.waitForTimeout(1500); // a second one would have been written by now
    assert.equal(trackMailsTo(state.email).length, 1, 'one email, for the match only');
    assert.equal(mailsTo(`nobody-${RUN_ID}@example.com`).length, 0);
    const text = plainPart(mails[0].raw);
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
