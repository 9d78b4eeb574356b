// kb.test.mjs: the knowledge base in a real browser. A platform agent
// (made with `supportdesk user add`: platform staff edit the platform's own
// help center) writes an article in Markdown with a link and a list,
// previews it, saves, publishes, edits it twice, compares versions and
// restores the first; a visitor finds it at /kb and by search, votes, and
// sees it suggested on /submit as a title is typed (scripts) and on the
// form's second step (no scripts). axe-core (WCAG 2.1 A/AA) at 1280 and
// 360 px on every page, screenshots in $BROWSER_ARTIFACTS/kb-*.png.
//
// Run through tests/browser/run.sh (scripts/test.sh's `browser` layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, RUN_ID, WIDE, addUser, goto, launch, press, quote, screenshots, signIn, sql, watch,
} from './lib.mjs';

const PASSWORD = `kb-${RUN_ID}-password`;
// A word no other test writes, so search and suggestions find this article.
const WORD = `quokka${RUN_ID.replace(/[^a-z]/g, '').slice(0, 6)}`;
const SLUG = `feed-the-${WORD}`;
const TITLE = `Feeding the ${WORD}`;

let browser;
let email;
const { bothWidths } = screenshots('kb');

before(async () => {
  browser = await launch();
  email = `kb-${RUN_ID}@example.com`;
  addUser(email, 'Kim Writer', PASSWORD, 'agent');
});

after(async () => {
  if (browser) await browser.close();
});

async function saveWith(page, content, title) {
  if (title) await page.fill('#f-title', title);
  await page.fill('#f-content', content);
  return press(page, 'button[name="action"][value="save"]', 200);
}

describe('the knowledge base', () => {
  test('a staff member writes, previews, publishes, edits twice, compares and restores', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await signIn(page, email, PASSWORD);
    await goto(page, '/desk/kb');
    await bothWidths(page, 'desk-list', '/desk/kb');

    await goto(page, '/desk/kb/new');
    await page.fill('#f-title', TITLE);
    await page.fill('#f-slug', SLUG);
    await page.fill('#f-content', `The ${WORD} eats leaves.\n\n- in the morning\n- at night\n\nSee [the guide](https://example.com/guide).\n\n<script>alert(1)</script>`);
    await press(page, 'button[name="action"][value="preview"]', 200);
    assert.equal(await page.locator('.kb-preview li').count(), 2, 'the preview shows the list');
    assert.equal(await page.locator('.kb-preview a[href="https://example.com/guide"]').count(), 1, 'and the link');
    assert.equal(await page.locator('.kb-preview script').count(), 0, 'raw HTML is text');
    assert.equal(sql(`SELECT count(*) FROM kb_articles WHERE slug = ${quote(SLUG)}`), '0', 'a preview saves nothing');
    await bothWidths(page, 'desk-preview', '/desk/kb/new with a preview');

    // A form error keeps what was typed.
    await page.fill('#f-slug', 'Not A Slug');
    await press(page, 'button[name="action"][value="save"]', 422);
    assert.equal(await page.inputValue('#f-title'), TITLE);
    await bothWidths(page, 'desk-error', '/desk/kb/new with an error');
    await page.fill('#f-slug', SLUG);
    await press(page, 'button[name="action"][value="save"]', 200);
    assert.match(page.url(), /\/desk\/kb\/articles\/[0-9a-f-]{36}\?/);
    await press(page, 'button[name="status"][value="published"]', 200);
    await saveWith(page, `The ${WORD} eats leaves and grass.\n\n- in the morning\n- at night\n`, `${TITLE} (v2)`);
    await saveWith(page, `The ${WORD} eats grass.\n\n- at night\n`, `${TITLE} (v3)`);
    await bothWidths(page, 'desk-article', 'an article on /desk/kb');

    await page.click('a[href*="/compare?from=1"]');
    await page.waitForLoadState('load');
    assert.ok(await page.locator('.kb-diff .kb-del').count() > 0, 'the diff shows removed lines');
    assert.ok(await page.locator('.kb-diff .kb-add').count() > 0, 'and added lines');
    await bothWidths(page, 'desk-compare', 'the comparison');
    await press(page, 'form[action$="/restore"] button[type="submit"]', 200);
    assert.equal(sql(`SELECT v.version_no || ':' || v.restored_from || ':' || a.title FROM kb_article_versions v
                      JOIN kb_articles a ON a.id = v.article_id WHERE a.slug = ${quote(SLUG)}
                      ORDER BY v.version_no DESC LIMIT 1`), `4:1:${TITLE}`, 'version 4 restores version 1');
    await goto(page, '/desk/kb/categories');
    await bothWidths(page, 'desk-categories', '/desk/kb/categories');
    assert.deepEqual(problems, [], 'no script, console or CSP errors');
    await ctx.close();
  });

  test('a visitor finds it, reads it and votes, without scripts too', async () => {
    for (const js of [true, false]) {
      const ctx = await browser.newContext({ viewport: WIDE, javaScriptEnabled: js });
      const page = await ctx.newPage();
      await goto(page, '/kb');
      assert.ok(await page.locator(`a[href="/kb/articles/${SLUG}"]`).count() >= 1, '/kb lists it');
      await page.fill('#kb-q', `${WORD} leaves`);
      await press(page, '.kb-search button[type="submit"]', 200);
      assert.equal(await page.locator('.kb-results mark').first().textContent(), WORD, 'the match is marked');
      await page.click(`.kb-results a[href="/kb/articles/${SLUG}"]`);
      await page.waitForLoadState('load');
      assert.equal(await page.locator('.kb-article-body li').count(), 2);
      await page.click('.kb-vote a.button:not(.secondary)');
      await page.waitForLoadState('load');
      assert.equal(await page.isChecked('#f-helpful-yes'), true, 'yes is chosen');
      await page.fill('#f-comment', js ? 'Clear, thanks' : 'Clear without scripts');
      await press(page, '.submit-form button[type="submit"]', 200);
      assert.match(await page.textContent('.notice-ok'), /recorded/);
      await ctx.close();
    }
    // axe runs in a context with scripts (it is a script).
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    await goto(page, '/kb');
    await bothWidths(page, 'home', '/kb');
    await goto(page, `/kb/search?q=${WORD}`);
    await bothWidths(page, 'search', '/kb/search');
    await goto(page, `/kb/articles/${SLUG}`);
    await bothWidths(page, 'article', 'an article page');
    await goto(page, `/kb/articles/${SLUG}/feedback?helpful=no`);
    await bothWidths(page, 'feedback', 'the vote');
    await ctx.close();
    assert.equal(sql(`SELECT helpful_count FROM kb_articles WHERE slug = ${quote(SLUG)}`), '2', 'two browsers, two votes');
  });

  test('the request form suggests it as the title is typed, and on its second step without scripts', async () => {
    const ctx = await browser.newContext({ viewport: WIDE });
    const page = await ctx.newPage();
    const problems = watch(page);
    await goto(page, '/submit');
    const type = await page.locator('#request_type option[value]:not([value=""])').first().getAttribute('value');
    assert.ok(type, 'a request type is offered');
    await page.selectOption('#request_type', type);
    await page.locator('#f-title').waitFor({ state: 'visible' });
    await page.fill('#f-title', `My ${WORD} will not eat`);
    const link = page.locator(`#kb-suggest-live a[href="/kb/articles/${SLUG}?from=submit"]`);
    await link.waitFor({ state: 'visible', timeout: 15000 });
    await bothWidths(page, 'submit-suggest', '/submit with suggestions');
    assert.deepEqual(problems, [], 'no script, console or CSP errors');
    await ctx.close();

    const nojs = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    const p2 = await nojs.newPage();
    await goto(p2, '/submit');
    await p2.selectOption('#request_type', type);
    await p2.fill('#f-pick-title', `My ${WORD} will not eat`);
    await press(p2, '#type-picker button[type="submit"]', 200);
    assert.equal(await p2.inputValue('#f-title'), `My ${WORD} will not eat`, 'the title is kept');
    assert.equal(await p2.locator(`.kb-suggest a[href="/kb/articles/${SLUG}?from=submit"]`).count(), 1,
      'the second step lists the article');
    await p2.click(`.kb-suggest a[href="/kb/articles/${SLUG}?from=submit"]`);
    await p2.waitForLoadState('load');
    await nojs.close();
    assert.equal(sql(`SELECT suggest_open_count FROM kb_articles WHERE slug = ${quote(SLUG)}`), '1',
      'the opened suggestion is counted');
    const ctx3 = await browser.newContext({ viewport: WIDE });
    const p3 = await ctx3.newPage();
    await goto(p3, `/submit?request_type=${type}&title=${encodeURIComponent(`My ${WORD} will not eat`)}`);
    await bothWidths(p3, 'submit-step-two', '/submit second step with suggestions');
    await ctx3.close();
  });
});
