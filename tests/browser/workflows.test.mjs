// workflows.test.mjs: workflows in a real browser: the workflow admin page
// (/desk/admin/workflows/{id}) with its stages drawn start to end and a
// hook, a stage added through its form, the workspace of a ticket on the
// workflow with its stage block, the move to the next stage by its button,
// and the history. axe-core at 1280 and 360 px on each page; screenshots in
// $BROWSER_ARTIFACTS (workflows-*.png). The organization and its admin are
// made as in admin.test.mjs (`supportdesk org add|provision`, the link in
// the mail); the workflow and the ticket as the owner.
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  BASE_URL, BIN, NARROW, RUN_ID, WIDE, axeCheck, launch, linkInMail, noHorizontalScroll, quote, screenshots, sql, watch,
} from './lib.mjs';

let browser;
let ctx;
const { shot } = screenshots('workflows');
const slug = `wf-${RUN_ID}`;
const adminEmail = `wf-admin-${RUN_ID}@example.com`;

function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

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

before(async () => {
  browser = await launch();
  cli('org', 'add', '--name', `Workflow Org ${RUN_ID}`, '--slug', slug);
  cli('org', 'provision', '--slug', slug, '--admin-email', adminEmail, '--admin-name', 'Flow Admin');
  const link = await linkInMail(adminEmail, /(https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]+)/);
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await page.goto(link, { waitUntil: 'load' });
  await page.fill('#f-password', 'workflow admin password');
  await page.fill('#f-password_confirm', 'workflow admin password');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action^="/password/reset/"] button[type="submit"]')]);
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('workflows', () => {
  test('the admin page draws the stages and adds one; the workspace moves a ticket; the history lists it', async () => {
    const wf = sql(`INSERT INTO workflows (organization_id, name) SELECT id, 'Browser flow' FROM organizations
      WHERE slug = ${quote(slug)} RETURNING id`).trim();
    sql(`INSERT INTO workflow_stages (workflow_id, name, is_start, is_end, position) VALUES
      (${quote(wf)}, 'Intake', true, false, 0), (${quote(wf)}, 'Working', false, false, 1),
      (${quote(wf)}, 'Done', false, true, 2)`);
    sql(`INSERT INTO workflow_stage_hooks (stage_id, hook_type, config)
      SELECT id, 'notification', '{"target_type": "org_admins", "message": "A ticket reached Working"}'
      FROM workflow_stages WHERE workflow_id = ${quote(wf)} AND name = 'Working'`);
    const number = sql(`INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description)
      SELECT u.id, 'organization', o.id, o.id, 'Browser workflow ticket', 'On a workflow'
      FROM users u, organizations o WHERE u.email = ${quote(adminEmail)} AND o.slug = ${quote(slug)} RETURNING number`).trim();

    const page = await ctx.newPage();
    const problems = watch(page);
    await checkBothWidths(page, `/desk/admin/workflows?org=${slug}`, 'list');
    await checkBothWidths(page, `/desk/admin/workflows/${wf}?org=${slug}`, 'workflow');
    const line = await page.textContent('.admin-stage-line');
    assert.ok(line.indexOf('Intake') < line.indexOf('Working') && line.indexOf('Working') < line.indexOf('Done'),
      'start, step, end in order');
    assert.match(await page.textContent('main'), /A ticket reached Working/);

    // A second start is refused with its message by the field.
    await page.fill('#f-name', 'Another start');
    await page.selectOption('#f-kind', 'start');
    const [bad] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click(`form[action="/desk/admin/workflows/${wf}/stages"] button[type="submit"]`),
    ]);
    assert.equal(bad.status(), 422);
    assert.equal(await page.getAttribute('#f-kind', 'aria-invalid'), 'true');
    await axeCheck(page, 'stage refused at 1280 px');
    await page.fill('#f-name', 'Review');
    await page.selectOption('#f-kind', 'step');
    const [ok] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click(`form[action="/desk/admin/workflows/${wf}/stages"] button[type="submit"]`),
    ]);
    assert.equal(ok.status(), 200);
    assert.match(await page.textContent('.notice-ok'), /The stage is added/);

    await checkBothWidths(page, `/desk/tickets/${number}`, 'workspace');
    assert.match(await page.textContent('#stage-title + p'), /Browser flow/);
    const [moved] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('button:has-text("Move to Working")'),
    ]);
    assert.equal(moved.status(), 200);
    assert.match(await page.textContent('.stage-line [aria-current="step"]'), /Working/);
    await axeCheck(page, 'workspace after the move');
    await checkBothWidths(page, `/desk/tickets/${number}/history`, 'history');
    assert.match(await page.textContent('.history'), /Stage: Working/);
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
    await page.close();
  });
});
