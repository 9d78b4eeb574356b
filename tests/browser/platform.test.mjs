// platform.test.mjs: the platform admin pages (/admin) in a real browser.
//
// Debian's chromium ($CHROMIUM) driven by playwright-core, axe-core on
// every page at 1280 and 360 px (any WCAG 2.1 A/AA violation fails), with
// and without a form error, no script errors or CSP violations, screenshots
// in $BROWSER_ARTIFACTS (platform-*.png). The platform admin is made as an
// operator makes one: `supportdesk user add --platform-role admin`.
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, RUN_ID, WIDE, addUser, goto, launch, linkInMail, press, screenshots, signIn, sql, watch } from './lib.mjs';

let browser;
let ctx;
const { bothWidths } = screenshots('platform');
const adminEmail = `platform-${RUN_ID}@example.com`;
const password = 'platform browser password';
const slug = `plat-${RUN_ID}`;
const orgName = `Platform Browser Org ${RUN_ID}`;

before(async () => {
  browser = await launch();
  addUser(adminEmail, 'Browser Platform Admin', password, 'admin');
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await signIn(page, adminEmail, password);
  await page.close();
});

after(async () => {
  // Out of the public form and the other tests' way.
  sql(`update organizations set is_active = false where slug = '${slug}'`);
  sql("delete from system_settings where key like 'rate.%' or key like 'session.%'");
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

const submitIn = (page, action) => press(page, `form[action="${action}"] button[type="submit"]`);

describe('the platform admin pages', () => {
  test('visitors sign in, customers get 404, the header offers Platform admin', async () => {
    const anon = await browser.newContext();
    const r = await anon.request.get(`${BASE_URL}/admin/users`, { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    assert.equal(r.headers().location, '/login?next=/admin/users');
    const customer = `platform-customer-${RUN_ID}@example.com`;
    addUser(customer, 'Browser Customer', password);
    const cpage = await anon.newPage();
    await signIn(cpage, customer, password);
    const c = await anon.request.get(`${BASE_URL}/admin`, { maxRedirects: 0 });
    assert.equal(c.status(), 404, 'a customer does not learn /admin exists');
    await anon.close();

    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, '/admin');
    assert.equal(await page.getAttribute('header nav a[href="/admin"]', 'aria-current'), 'page');
    await bothWidths(page, 'home');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('organizations: an error first, created, provisioned, deactivated', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, '/admin/organizations');
    await bothWidths(page, 'organizations');
    await page.fill('#f-name', orgName);
    await page.fill('#f-slug', 'Not A Slug');
    await page.fill('#f-prefix', 'lower');
    const bad = await submitIn(page, '/admin/organizations');
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.equal(await page.getAttribute('#f-slug', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#f-prefix-error'), /capital letters/);
    assert.equal(await page.inputValue('#f-name'), orgName, 'the input is kept');
    await bothWidths(page, 'organizations-error', 'organizations with errors');

    await page.fill('#f-slug', slug);
    await page.fill('#f-prefix', 'PBO');
    const ok = await submitIn(page, '/admin/organizations');
    assert.equal(ok.status(), 200);
    assert.match(await page.textContent('.notice-ok'), /organization is created/);
    const orgPath = new URL(page.url()).pathname;
    await bothWidths(page, 'organization');

    const provision = `${orgPath}/provision`;
    await page.fill('#f-email', 'not an address');
    const refused = await submitIn(page, provision);
    assert.equal(refused.status(), 422);
    assert.match(await page.textContent('#f-email-error'), /email address like/);
    await bothWidths(page, 'organization-error', 'organization with an error');
    const boss = `boss-${RUN_ID}@example.com`;
    await page.fill('#f-email', boss);
    await page.fill('#f-name', 'Browser Boss');
    await submitIn(page, provision);
    assert.match(await page.textContent('.notice-ok'), /provisioned/);
    await linkInMail(boss, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);

    await press(page, `form[action="${orgPath}/active"] button[type="submit"]`, 200);
    assert.match(await page.textContent('.notice-ok'), /deactivated/);
    assert.ok((await page.textContent('main')).includes(`Reactivate ${orgName}`));
    await bothWidths(page, 'organization-deactivated');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('users: a search that finds the admin, one that finds nobody', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, `/admin/users?q=${encodeURIComponent(adminEmail)}`);
    assert.ok((await page.textContent('.admin-table')).includes('(you)'), 'the search finds the admin');
    await bothWidths(page, 'users');
    await goto(page, '/admin/users?q=nobody-has-this-address');
    assert.ok((await page.textContent('main')).includes('No account matches.'));
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('system settings: errors by their fields, then saved; the audit log shows it', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, '/admin/settings');
    await bothWidths(page, 'settings');
    await page.fill('#f-ticket_number_prefix', 'tk');
    await page.fill('[id="f-rate.challenge_ip.limit"]', 'lots');
    const bad = await submitIn(page, '/admin/settings');
    assert.equal(bad.status(), 422);
    assert.match(await page.textContent('#f-ticket_number_prefix-error'), /capital letters/);
    assert.match(await page.textContent('[id="f-rate.challenge_ip.limit-error"]'), /whole number/);
    assert.equal(await page.inputValue('[id="f-rate.challenge_ip.limit"]'), 'lots', 'the input is kept');
    await bothWidths(page, 'settings-error', 'settings with errors');
    await page.fill('#f-ticket_number_prefix', 'TKT');
    await page.fill('[id="f-rate.challenge_ip.limit"]', '5000');
    await submitIn(page, '/admin/settings');
    assert.match(await page.textContent('.notice-ok'), /settings are saved/);
    assert.equal(await page.inputValue('[id="f-rate.challenge_ip.limit"]'), '5000');

    await goto(page, '/admin/audit');
    assert.ok((await page.textContent('main')).includes('rate.challenge_ip.limit'), 'the audit log shows the setting');
    await bothWidths(page, 'audit');
    await goto(page, `/admin/audit?org=${slug}`);
    assert.ok((await page.textContent('main')).includes('Organization'), 'the organization filter');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
