// reports.test.mjs: the reports (/desk/reports) in a real browser: an
// organization's agent (made with `supportdesk user add`, a membership as
// the owner) opens the index and every report, with charts and tables for
// a few tickets folded by report_fold() as the owner; axe-core (WCAG 2.1 A
// and AA) and no horizontal scroll at 1280 and 360 px on each page, the
// charts are images with a name, the filter form by keyboard, and a bad
// date answered 400 with the message by its field. Screenshots in
// $BROWSER_ARTIFACTS (reports-*.png).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  RUN_ID, WIDE, addUser, goto, launch, quote, screenshots, signIn, sql, watch,
} from './lib.mjs';

const PASSWORD = `reports-${RUN_ID}-password`;
let browser;
let ctx;
const { bothWidths } = screenshots('reports');
const email = `reports-${RUN_ID}@example.com`;
const slug = `reports-${RUN_ID}`;

before(async () => {
  browser = await launch();
  addUser(email, 'Robin Reports', PASSWORD);
  const org = sql(`WITH o AS (INSERT INTO organizations (name, slug) VALUES (${quote(`Reports ${RUN_ID}`)}, ${quote(slug)}) RETURNING id),
    s AS (INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at) SELECT id, true, now() FROM o)
    SELECT id FROM o`);
  sql(`INSERT INTO memberships (user_id, organization_id, role) SELECT id, ${quote(org)}, 'agent' FROM users WHERE email = ${quote(email)}`);
  sql(`INSERT INTO teams (organization_id, name) VALUES (${quote(org)}, 'Second line')`);
  // A workflow, so that the tickets start on its first stage (the stage report).
  sql(`WITH w AS (INSERT INTO workflows (organization_id, name) VALUES (${quote(org)}, 'Browser flow') RETURNING id)
    INSERT INTO workflow_stages (workflow_id, name, is_start, position) SELECT id, 'Intake', true, 0 FROM w`);
  for (const [source, priority] of [['web', 'high'], ['email', 'normal'], ['phone', 'urgent']]) {
    sql(`INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, source, priority, assignee_id, team_id)
      SELECT u.id, 'organization', ${quote(org)}, ${quote(org)}, 'Reports browser', 'x', ${quote(source)}, ${quote(priority)}, u.id,
             (SELECT id FROM teams WHERE organization_id = ${quote(org)})
      FROM users u WHERE u.email = ${quote(email)}`);
  }
  sql(`UPDATE tickets SET status = 'resolved', resolved_at = now(), satisfaction_rating = 4, satisfaction_submitted_at = now(),
         satisfaction_comment = 'Quick and kind' WHERE assigned_org_id = ${quote(org)} AND source = 'web'`);
  sql('SELECT report_fold(1000000)');
  ctx = await browser.newContext({ viewport: WIDE });
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  await page.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (browser) await browser.close();
});

describe('reports', () => {
  test('the index and every report pass axe at both widths, charts named, tables beside them', async () => {
    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, '/desk');
    assert.ok(await page.locator('header a[href="/desk/reports"]').count(), 'Reports in the navigation');
    await goto(page, '/desk/reports');
    await bothWidths(page, 'index', 'reports index');
    for (const name of ['sla', 'agents', 'volume', 'csat', 'stages']) {
      await goto(page, `/desk/reports/${name}`);
      await bothWidths(page, name, `report ${name}`);
      const charts = page.locator('svg[role="img"]');
      assert.ok(await charts.count() >= 1, `${name}: a chart`);
      const first = charts.first();
      const ids = (await first.getAttribute('aria-labelledby')).split(' ');
      assert.ok((await page.locator(`[id="${ids[0]}"]`).textContent()).length > 0, `${name}: the chart has a title`);
      assert.ok(await page.locator('table.report-table').count() >= 1, `${name}: a table`);
      if (name === 'csat') assert.match(await page.textContent('main'), /Quick and kind/);
      if (name === 'stages') assert.match(await page.textContent('main'), /Browser flow: Intake/);
    }
    // Time spent: axe at both widths whether or not time was recorded.
    await goto(page, '/desk/reports/time');
    await bothWidths(page, 'time', 'report time');
    assert.ok(await page.locator('h1').count(), 'time: the page');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the range by keyboard; a bad date is 400 with the message by its field', async () => {
    const page = await ctx.newPage();
    await goto(page, '/desk/reports/volume');
    await page.focus('#f-from');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2024-02-30');
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.equal(resp.status(), 400);
    assert.equal(await page.getAttribute('#f-from', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#f-from-error'), /YYYY-MM-DD/);
    await bothWidths(page, 'bad-date', 'a bad date');
    await page.close();
  });
});
