// staff.test.mjs: the staff part of the account page in a real browser:
// availability (away), which new tickets they hear of (watch) and the
// desk's email notifications, by keyboard, then the same without
// JavaScript; axe-core (WCAG 2.1 A/AA) and screenshots at 1280 and 360 px
// ($BROWSER_ARTIFACTS/staff-*.png). The staff member is a platform agent
// made with `supportdesk user add` ($SUPPORTDESK_BIN); what was saved is
// read back with psql as the owner ($DATABASE_URL).
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, RUN_ID, WIDE, addUser, launch, quote, screenshots, signIn as signInWith, sql,
} from './lib.mjs';

const PASSWORD = `staff-${RUN_ID}-password`;

let browser;
const { shot, bothWidths } = screenshots('staff');
const record = (page, name, label) => bothWidths(page, name, label);

async function signIn(ctx, email) {
  const page = await ctx.newPage();
  await signInWith(page, email, PASSWORD);
  return page;
}

let email;
let userId;

before(async () => {
  browser = await launch();
  email = `staff-${RUN_ID}@example.com`;
  addUser(email, 'Stef Staff', PASSWORD, 'agent');
  userId = sql(`SELECT id FROM users WHERE email = ${quote(email)}`);
  assert.match(userId, /^[0-9a-f-]{36}$/, 'the staff member exists');
});

after(async () => {
  if (browser) await browser.close();
});

describe('the staff part of the account page', () => {
  test('away, watch and the desk notifications, by keyboard, accessible', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await signIn(ctx, email);
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    assert.equal(await page.isChecked('#f-away'), false, 'available at first');
    assert.equal(await page.isChecked('#f-watch-teams'), true, 'watching their teams at first');
    assert.equal(await page.isChecked('#f-notify-mention'), true, 'mentions email them at first');
    await record(page, 'account', '/account (staff)');

    // Keyboard only: Tab to "I am away", Space; arrows move the watch radio.
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-away');
    }
    assert.ok(reached, 'Tab reaches "I am away"');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-watch-teams', 'then the watch choice');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-watch-all');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-notify-new_ticket', 'then the desk events');
    await page.keyboard.press('Space');
    let onSave = false;
    for (let i = 0; i < 15 && !onSave; i++) {
      await page.keyboard.press('Tab');
      onSave = await page.evaluate(() => document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Save profile');
    }
    assert.ok(onSave, 'Tab reaches Save profile');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/account\?done=profile$/);
    assert.equal(await page.isChecked('#f-away'), true);
    assert.equal(await page.isChecked('#f-watch-all'), true);
    assert.equal(await page.isChecked('#f-notify-new_ticket'), false);
    assert.equal(sql(`SELECT (away_since IS NOT NULL) || '|' || (preferences->>'watch') || '|' || (preferences->'notify'->>'new_ticket') FROM users WHERE id = ${quote(userId)}`),
      'true|all|false');
    await record(page, 'saved', '/account (staff) after saving');
    await ctx.close();
  });

  test('the same without JavaScript', async () => {
    const ctx = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    const page = await signIn(ctx, email);
    await page.goto(`${BASE_URL}/account`, { waitUntil: 'load' });
    await page.uncheck('#f-away');
    await page.check('#f-watch-none');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#profile button[type="submit"]')]);
    assert.match(page.url(), /\/account\?done=profile$/);
    assert.equal(sql(`SELECT (away_since IS NULL) || '|' || (preferences->>'watch') FROM users WHERE id = ${quote(userId)}`),
      'true|none');
    await shot(page, 'nojs-1280');
    await ctx.close();
  });
});
