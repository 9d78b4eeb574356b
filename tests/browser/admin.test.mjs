// admin.test.mjs: the organization admin pages in a real browser.
//
// Debian's chromium ($CHROMIUM) driven by playwright-core, axe-core on
// every admin page at 1280 and 360 px (any WCAG 2.1 A/AA violation fails),
// with and without a form error. The organization and its first admin are
// made as an operator makes them: `supportdesk org add` and `org provision`
// ($SUPPORTDESK_BIN, as the owner: $DATABASE_URL), the invitation read from
// $MAIL_DIR and the password chosen from its link. Screenshots go to
// $BROWSER_ARTIFACTS (admin-*.png).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  BASE_URL, BIN, NARROW, RUN_ID, WIDE, axeCheck, launch, linkInMail, noHorizontalScroll, quote, screenshots, sql, watch,
} from './lib.mjs';

let browser;
const { shot } = screenshots('admin');

function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// ------------------------------------------------------------ the tests

const slug = `br-${RUN_ID}`;
const orgName = `Browser Org ${RUN_ID}`;
const adminEmail = `admin-${RUN_ID}@example.com`;
let ctx;

async function at(page, url, label) {
  const resp = await page.goto(`${BASE_URL}${url}`, { waitUntil: 'load' });
  assert.equal(resp.status(), 200, `${label}: 200`);
  return resp;
}

// Every page at both widths: axe, a screenshot, no sideways scroll at 360.
async function checkBothWidths(page, url, label) {
  await page.setViewportSize(WIDE);
  await at(page, url, label);
  await axeCheck(page, `${label} at 1280 px`);
  await shot(page, `${label}-1280`);
  await page.setViewportSize(NARROW);
  await at(page, url, label);
  await noHorizontalScroll(page, `${label} at 360 px`);
  await axeCheck(page, `${label} at 360 px`);
  await shot(page, `${label}-360`);
  await page.setViewportSize(WIDE);
}

before(async () => {
  browser = await launch();
  cli('org', 'add', '--name', orgName, '--slug', slug);
  cli('org', 'provision', '--slug', slug, '--admin-email', adminEmail, '--admin-name', 'Browser Admin');
  const link = await linkInMail(adminEmail, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await page.goto(link, { waitUntil: 'load' });
  await page.fill('#f-password', 'browser admin password');
  await page.fill('#f-password_confirm', 'browser admin password');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/password/reset/"] button[type="submit"]')]);
  const r = await ctx.request.get(`${BASE_URL}/desk/admin`, { maxRedirects: 0 });
  assert.equal(r.status(), 200, 'the new admin reaches /desk/admin');
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('the organization admin pages', () => {
  test('a visitor is sent to sign in; the header offers Admin to the admin', async () => {
    const anon = await browser.newContext();
    const r = await anon.request.get(`${BASE_URL}/desk/admin/teams`, { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    assert.equal(r.headers().location, '/login?next=/desk/admin/teams');
    await anon.close();
    const page = await ctx.newPage();
    await at(page, '/desk/admin', 'home');
    assert.equal(await page.getAttribute('header nav a[href="/desk/admin"]', 'aria-current'), 'page');
    assert.ok((await page.textContent('.admin-nav')).includes(orgName), 'the navigation names the organization');
    await page.close();
  });

  test('teams: create with an error first, add a member, every page accessible', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin', 'home');
    await checkBothWidths(page, '/desk/admin/teams', 'teams');

    // An empty name: 422, the summary, the field marked.
    await page.fill('#f-name', '   ');
    await page.fill('#f-description', 'Kept description');
    const [bad] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/teams"] button[type="submit"]')]);
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.equal(await page.getAttribute('#f-name', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-description'), 'Kept description', 'the input is kept');
    await axeCheck(page, 'teams with an error');
    await shot(page, 'teams-error');

    await page.fill('#f-name', 'Browser team');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/teams"] button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The team is created.');
    const teamUrl = new URL(page.url());
    await page.selectOption('#f-member', { index: 1 });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action$="/members"] button:has-text("Add to the team")')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The member is on the team.');
    assert.ok((await page.textContent('.admin-table')).includes('Browser Admin'));
    await checkBothWidths(page, `${teamUrl.pathname}?org=${slug}`, 'team');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('members: an invitation refused, then sent; the last admin kept', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/members', 'members');
    await page.fill('#f-email', 'not an address');
    await page.check('#f-role-admin');
    const [bad] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/members"] button[type="submit"]')]);
    assert.equal(bad.status(), 422);
    assert.match(await page.textContent('#f-email-error'), /email address like/);
    assert.equal(await page.inputValue('#f-email'), 'not an address');
    assert.equal(await page.isChecked('#f-role-admin'), true, 'the role chosen is kept');
    await axeCheck(page, 'members with an error');
    await shot(page, 'members-error');
    const agent = `agent-${RUN_ID}@example.com`;
    await page.fill('#f-email', agent);
    await page.check('#f-role-agent');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/members"] button[type="submit"]')]);
    assert.match(await page.textContent('.notice-ok'), /invitation is sent/);
    await linkInMail(agent, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);

    // The only admin demotes themselves: refused, with the reason.
    const mine = page.locator('tr', { hasText: '(you)' });
    await mine.locator('select').selectOption('agent');
    const [refused] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), mine.locator('button:has-text("Change")').click()]);
    assert.equal(refused.status(), 409);
    assert.match(await page.textContent('.form-error'), /You are the last admin of/);
    await axeCheck(page, 'members with a refusal');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('settings: errors by their fields, then saved; the audit log shows it', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/settings', 'settings');
    await page.fill('#f-support_email', 'nope');
    await page.fill('#f-ticket_prefix', '9x');
    const [bad] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/settings"] button[type="submit"]')]);
    assert.equal(bad.status(), 422);
    assert.match(await page.textContent('#f-support_email-error'), /help@example.com/);
    assert.match(await page.textContent('#f-ticket_prefix-error'), /starting with a letter/);
    assert.equal(await page.inputValue('#f-ticket_prefix'), '9x');
    await axeCheck(page, 'settings with errors');
    await shot(page, 'settings-error');
    // An address of this run's own: a support address belongs to one organization.
    await page.fill('#f-support_email', `help-${RUN_ID}@example.com`);
    await page.fill('#f-ticket_prefix', 'brw');
    await page.check('#f-auto_assign');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/settings"] button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The settings are saved.');
    assert.equal(await page.inputValue('#f-ticket_prefix'), 'BRW');
    await checkBothWidths(page, '/desk/admin/audit', 'audit');
    assert.ok((await page.textContent('main')).includes('BRW'), 'the audit log shows the new prefix');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('categories: an error first, created, moved up without scripts, removed', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/categories', 'categories');
    await page.fill('#f-name', 'Browser billing');
    await page.fill('#f-slug', 'Not A Slug');
    await page.fill('#f-color', 'blue');
    const [bad] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/categories"] button[type="submit"]')]);
    assert.equal(bad.status(), 422);
    assert.equal(await page.getAttribute('#f-slug', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#f-color-error'), /#3B82F6/);
    assert.equal(await page.inputValue('#f-name'), 'Browser billing', 'the input is kept');
    await axeCheck(page, 'categories with errors');
    await shot(page, 'categories-error');
    for (const [name, s] of [['Browser billing', 'billing'], ['Browser access', 'access']]) {
      await page.fill('#f-name', name);
      await page.fill('#f-slug', s);
      await page.fill('#f-color', '#3B82F6');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/categories"] button[type="submit"]')]);
      assert.equal((await page.textContent('.notice-ok')).trim(), 'The category is created.');
    }
    await checkBothWidths(page, '/desk/admin/categories', 'categories-list');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[name="dir"][value="up"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The order is saved.');
    const first = await page.textContent('.admin-table tbody tr:first-child td:first-child a');
    assert.equal(first.trim(), 'Browser access', 'moved up');
    await page.click('text=Browser billing');
    await page.waitForLoadState('load');
    await checkBothWidths(page, new URL(page.url()).pathname + `?org=${slug}`, 'category');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button:has-text("Delete the category")')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The category is deleted.');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('canned responses: a bad shortcut, then created and edited', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/canned', 'canned');
    assert.ok((await page.textContent('#f-content-hint')).includes('{{agent.name}}'), 'the placeholders are listed');
    await page.fill('#f-title', 'Browser greeting');
    await page.fill('#f-shortcut', 'Hello There');
    await page.fill('#f-content', 'Hello {{requester.name}}');
    const [bad] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/canned"] button[type="submit"]')]);
    assert.equal(bad.status(), 422);
    assert.equal(await page.getAttribute('#f-shortcut', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-content'), 'Hello {{requester.name}}', 'the input is kept');
    await axeCheck(page, 'canned with an error');
    await shot(page, 'canned-error');
    await page.fill('#f-shortcut', '/hello');
    await page.fill('#f-tags', 'greeting, welcome');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/canned"] button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The canned response is created.');
    assert.equal(await page.inputValue('#f-shortcut'), 'hello');
    await checkBothWidths(page, new URL(page.url()).pathname + `?org=${slug}`, 'canned-one');
    await page.check('#f-visibility-personal');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form.admin-form button:has-text("Save")')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The canned response is saved.');
    assert.equal(sql(`SELECT is_public::text FROM canned_responses c JOIN organizations o ON o.id = c.organization_id WHERE o.slug = ${quote(slug)} AND c.shortcut = 'hello'`), 'false');
    await checkBothWidths(page, '/desk/admin/canned', 'canned-list');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });

  test('request types and custom fields: errors by their fields, order, preview by role', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, '/desk/admin/types', 'types');
    // No name, no role: 422, the summary, input kept.
    await page.fill('#f-name', '');
    await page.fill('#f-description', 'Kept type description');
    await page.uncheck('#f-role_anonymous');
    await page.uncheck('#f-role_customer');
    const [bad] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/types"] button[type="submit"]')]);
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.equal(await page.getAttribute('#f-name', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#f-roles-error'), /at least one role/);
    assert.equal(await page.inputValue('#f-description'), 'Kept type description');
    await axeCheck(page, 'types with errors');
    await shot(page, 'types-error');
    for (const name of ['Browser second', 'Browser first']) {
      await page.fill('#f-name', name);
      await page.check('#f-role_anonymous');
      await page.check('#f-role_customer');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/types"] button[type="submit"]')]);
      assert.match(await page.textContent('.notice-ok'), /request type is created/);
      await at(page, `/desk/admin/types?org=${slug}`, 'types');
    }
    // Without scripts the Up button works (it is a plain form).
    const row = page.locator('tr', { hasText: 'Browser first' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), row.locator('button[value="up"]').click()]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The order is saved.');
    const names = await page.locator('td[data-label="Type"] > a').allTextContents();
    assert.deepEqual(names.slice(0, 2), ['Browser first', 'Browser second']);
    const typeId = sql(`SELECT rt.id FROM request_types rt JOIN organizations o ON o.id = rt.organization_id WHERE o.slug = ${quote(slug)} AND rt.name = 'Browser first'`);
    await checkBothWidths(page, `/desk/admin/types/${typeId}?org=${slug}`, 'type');

    // A field for the type: a broken pattern first.
    await checkBothWidths(page, `/desk/admin/fields?org=${slug}&type=${typeId}`, 'fields');
    await page.fill('#f-key', `br_${RUN_ID}`.replace(/[^a-z0-9_]/g, '_').slice(0, 60));
    await page.fill('#f-label', 'Serial number');
    await page.fill('#f-pattern', '([A-Z]+');
    const [badField] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/fields"] button[type="submit"]')]);
    assert.equal(badField.status(), 422);
    assert.match(await page.textContent('#f-pattern-error'), /not a valid regular expression/);
    assert.equal(await page.inputValue('#f-pattern'), '([A-Z]+');
    assert.equal(await page.isChecked(`#f-rt-${typeId}`), true, 'the type chosen is kept');
    await axeCheck(page, 'fields with an error');
    await shot(page, 'fields-error');
    await page.fill('#f-pattern', '^[A-Z]+$');
    await page.check('#f-vrole_customer');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/fields"] button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The field is created.');
    await checkBothWidths(page, `${new URL(page.url()).pathname}?org=${slug}`, 'field');

    // The preview: a visitor does not see the customers' field; choosing
    // the customer role puts it in place without leaving the page.
    await checkBothWidths(page, `/desk/admin/types/${typeId}/preview?org=${slug}&role=anonymous`, 'preview');
    assert.equal(await page.locator('.admin-preview input[name^="cf_"]').count(), 0);
    await page.focus('#f-role');
    await page.selectOption('#f-role', 'customer');
    await page.waitForSelector('.admin-preview input[name^="cf_br_"]');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'f-role', 'focus stays on the select');
    assert.match(page.url(), /role=customer/);
    await axeCheck(page, 'preview as a customer');
    await shot(page, 'preview-customer');
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();

    // Without scripts the Show button does the same.
    const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
    const p2 = await nojs.newPage();
    await p2.goto(`${BASE_URL}/desk/admin/types/${typeId}/preview?org=${slug}`, { waitUntil: 'load' });
    await p2.selectOption('#f-role', 'customer');
    await Promise.all([p2.waitForNavigation({ waitUntil: 'load' }), p2.click('.preview-role button[type="submit"]')]);
    assert.equal(await p2.locator('.admin-preview input[name^="cf_br_"]').count(), 1);
    await nojs.close();
  });

  test('without JavaScript a team is created the same way', async () => {
    const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
    const page = await nojs.newPage();
    await page.goto(`${BASE_URL}/desk/admin/teams`, { waitUntil: 'load' });
    await page.fill('#f-name', 'No script team');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/desk/admin/teams"] button[type="submit"]')]);
    assert.equal((await page.textContent('.notice-ok')).trim(), 'The team is created.');
    assert.equal(sql(`SELECT count(*) FROM teams t JOIN organizations o ON o.id = t.organization_id WHERE o.slug = ${quote(slug)} AND t.name = 'No script team'`), '1');
    await nojs.close();
  });
});
