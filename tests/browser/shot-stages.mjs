import { chromium } from 'playwright-core';
import fs from 'node:fs';
const base = 'http://127.0.0.1:28111';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const axeSrc = fs.readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
for (const width of [360, 1280]) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(base + '/login');
  await page.fill('#f-email, input[name=email]', 'staff2@scale-org-30.example');
  await page.fill('input[name=password]', 'demo-password-123');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  const t0 = Date.now();
  const resp = await page.goto(base + '/desk/reports/stages?from=2026-09-03&to=2026-12-01');
  console.log(width, resp.status(), Date.now() - t0, 'ms');
  await page.screenshot({ path: `/tmp/stages-${width}.png`, fullPage: true });
  await page.evaluate(axeSrc);
  const r = await page.evaluate(async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa'] } })).violations.map(v => v.id + ': ' + v.nodes.length));
  console.log('axe', r);
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  console.log('scrollWidth', sw);
  await ctx.close();
}
await browser.close();
