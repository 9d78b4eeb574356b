// templates.test.mjs: ticket templates and recurring tickets in a real
// browser: the admin page (/desk/admin/templates) refuses a template by its
// fields (the input kept), creates a weekly one, shows its page; an agent
// finds it on /desk/templates and creates a ticket from it. axe-core at
// 1280 and 360 px on the admin list (with and without errors), the
// template's page and /desk/templates; screenshots in $BROWSER_ARTIFACTS
// (templates-*.png). The organization and its members are made as the
// owner, their passwords with `supportdesk user add`.
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, NARROW, RUN_ID, WIDE, addUser, axeCheck, launch, noHorizontalScroll, quote, screenshots, signIn, sql, watch,
} from './lib.mjs';

let browser;
const { shot } = screenshots('templates');
const slug = `tpl-${RUN_ID}`;
const adminEmail = `tpl-admin-${RUN_ID}@example.com`;
const agentEmail = `tpl-agent-${RUN_ID}@example.com`;
const password = 'templates browser password';

async function at(page, url, label) {
  const resp = await page.goto(`${BASE_URL}${url}`, { waitUntil: 'load' });
  assert.equal(resp.status(), 200, `${label}: 200`);
  return resp;
}

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

const submit = (page) => Promise.all([
  page.waitForNavigation({ waitUntil: 'load' }),
  page.click('form[action="/desk/admin/templates"] button[type="submit"]'),
]);

before(async () => {
  browser = await launch();
  addUser(adminEmail, 'Template Admin', password);
  addUser(agentEmail, 'Template Agent', password);
  sql(`INSERT INTO organizations (name, slug) VALUES (${quote(`Templates ${RUN_ID}`)}, ${quote(slug)});
       INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at)
         SELECT id, true, now() FROM organizations WHERE slug = ${quote(slug)};
       UPDATE users SET email_verified_at = now() WHERE email IN (${quote(adminEmail)}, ${quote(agentEmail)});
       INSERT INTO memberships (user_id, organization_id, role)
         SELECT u.id, o.id, CASE WHEN u.email = ${quote(adminEmail)} THEN 'admin' ELSE 'agent' END
         FROM users u, organizations o WHERE o.slug = ${quote(slug)} AND u.email IN (${quote(adminEmail)}, ${quote(agentEmail)});`);
});

after(async () => {
  if (browser) await browser.close();
});

describe('ticket templates', () => {
  test('a template refused by its fields, then created; an agent makes a ticket from it', async () => {
    const adminCtx = await browser.newContext({ viewport: WIDE });
    const page = await adminCtx.newPage();
    const problems = watch(page);
    await signIn(page, adminEmail, password);
    await checkBothWidths(page, '/desk/admin/templates', 'list');

    await page.fill('#f-name', 'Browser weekly');
    await page.fill('#f-title', 'Check the backups');
    await page.fill('#f-description', 'Look at the last run.');
    await page.check('#f-schedule-weekly');
    await page.fill('#f-run_time', '9am');
    await page.fill('#f-time_zone', 'Mars/Olympus');
    const [bad] = await submit(page);
    assert.equal(bad.status(), 422);
    assert.equal(await page.isVisible('#error-summary'), true);
    assert.match(await page.textContent('#f-days-error'), /at least one day/);
    assert.match(await page.textContent('#f-run_time-error'), /HH:MM/);
    assert.match(await page.textContent('#f-time_zone-error'), /not a time zone/);
    assert.equal(await page.getAttribute('#f-time_zone', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#f-time_zone'), 'Mars/Olympus', 'the input is kept');
    await axeCheck(page, 'list with errors at 1280 px');
    await shot(page, 'error-1280');
    await page.setViewportSize(NARROW);
    await noHorizontalScroll(page, 'list with errors at 360 px');
    await axeCheck(page, 'list with errors at 360 px');
    await shot(page, 'error-360');
    await page.setViewportSize(WIDE);

    await page.check('#f-day-1');
    await page.check('#f-day-4');
    await page.fill('#f-run_time', '09:00');
    await page.fill('#f-time_zone', 'Europe/Paris');
    const [ok] = await submit(page);
    assert.equal(ok.status(), 200);
    assert.match(await page.textContent('.notice-ok'), /The template is created/);
    const tplUrl = new URL(page.url());
    assert.match(tplUrl.pathname, /^\/desk\/admin\/templates\/[0-9a-f-]{36}$/);
    assert.match(await page.textContent('main'), /Every week on Monday, Thursday at 09:00 \(Europe\/Paris\)/);
    await checkBothWidths(page, `${tplUrl.pathname}?org=${slug}`, 'template');
    assert.deepEqual(problems, [], 'no script errors or CSP violations (admin)');
    await adminCtx.close();

    const agentCtx = await browser.newContext({ viewport: WIDE });
    const desk = await agentCtx.newPage();
    const deskProblems = watch(desk);
    await signIn(desk, agentEmail, password);
    await at(desk, '/desk', 'desk');
    await Promise.all([desk.waitForNavigation({ waitUntil: 'load' }), desk.click('a[href="/desk/templates"]')]);
    assert.match(await desk.textContent('main'), /Browser weekly/);
    await checkBothWidths(desk, '/desk/templates', 'desk-templates');
    const [made] = await Promise.all([
      desk.waitForNavigation({ waitUntil: 'load' }),
      desk.click('form[action$="/use"] button[type="submit"]'),
    ]);
    assert.equal(made.status(), 200);
    assert.match(new URL(desk.url()).pathname, /^\/desk\/tickets\/[A-Z0-9]+-\d{4}-\d{2}-\d{5,}$/);
    assert.match(await desk.textContent('main'), /Check the backups/);
    const source = sql(`SELECT source FROM tickets WHERE number = ${quote(new URL(desk.url()).pathname.split('/').pop())}`);
    assert.equal(source, 'template');
    assert.deepEqual(deskProblems, [], 'no script errors or CSP violations (desk)');
    await agentCtx.close();
  });
});
