// flow.test.mjs: the public submission flow in a real browser.
//
// Debian's chromium ($CHROMIUM) driven by playwright-core (no browser is
// ever downloaded), axe-core for accessibility. Runs against a stack that
// already serves $BASE_URL, with the file mailer writing .eml files to
// $MAIL_DIR. Screenshots (full page) of each step go to $BROWSER_ARTIFACTS.
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer):
//   node --test --test-concurrency=1 flow.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import {
  ARTIFACTS, BASE_URL, RUN_ID, axeCheck, launch, screenshots, sql, waitForMails, watch as watchPage,
} from './lib.mjs';

// ------------------------------------------------------------ fixtures

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// A valid 8x8 RGB PNG, a gradient.
function makePng() {
  const w = 8, h = 8;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + w * 3)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (1 + w * 3) + 1 + x * 3;
      raw[o] = x * 32; raw[o + 1] = y * 32; raw[o + 2] = 128;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

// A minimal one-page PDF with a correct xref table.
function makePdf() {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>',
  ];
  const stream = 'BT /F1 12 Tf 20 100 Td (Supportdesk browser test) Tj ET';
  objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const FIX_DIR = path.join(ARTIFACTS, 'fixtures');
fs.mkdirSync(FIX_DIR, { recursive: true });
const FIXTURES = {
  png: { name: `screen-${RUN_ID}.png`, mimeType: 'image/png', buffer: makePng() },
  pdf: { name: `invoice-${RUN_ID}.pdf`, mimeType: 'application/pdf', buffer: makePdf() },
  txt: { name: `notes-${RUN_ID}.txt`, mimeType: 'text/plain',
    buffer: Buffer.from(`Browser test notes ${RUN_ID}\nline two: äöü €\n`, 'utf8') },
};
for (const f of Object.values(FIXTURES)) fs.writeFileSync(path.join(FIX_DIR, f.name), f.buffer);

// ------------------------------------------------------------ helpers

let browser;
const { shot } = screenshots('flow');
// Scripts on this page must not abort their own fetches: a request that
// never got an answer counts as a problem.
const watch = (page) => watchPage(page, { requestFailed: true });
// The newest email to addr.
const waitForMail = async (addr) => (await waitForMails(addr))[0];

async function typeIds(page) {
  return page.$$eval('#request_type option', (os) => os.filter((o) => o.value).map((o) => ({ id: o.value, name: o.textContent.trim() })));
}

async function typeId(page, name) {
  const t = (await typeIds(page)).find((x) => x.name === name);
  assert.ok(t, `request type "${name}" offered on /submit`);
  return t.id;
}

// Waits until the captcha of the page says "Verified" and the submit button
// is enabled; returns the milliseconds since navigation start (poll granularity: one frame).
async function captchaVerified(page, timeout = 60000) {
  await page.waitForFunction(() => {
    const s = document.querySelector('#submit-form .captcha-status');
    const b = document.querySelector('#submit-form button[type="submit"]');
    return s && s.textContent.trim() === 'Verified' && b && !b.disabled;
  }, null, { timeout, polling: 'raf' });
  // From the moment captcha.js starts (the deferred script runs at
  // domInteractive) to "Verified": fetching nothing (the challenge is
  // embedded), spawning the worker and solving.
  const ms = await page.evaluate(() => performance.now() - performance.getEntriesByType('navigation')[0].domInteractive);
  const payload = await page.inputValue('#submit-form input[name="altcha"]');
  assert.ok(payload.length > 40, 'the altcha payload is written');
  const p = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  assert.equal(p.algorithm, 'SHA-256');
  assert.ok(Number.isInteger(p.number));
  assert.equal(crypto.createHash('sha256').update(p.salt + p.number).digest('hex'), p.challenge,
    'the browser solved the challenge');
  return ms;
}

function verifyLink(mail) {
  const plain = mail.parts.find((p) => p.type === 'text/plain');
  assert.ok(plain, 'the verification email has a text/plain part');
  const m = /(https?:\/\/\S+\/verify\/[A-Za-z0-9_-]+)/.exec(plain.body);
  assert.ok(m, `a /verify/ link in the text part:\n${plain.body}`);
  return m[1];
}

async function submitPage(page) {
  const resp = await page.goto(`${BASE_URL}/submit`, { waitUntil: 'load' });
  assert.equal(resp.status(), 200);
  return resp;
}

// Polls GET /submit until the event dropdown of `typeName` offers an event
// (workers cache the form for SUPPORTDESK_FORM_CACHE_SECONDS, 5 s).
async function waitForEventOption(request, typeName) {
  const deadline = Date.now() + 20000;
  const page1 = await (await request.get(`${BASE_URL}/submit`)).text();
  const m = new RegExp(`<option value="([0-9a-f-]{36})"[^>]*>${typeName}</option>`).exec(page1);
  assert.ok(m, `type "${typeName}" offered`);
  while (Date.now() < deadline) {
    const body = await (await request.get(`${BASE_URL}/submit?request_type=${m[1]}`)).text();
    const sel = /<select[^>]*name="cf_event_ref"[\s\S]*?<\/select>/.exec(body);
    if (sel && /<option value="[0-9a-f-]{36}"/.test(sel[0])) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`no upcoming event offered for "${typeName}": run.sh inserts one (psql $DATABASE_URL)`);
}

// After choosing a type with scripts on, its fields arrive from
// /submit/fields: wait for that type's legend.
async function typeFieldsShown(page, typeName) {
  await page.waitForSelector(`#type-details fieldset.type-fields legend:has-text("Details for “${typeName}”")`,
    { state: 'visible', timeout: 5000 });
}

async function fillCommon(page, { email, name, title, description }) {
  await page.fill('#f-email', email);
  await page.fill('#f-name', name);
  await page.fill('#f-title', title);
  await page.fill('#f-description', description);
}

// Submits the visible form, reads the email, confirms; returns the ticket page's URL and number.
async function submitVerifyConfirm(page, email, label, { scripts = true, shownAt = 0 } = {}) {
  // The minimum fill time (SUPPORTDESK_SUBMIT_MIN_SECONDS, 3 s) only adds to
  // the spam score; a person takes longer, so does this test. Without
  // scripts the page cannot be asked, so the caller says when it was shown.
  if (scripts) {
    await captchaVerified(page);
    await page.waitForTimeout(Math.max(0, 3300 - (await page.evaluate(() => performance.now()))));
  } else {
    await page.waitForTimeout(Math.max(0, 3300 - (Date.now() - shownAt)));
  }
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('#submit-form button[type="submit"]'),
  ]);
  assert.equal(resp.status(), 200, `POST /submit (${label}) answered ${resp.status()}: ${await page.title()}`);
  assert.equal(await page.textContent('h1'), 'Check your email');
  assert.ok((await page.textContent('main, body')).includes(email), 'the page names the address');
  await shot(page, `${label}-check-email`);
  const mail = await waitForMail(email);
  const link = verifyLink(mail);
  assert.ok(link.startsWith(BASE_URL), `the link points at BASE_URL: ${link}`);
  const g = await page.goto(link, { waitUntil: 'load' });
  assert.equal(g.status(), 200);
  assert.equal((await page.textContent('h1')).trim(), 'Confirm your request');
  await shot(page, `${label}-verify`);
  await Promise.all([
    page.waitForURL(/\/my\/tickets\/[A-Z0-9-]+$/, { waitUntil: 'load' }),
    page.click('form[action^="/verify/"] button[type="submit"]'),
  ]);
  const url = page.url();
  const number = url.split('/').pop();
  await shot(page, `${label}-ticket`);
  return { url, number, mail };
}

// ------------------------------------------------------------ the tests

before(async () => {
  browser = await launch();
  console.log(`browser: ${browser.version()}, base ${BASE_URL}, artifacts ${ARTIFACTS}, run ${RUN_ID}`);
});

after(async () => {
  if (browser) await browser.close();
});

describe('submit with JavaScript', () => {
  test('step 1: accessible, keyboard reaches the type select', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const problems = watch(page);
    await submitPage(page);
    assert.equal(await page.isVisible('#submit-form'), false, 'the POST form waits for a type');
    assert.equal(await page.isVisible('#type-picker button[type="submit"]'), false,
      'Continue is hidden when scripts run (choosing shows the fields at once)');
    await shot(page, 'submit-step1');
    await axeCheck(page, '/submit step 1');
    // Keyboard: Tab from the top reaches the type select.
    await page.keyboard.press('Tab');
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'request_type');
      if (!reached) await page.keyboard.press('Tab');
    }
    assert.ok(reached, 'Tab reaches #request_type');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  test('choosing a type shows its fields at once; keyboard order; validation errors', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const problems = watch(page);
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    await submitPage(page);
    const navBefore = navigations;
    await page.evaluate(() => { window.__sameDocument = true; });
    const tech = await typeId(page, 'Technical issue');

    // Choose with the keyboard: focus the select, arrow through the options
    // until "Technical issue" (a change event per step, like a person).
    // As many steps as the list has options: other suites add types of
    // their own organizations to the public form before this one runs.
    await page.focus('#request_type');
    const steps = await page.locator('#request_type option').count();
    for (let i = 0; i < steps && (await page.inputValue('#request_type')) !== tech; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#request_type'), tech, 'the keyboard chose the type');
    await page.waitForSelector('#submit-form', { state: 'visible', timeout: 10000 });
    await typeFieldsShown(page, 'Technical issue');
    assert.equal(navigations, navBefore, 'no page load when a type is chosen');
    assert.equal(await page.evaluate(() => window.__sameDocument === true), true, 'same document');
    assert.equal(await page.inputValue('#request_type_value'), tech);
    const fs_ = page.locator(`#type-details fieldset.type-fields`);
    assert.equal(await fs_.isVisible(), true, 'the type\'s fieldset is shown');
    assert.equal(await fs_.isDisabled(), false);
    assert.equal(await page.$$eval('fieldset.type-fields', (l) => l.filter((f) => !f.hidden).length), 1,
      'only one type\'s fieldset is shown');
    const captchaMs = await captchaVerified(page);
    console.log(`captcha: solved in the browser in ${captchaMs.toFixed(0)} ms (from captcha.js start to "Verified")`);
    await shot(page, 'submit-type-chosen');
    await axeCheck(page, '/submit with a type chosen');

    // Keyboard-only: Tab from the select walks the fields to the submit
    // button; the honeypot is never focused.
    await page.focus('#request_type');
    const order = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const el = await page.evaluate(() => {
        const a = document.activeElement;
        return a ? { id: a.id, name: a.getAttribute('name'), tag: a.tagName.toLowerCase(), type: a.getAttribute('type') } : null;
      });
      if (!el || el.tag === 'body') break;
      order.push(el);
      assert.notEqual(el.name, 'website', 'the honeypot must never be focused');
      if (el.tag === 'button' && el.type === 'submit' && el.name === null && order.length > 3) {
        if (await page.evaluate(() => document.activeElement.closest('#submit-form') !== null)) break;
      }
    }
    const names = order.map((e) => e.name || e.id);
    console.log(`keyboard order: ${names.join(' > ')}`);
    for (const want of ['email', 'name', 'title', 'description', 'cf_steps_to_reproduce', 'cf_occurred_on',
      'cf_product_area', 'cf_screenshot', 'cf_contact_consent', 'attachments']) {
      assert.ok(names.includes(want), `Tab reaches ${want} (order: ${names.join(', ')})`);
    }
    assert.ok(names.indexOf('email') < names.indexOf('title') && names.indexOf('title') < names.indexOf('description')
      && names.indexOf('description') < names.indexOf('attachments'), 'a sensible tab order');
    const last = order[order.length - 1];
    assert.ok(last && last.tag === 'button', `Tab reaches the submit button (last: ${JSON.stringify(last)})`);

    // Validation: everything but the title; the server re-renders with errors.
    await fillCommon(page, { email: `val-${RUN_ID}@example.com`, name: 'Val', title: '', description: 'A description that is long enough.' });
    await page.selectOption(`#type-details fieldset.type-fields [name="cf_product_area"]`, 'email');
    const [resp] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('#submit-form button[type="submit"]'),
    ]);
    assert.equal(resp.status(), 422, 'a form with errors answers 422');
    assert.equal(await page.isVisible('#error-summary'), true, 'the error summary shows');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'error-summary',
      'the error summary takes the focus');
    assert.match(await page.textContent('#f-title-error'), /title/i);
    assert.equal(await page.getAttribute('#f-title', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-email'), `val-${RUN_ID}@example.com`, 'the input is kept');
    assert.equal(await page.inputValue('#f-description'), 'A description that is long enough.');
    assert.equal(await page.inputValue(`#type-details fieldset.type-fields [name="cf_product_area"]`), 'email');
    assert.equal(await page.isVisible('#submit-form'), true);
    await captchaVerified(page);
    await shot(page, 'submit-validation-errors');
    await axeCheck(page, '/submit with validation errors');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  test('Technical issue: every field, files, captcha, email, confirm, ticket, download', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await ctx.newPage();
    const problems = watch(page);
    const email = `tech-${RUN_ID}@example.com`;
    const title = `Printer <b>on fire</b> ${RUN_ID}`;
    const t0 = Date.now();
    await submitPage(page);
    const tech = await typeId(page, 'Technical issue');
    await page.selectOption('#request_type', tech);
    await page.waitForSelector('#submit-form', { state: 'visible' });
    await typeFieldsShown(page, 'Technical issue');
    await fillCommon(page, { email, name: 'Ada <script>x</script>', title,
      description: `It is on fire since this morning.\nSecond line <i>${RUN_ID}</i>.` });
    const fsel = `#type-details fieldset.type-fields`;
    await page.fill(`${fsel} [name="cf_steps_to_reproduce"]`, '1. Open the tray\n2. Press print');
    await page.fill(`${fsel} [name="cf_occurred_on"]`, '2024-05-17');
    await page.selectOption(`${fsel} [name="cf_product_area"]`, 'mobile');
    await page.check(`${fsel} [name="cf_contact_consent"]`);
    await page.setInputFiles(`${fsel} [name="cf_screenshot"]`, [FIXTURES.png]);
    await page.setInputFiles('#f-attachments', [FIXTURES.pdf, FIXTURES.txt]);
    assert.equal(await page.inputValue('#f-website'), '', 'the honeypot stays empty');
    await shot(page, 'tech-filled');
    const solved = await captchaVerified(page);
    console.log(`captcha: Technical issue form: solved in ${solved.toFixed(0)} ms (from captcha.js start to "Verified")`);
    const { number, mail } = await submitVerifyConfirm(page, email, 'tech');
    console.log(`ticket ${number} created in ${Date.now() - t0} ms (form to ticket page)`);

    // The verification email: both parts escape what the visitor typed.
    const html = mail.parts.find((p) => p.type === 'text/html');
    assert.ok(html, 'an HTML part');
    assert.ok(!html.body.includes('<script>x</script>') && !html.body.includes('<b>on fire</b>'),
      'the HTML part escapes name and title');

    // The ticket page.
    assert.equal((await page.textContent('h1')).trim(), title, 'the title, as text');
    assert.equal(await page.locator('h1 b').count(), 0, 'no markup from the title');
    assert.equal((await page.textContent('.ticket-number')).trim(), number);
    const links = await page.$$eval('ul.attachments a', (as) => as.map((a) => ({ href: a.getAttribute('href'), name: a.textContent.trim() })));
    const byName = Object.fromEntries(links.map((l) => [l.name, l.href]));
    for (const f of [FIXTURES.pdf, FIXTURES.txt, FIXTURES.png]) {
      assert.ok(byName[f.name], `the ticket lists ${f.name} (listed: ${links.map((l) => l.name).join(', ')})`);
    }
    await axeCheck(page, `the ticket page ${number}`);

    // Download through the browser (the link has `download`), compare bytes.
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`ul.attachments a[href="${byName[FIXTURES.pdf.name]}"]`),
    ]);
    assert.equal(dl.suggestedFilename(), FIXTURES.pdf.name);
    const saved = path.join(ARTIFACTS, `downloaded-${FIXTURES.pdf.name}`);
    await dl.saveAs(saved);
    assert.ok(fs.readFileSync(saved).equals(FIXTURES.pdf.buffer), 'the downloaded PDF has the uploaded bytes');
    // The others with the browser's cookies.
    for (const f of [FIXTURES.txt, FIXTURES.png]) {
      const r = await ctx.request.get(`${BASE_URL}${byName[f.name]}`);
      assert.equal(r.status(), 200);
      assert.ok((await r.body()).equals(f.buffer), `${f.name}: same bytes`);
      assert.equal(r.headers()['x-content-type-options'], 'nosniff');
    }
    // Signed out, the attachment is not there (404, not 403).
    const anon = await browser.newContext();
    const r404 = await anon.request.get(`${BASE_URL}${byName[FIXTURES.txt.name]}`);
    assert.equal(r404.status(), 404, 'another browser cannot fetch the attachment');
    const t404 = await anon.request.get(`${BASE_URL}/my/tickets/${number}`, { maxRedirects: 0 });
    assert.ok([404, 303, 302].includes(t404.status()), `anonymous GET of the ticket: ${t404.status()}`);
    await anon.close();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  test('Billing question (text field) and Event inquiry (event dropdown)', async () => {
    const probe = await browser.newContext();
    await waitForEventOption(probe.request, 'Event inquiry');
    await probe.close();
    for (const kind of ['billing', 'event']) {
      // A fresh browser each time: confirming signs the first one in, and a
      // signed-in customer's form has no email field.
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      const problems = watch(page);
      const email = `${kind}-${RUN_ID}@example.com`;
      const title = `${kind === 'billing' ? 'Invoice question' : 'Event question'} ${RUN_ID}`;
      await submitPage(page);
      const id = await typeId(page, kind === 'billing' ? 'Billing question' : 'Event inquiry');
      await page.selectOption('#request_type', id);
      await page.waitForSelector('#submit-form', { state: 'visible' });
      await typeFieldsShown(page, kind === 'billing' ? 'Billing question' : 'Event inquiry');
      await fillCommon(page, { email, name: `Tester ${kind}`, title, description: 'Please see the details below, thanks.' });
      if (kind === 'billing') {
        await page.fill(`#type-details fieldset.type-fields [name="cf_order_reference"]`, 'INV-2024-0042');
      } else {
        const sel = page.locator(`#type-details fieldset.type-fields select[name="cf_event_ref"]`);
        const values = await sel.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
        assert.ok(values.length > 0, 'the event dropdown offers an upcoming event');
        await sel.selectOption(values[0]);
      }
      await page.check(`#type-details fieldset.type-fields [name="cf_contact_consent"]`);
      await page.setInputFiles('#f-attachments', [FIXTURES.txt]);
      await shot(page, `${kind}-filled`);
      const { number } = await submitVerifyConfirm(page, email, kind);
      assert.equal((await page.textContent('h1')).trim(), title);
      assert.ok(await page.locator('ul.attachments a', { hasText: FIXTURES.txt.name }).count() === 1);
      console.log(`${kind}: ticket ${number}`);
      assert.deepEqual(problems, [], 'no script errors or CSP violations');
      await ctx.close();
    }
  });

  test('360 px wide: no horizontal scroll', async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    await submitPage(page);
    await page.selectOption('#request_type', await typeId(page, 'Technical issue'));
    await page.waitForSelector('#submit-form', { state: 'visible' });
    await typeFieldsShown(page, 'Technical issue');
    await captchaVerified(page);
    const w = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
    await shot(page, 'submit-360px');
    assert.ok(w.sw <= 360, `no horizontal scroll at 360 px: scrollWidth ${w.sw}`);
    await ctx.close();
  });
});

describe('submit without JavaScript', () => {
  test('two steps: choose a type, Continue, the fields appear', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await submitPage(page);
    assert.equal(await page.isVisible('#submit-form'), false, 'step 1 shows only the type picker');
    assert.equal(await page.isVisible('#type-picker button[type="submit"]'), true, 'Continue is shown without scripts');
    assert.match(await page.textContent('#type-picker'), /Choose a type, then continue/);
    await shot(page, 'nojs-step1');
    const tech = await typeId(page, 'Technical issue');
    await page.selectOption('#request_type', tech);
    const [resp] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('#type-picker button[type="submit"]'),
    ]);
    assert.equal(resp.status(), 200);
    const step2At = Date.now();
    const u = new URL(page.url());
    assert.equal(u.pathname, '/submit');
    assert.equal(u.searchParams.get('request_type'), tech, 'GET /submit?request_type=<id>');
    assert.equal(await page.isVisible('#submit-form'), true, 'step 2 shows the form');
    assert.equal(await page.inputValue('#request_type_value'), tech);
    assert.equal(await page.inputValue('#request_type'), tech, 'the picker keeps the choice');
    const fsel = `#type-details fieldset.type-fields`;
    assert.equal(await page.isVisible(fsel), true, 'the type\'s fields appear');
    assert.equal(await page.isDisabled(`${fsel} [name="cf_product_area"]`), false);
    for (const n of ['cf_steps_to_reproduce', 'cf_occurred_on', 'cf_product_area', 'cf_screenshot', 'cf_contact_consent']) {
      assert.equal(await page.isVisible(`${fsel} [name="${n}"]`), true, `${n} is shown`);
    }
    assert.equal(await page.locator('fieldset.type-fields:visible').count(), 1, 'only that type\'s fields');
    assert.match(await page.textContent('.captcha-status'), /scripts are enabled/, 'the page says the check needs scripts');
    assert.match(await page.textContent('.captcha'), /Scripts are off, and that is fine/, 'and that the form works without them');
    await shot(page, 'nojs-step2');

    // Sent as it is: no captcha solution, accepted all the same, and the
    // emailed link still gates it.
    const email = `nojs-${RUN_ID}@example.com`;
    const title = `Sent without scripts ${RUN_ID}`;
    await fillCommon(page, { email, name: 'No Script', title, description: 'My browser runs no JavaScript at all.' });
    await page.fill(`${fsel} [name="cf_steps_to_reproduce"]`, 'Open the page with scripts off');
    await page.selectOption(`${fsel} [name="cf_product_area"]`, 'mobile');
    const { number } = await submitVerifyConfirm(page, email, 'nojs', { scripts: false, shownAt: step2At });
    assert.equal((await page.textContent('h1')).trim(), title, 'the ticket page, without scripts');
    const out = sql(`select captcha_verified, spam_score >= 0.30 from tickets where number = '${number}'`);
    assert.equal(out, 'f|t', `the ticket is stored unverified with a higher spam score (${out})`);
    await ctx.close();
  });
});
