// signin.test.mjs: signing in, in a real browser: with a password, with a
// link from the email in $MAIL_DIR, and choosing a new
// password by link; and signing in with scripts off.
//
// Debian's chromium ($CHROMIUM) driven by playwright-core, axe-core on every
// page of the sign-in area (any WCAG 2.1 A/AA violation fails), screenshots
// of each at 1280 px and 360 px into $BROWSER_ARTIFACTS (signin-*.png).
// Accounts are made with `supportdesk user add` ($SUPPORTDESK_BIN, as the
// owner: $DATABASE_URL from the stack's env).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, NARROW, RUN_ID, WIDE, addUser, launch, linkInMail, press, screenshots, watch,
} from './lib.mjs';

let browser;
const { bothWidths } = screenshots('signin');
const record = (page, name, label) => bothWidths(page, name, label);

// The link (`/login/link/...`, `/password/reset/...`) in the newest email to
// addr that holds one, newer than `since` (ms).
const linkFromMail = (addr, kind, since = 0) =>
  linkInMail(addr, new RegExp(`(https?://\\S+${kind}[A-Za-z0-9_-]{43})`), { since });

// ------------------------------------------------------------ tests

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
});

describe('sign in', () => {
  test('with a password: errors, then the portal; the keyboard is enough', { timeout: 120000 }, async () => {
    const email = `signin-pw-${RUN_ID}@example.com`;
    const password = 'a browser test password';
    addUser(email, 'Paula Password', password);
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);

    const home = await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    assert.equal(home.status(), 200);
    await press(page, 'main a[href="/login"]');
    assert.equal(new URL(page.url()).pathname, '/login', 'the landing page links to /login');
    assert.equal((await page.textContent('h1')).trim(), 'Sign in');
    assert.ok(await page.isVisible('a[href="/password/forgot"]'), 'a "forgot password" link');
    assert.ok(await page.isVisible('a[href="#link-form"]'), 'an "email me a sign-in link" link');
    await record(page, 'login', '/login');

    // A wrong password: the summary, the message, the address kept.
    await page.fill('#f-email', email);
    await page.fill('#f-password', 'not my password at all');
    const bad = await press(page, '#login-form button[type="submit"]');
    assert.equal(bad.status(), 422);
    assert.ok(await page.isVisible('#error-summary'), 'the error summary shows');
    assert.match(await page.textContent('#login-error'), /not right/);
    assert.equal(await page.inputValue('#f-email'), email, 'the address is kept');
    assert.equal(await page.inputValue('#f-password'), '', 'the password is not');
    assert.match(await page.getAttribute('#f-password', 'aria-describedby'), /login-error/);
    await record(page, 'login-error', '/login with a wrong password');

    // Keyboard only: Tab from the address to the password, Enter sends.
    await page.focus('#f-email');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-password', 'Tab goes from address to password');
    await page.keyboard.type(password);
    const [ok] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.ok([200, 404].includes(ok.status()), `the portal's page answered ${ok.status()}`);
    assert.equal(new URL(page.url()).pathname, '/my/tickets', 'a customer lands on /my/tickets');
    const again = await page.goto(`${BASE_URL}/login`, { waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, '/my/tickets', `signed in, /login goes on (${again.status()})`);
    const cookies = await ctx.cookies();
    const session = cookies.find((c) => c.name === 'sd_session');
    assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'an HttpOnly, SameSite=Lax session cookie');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  test('with a link from the email', { timeout: 120000 }, async () => {
    const email = `signin-link-${RUN_ID}@example.com`;
    addUser(email, 'Lina Link', null);
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/login?next=%2Fmy%2Ftickets%3Fstatus%3Dall`, { waitUntil: 'load' });
    await page.click('a[href="#link-form"]');
    await page.fill('#f-link-email', email);
    const since = Date.now() - 1000;
    const sent = await press(page, '#link-form button[type="submit"]');
    assert.equal(sent.status(), 200);
    assert.equal((await page.textContent('h1')).trim(), 'Check your email');
    assert.ok((await page.textContent('main')).includes(email), 'the page names the address');
    await record(page, 'link-sent', 'the sign-in link check-your-email page');

    const link = await linkFromMail(email, '/login/link/', since);
    assert.ok(link.startsWith(BASE_URL), `the link points at BASE_URL: ${link}`);
    const shown = await page.goto(link, { waitUntil: 'load' });
    assert.equal(shown.status(), 200, 'GET of the link shows a button');
    assert.equal((await page.textContent('h1')).trim(), 'Sign in');
    await record(page, 'link-button', 'the sign-in link page');
    await press(page, 'form[action^="/login/link/"] button[type="submit"]');
    const u = new URL(page.url());
    assert.equal(`${u.pathname}${u.search}`, '/my/tickets?status=all', 'the link leads where the visitor was going');

    // Used: the link says so, and offers the way back.
    const used = await page.goto(link, { waitUntil: 'load' });
    assert.equal(used.status(), 410);
    assert.match(await page.textContent('h1'), /no longer works/);
    assert.ok(await page.isVisible('main a[href="/login"]'));
    await record(page, 'link-used', 'a used sign-in link');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  test('choosing a new password by link ends the old password', { timeout: 120000 }, async () => {
    const email = `signin-reset-${RUN_ID}@example.com`;
    const oldPw = 'the password I forgot';
    const newPw = 'a password I will remember';
    addUser(email, 'Rita Reset', oldPw);
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${BASE_URL}/login`, { waitUntil: 'load' });
    await press(page, 'a[href="/password/forgot"]');
    assert.equal((await page.textContent('h1')).trim(), 'Choose a new password');
    await record(page, 'forgot', '/password/forgot');

    // An address that is not one: the form says so by the field.
    await page.fill('#f-email', 'not an address');
    const invalid = await press(page, '#forgot-form button[type="submit"]');
    assert.equal(invalid.status(), 422);
    assert.equal(await page.getAttribute('#f-email', 'aria-invalid'), 'true');
    await record(page, 'forgot-error', '/password/forgot with an error');

    await page.fill('#f-email', email);
    const since = Date.now() - 1000;
    const sent = await press(page, '#forgot-form button[type="submit"]');
    assert.equal(sent.status(), 200);
    assert.equal((await page.textContent('h1')).trim(), 'Check your email');
    await record(page, 'reset-sent', 'the password link check-your-email page');

    const link = await linkFromMail(email, '/password/reset/', since);
    const form = await page.goto(link, { waitUntil: 'load' });
    assert.equal(form.status(), 200);
    assert.equal((await page.textContent('h1')).trim(), 'Choose your password');
    await record(page, 'reset', '/password/reset/{token}');

    // Two different passwords: the form again, the link still good.
    await page.fill('#f-password', newPw);
    await page.fill('#f-password_confirm', `${newPw}!`);
    const mismatch = await press(page, '#reset-form button[type="submit"]');
    assert.equal(mismatch.status(), 422);
    assert.match(await page.textContent('#f-password_confirm-error'), /not the same/);
    assert.match(await page.getAttribute('#f-password_confirm', 'aria-describedby'), /f-password_confirm-error/);
    await record(page, 'reset-error', '/password/reset with an error');

    await page.fill('#f-password', newPw);
    await page.fill('#f-password_confirm', newPw);
    await press(page, '#reset-form button[type="submit"]');
    assert.equal(new URL(page.url()).pathname, '/my/tickets', 'signed in after choosing the password');

    const spent = await page.goto(link, { waitUntil: 'load' });
    assert.equal(spent.status(), 410, 'the link works once');
    await record(page, 'reset-used', 'a used password link');

    // Another browser: the old password is refused, the new one works.
    const other = await browser.newContext({ viewport: WIDE });
    const p2 = await other.newPage();
    await p2.goto(`${BASE_URL}/login`, { waitUntil: 'load' });
    await p2.fill('#f-email', email);
    await p2.fill('#f-password', oldPw);
    assert.equal((await press(p2, '#login-form button[type="submit"]')).status(), 422);
    await p2.fill('#f-password', newPw);
    await press(p2, '#login-form button[type="submit"]');
    assert.equal(new URL(p2.url()).pathname, '/my/tickets');
    await other.close();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await ctx.close();
  });

  // The sign-in pages carry no script at all; this proves the forms work
  // as plain posts. (axe needs scripts, so it ran on the same pages above.)
  test('with scripts off: a password, and a link request', { timeout: 120000 }, async () => {
    const email = `signin-nojs-${RUN_ID}@example.com`;
    const password = 'no scripts needed here';
    addUser(email, 'Nora Noscript', password);
    const ctx = await browser.newContext({ viewport: NARROW, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${BASE_URL}/login?next=%2Fmy%2Ftickets%3Fstatus%3Dwaiting`, { waitUntil: 'load' });
    assert.equal(await page.locator('script').count(), 0, 'no script on the sign-in page');
    await page.fill('#f-link-email', email);
    const sent = await press(page, '#link-form button[type="submit"]');
    assert.equal(sent.status(), 200);
    assert.equal((await page.textContent('h1')).trim(), 'Check your email');
    await page.goto(`${BASE_URL}/login?next=%2Fmy%2Ftickets%3Fstatus%3Dwaiting`, { waitUntil: 'load' });
    await page.fill('#f-email', email);
    await page.fill('#f-password', password);
    await page.check('#f-remember');
    await press(page, '#login-form button[type="submit"]');
    const u = new URL(page.url());
    assert.equal(`${u.pathname}${u.search}`, '/my/tickets?status=waiting');
    const session = (await ctx.cookies()).find((c) => c.name === 'sd_session');
    assert.ok(session && session.expires > Date.now() / 1000 + 29 * 86400, 'remembered for 30 days');
    await ctx.close();
  });
});
