// account.test.mjs: the account page, the sessions and the notifications
// in a real browser.
//
// Debian's chromium ($CHROMIUM) driven by playwright-core, axe-core on
// every page (any WCAG 2.1 A/AA violation fails). A customer is made the
// way a person becomes one: the form on /submit (captcha solved by the
// page's own script), the email in $MAIL_DIR, the confirm button. A second
// browser signs in with the confirmation email's sign-in link. Notifications
// are added as the system adds them, with notification_add() as the owner
// ($DATABASE_URL, psql). Screenshots at 1280 and 360 px go to
// $BROWSER_ARTIFACTS (account-*.png).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, NARROW, RUN_ID, WIDE, axeCheck, launch, linkInMail, newCustomer, noHorizontalScroll,
  quote, screenshots, sql, watch,
} from './lib.mjs';

const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

// ------------------------------------------------------------ helpers

let browser;
const { shot } = screenshots('account');

// A customer, signed in in ctx: a request through /submit, confirmed.
async function signedInCustomer(ctx, email) {
  const page = await ctx.newPage();
  await newCustomer(page, { email, name: 'Browser Account', title: `Account test ${RUN_ID}`,
    description: 'A request made to get an account in the browser test.' });
  return page;
}

async function badge(page) {
  const b = page.locator('header .nav-notifications .badge');
  return (await b.count()) ? (await b.textContent()).trim() : null;
}

// ------------------------------------------------------------ the tests

let email;
let userId;
let ctx;   // the customer's first browser, signed in by the tests below

before(async () => {
  browser = await launch();
  email = `account-${RUN_ID}@example.com`;
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signedInCustomer(ctx, email);
  await page.close();
  userId = sql(`SELECT id FROM users WHERE email = ${quote(email)}`);
  assert.match(userId, /^[0-9a-f-]{36}$/, 'the customer exists');
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('the account page', () => {
  test('signed out, /account leads to the sign-in', async () => {
    const anon = await browser.newContext();
    const r = await anon.request.get(`${BASE_URL}/account`, { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    assert.equal(r.headers().location, '/login?next=/account');
    const page = await anon.newPage();
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    assert.equal(await page.locator('header nav a[href="/login"]').count(), 1, 'anonymous: Sign in');
    assert.equal(await page.locator('header nav a[href="/notifications"]').count(), 0, 'anonymous: no notifications');
    await anon.close();
  });

  test('the header, the profile edited by keyboard, accessible', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    assert.equal((await page.textContent('h1')).trim(), 'Your account');
    const nav = await page.$$eval('header nav li', (lis) => lis.map((li) => li.textContent.replace(/\s+/g, ' ').trim()));
    for (const want of ['My tickets', 'Account', 'Sign out']) assert.ok(nav.some((t) => t.startsWith(want)), `the header offers ${want}: ${nav}`);
    assert.ok(nav.some((t) => t.startsWith('Notifications')), 'the header offers Notifications');
    assert.equal(await page.getAttribute('header nav a[href="/account"]', 'aria-current'), 'page');
    assert.ok((await page.textContent('main')).includes(email), 'the address is shown');
    await shot(page, 'page-1280');
    await axeCheck(page, '/account');

    // Keyboard only: Tab reaches the name, then on to Save.
    await page.keyboard.press('Tab');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-name');
      if (!reached) await page.keyboard.press('Tab');
    }
    assert.ok(reached, 'Tab reaches the name field');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Ada Browser');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-language');
    await page.selectOption('#f-language', 'nl');
    await page.check('#f-channel-phone');
    await page.uncheck('#f-notify-waiting');
    let onSave = false;
    for (let i = 0; i < 15 && !onSave; i++) {
      await page.keyboard.press('Tab');
      onSave = await page.evaluate(() => document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Save profile');
    }
    assert.ok(onSave, 'Tab reaches Save profile');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/account\?done=profile$/);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'Your profile is saved.');
    assert.equal(await page.inputValue('#f-name'), 'Ada Browser');
    assert.equal(await page.inputValue('#f-language'), 'nl');
    assert.equal(await page.isChecked('#f-channel-phone'), true);
    assert.equal(await page.isChecked('#f-notify-waiting'), false);
    assert.equal(await page.isChecked('#f-notify-reply'), true);
    assert.equal(sql(`SELECT name || '|' || preferred_language || '|' || (preferences->'notify'->>'waiting') FROM users WHERE id = ${quote(userId)}`),
      'Ada Browser|nl|false');
    await shot(page, 'saved');
    await axeCheck(page, '/account after saving');

    // A value the list does not offer: the page comes back with the error
    // beside the field, in the summary, and nothing is saved.
    await page.evaluate(() => {
      const o = document.createElement('option');
      o.value = 'xx'; o.textContent = 'Made up';
      document.querySelector('#f-language').append(o);
    });
    await page.selectOption('#f-language', 'xx');
    await page.fill('#f-name', 'Not Saved');
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#profile button[type="submit"]')]);
    assert.equal(resp.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.match(await page.textContent('#f-language-error'), /languages in the list/);
    assert.equal(await page.getAttribute('#f-language', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-name'), 'Not Saved', 'the input is kept');
    assert.equal(sql(`SELECT name FROM users WHERE id = ${quote(userId)}`), 'Ada Browser', 'nothing saved');
    await shot(page, 'error');
    await axeCheck(page, '/account with an error');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('without JavaScript the profile form works the same', async () => {
    const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
    const page = await nojs.newPage();
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    await page.fill('#f-name', 'Ada No Script');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#profile button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'Your profile is saved.');
    assert.equal(await page.inputValue('#f-name'), 'Ada No Script');
    await nojs.close();
  });

  test('sessions: another browser is listed with its device, and signed out from here', async () => {
    // The confirmation email's sign-in link, opened as Firefox elsewhere.
    const link = await linkInMail(email, /(https?:\/\/\S+\/login\/link\/[A-Za-z0-9_-]+)/);
    const other = await browser.newContext({ userAgent: FIREFOX_UA, viewport: { width: 1280, height: 900 } });
    const op = await other.newPage();
    await op.goto(link, { waitUntil: 'load' });
    await Promise.all([op.waitForNavigation({ waitUntil: 'load' }), op.click('form[action^="/login/link/"] button[type="submit"]')]);
    await op.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    assert.equal((await op.textContent('h1')).trim(), 'Your account', 'the second browser is signed in');

    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/account#sessions`, { waitUntil: 'load' });
    const rows = page.locator('#sessions .session');
    assert.equal(await rows.count(), 2, 'two sessions listed');
    const here = page.locator('#sessions .session-current');
    assert.match(await here.textContent(), /This device/);
    assert.match(await here.textContent(), /Chrome on Linux/, 'this browser is described from its User-Agent');
    assert.equal(await here.locator('form').count(), 0, 'this device has no sign-out of its own here');
    const ff = page.locator('#sessions .session', { hasText: 'Firefox on Linux' });
    assert.equal(await ff.count(), 1, 'the Firefox session is listed');
    assert.match(await ff.textContent(), /127\.0\.0\.1/, 'with its address');
    assert.match(await ff.locator('time').first().getAttribute('datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await shot(page, 'sessions');
    await axeCheck(page, '/account with two sessions');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), ff.locator('button').click()]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'That session is signed out.');
    assert.equal(await page.locator('#sessions .session').count(), 1);

    // The other browser is out: its next page asks it to sign in.
    const r = await other.request.get(`${BASE_URL}/account`, { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    assert.equal(r.headers().location, '/login?next=/account');
    await other.close();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('360 px: one column, no horizontal scroll', async () => {
    const small = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 2, storageState: await ctx.storageState() });
    const page = await small.newPage();
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    await noHorizontalScroll(page, '/account at 360 px');
    await shot(page, 'page-360');
    await axeCheck(page, '/account at 360 px');
    await small.close();
  });
});

describe('notifications', () => {
  test('the header counts them; the list marks chosen ones and all read', async () => {
    for (let i = 1; i <= 3; i++) {
      sql(`SELECT notification_add(${quote(userId)}, 'reply', ${quote(`Reply ${i} on your request`)}, ${quote(`Message ${i} <b>bold?</b>`)}, '/account')`);
    }
    sql(`SELECT notification_add(${quote(userId)}, 'status', 'Gone already', NULL, NULL, '{}', now() - interval '1 minute')`);
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    assert.equal(await badge(page), '3 unread', 'the header counts three unread');
    assert.equal((await page.textContent('header .nav-notifications')).replace(/\s+/g, ' ').trim(), 'Notifications 3 unread',
      'the link says what the number means');

    await page.click('header .nav-notifications');
    await page.waitForURL(/\/notifications$/);
    assert.equal(await page.getAttribute('header nav a[href="/notifications"]', 'aria-current'), 'page');
    const items = page.locator('.notification');
    assert.equal(await items.count(), 3, 'three listed; the expired one is not');
    assert.equal(await page.locator('.notification', { hasText: 'Gone already' }).count(), 0);
    assert.equal(await page.locator('.notification-content b').count(), 0, 'content is text, not markup');
    assert.match(await items.first().textContent(), /Reply 3 on your request/, 'newest first');
    await shot(page, 'notifications-1280');
    await axeCheck(page, '/notifications');

    await page.check(`.notification:has-text("Reply 1 on your request") input[type="checkbox"]`);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button:has-text("Mark selected as read")')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'Marked as read.');
    assert.equal(await badge(page), '2 unread');
    assert.match(await page.locator('.notification', { hasText: 'Reply 1 on your request' }).textContent(), /Read/);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button:has-text("Mark all as read")')]);
    assert.equal(await badge(page), null, 'no badge once all are read');
    assert.equal(sql(`SELECT count(*) FROM notifications WHERE user_id = ${quote(userId)} AND NOT read AND (expires_at IS NULL OR expires_at > now())`), '0');
    await axeCheck(page, '/notifications, all read');

    const small = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 2, storageState: await ctx.storageState() });
    const sp = await small.newPage();
    await sp.goto(`${BASE_URL}/notifications`, { waitUntil: 'load' });
    await noHorizontalScroll(sp, '/notifications at 360 px');
    await shot(sp, 'notifications-360');
    await small.close();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
