// A new deployment reaches people who have the site cached: deploy v1, visit, deploy v2 (a changed
// page and module) into the same folder, reload: the page offers the new version, shows v1 until
// it is taken (never a mix of the two), then v2, online and offline; only this deployment's old
// caches are deleted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, root, screenshot } from './browser.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-deploy-'));
const site = path.join(tmp, 'site');
const assemble = (web) => execFileSync(process.execPath, ['tools/assemble-site.mjs', '--web', web, '--out', site], { cwd: root });

let env;
before(async () => {
  assemble(path.join(root, 'web'));
  process.env.NEUROAI_SITE = site;  // launch() serves this folder; the server reads each file when asked
  env = await launch({ gpu: false });
});
after(async () => {
  await env?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The deployed version as the page shows it: its HTML and one of its modules. */
const shown = (page) => page.evaluate(() => `${document.querySelector('h1').textContent} / ${document.documentElement.dataset.deployment ?? 'v1'}`);

test('a new deployment is offered with a reload banner, then shown, online and offline', { timeout: 180000 }, async () => {
  const context = await env.browser.newContext();  // two tabs of one browser profile
  const problems = [];
  context.on('weberror', (e) => problems.push(e.error().message));
  context.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  const page = await context.newPage();
  await page.goto(`${env.url}glossary.html`);
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready) && navigator.serviceWorker.controller, null, { timeout: 60000 });
  // Caches of others on this origin: another deployment (another path) and a name from before
  // names carried the scope (not holding this deployment's files), and one that does.
  await page.evaluate(async () => {
    await caches.open(`neuroai ${new URL('/elsewhere/', location.href)} 0123456789abcdef`);
    await caches.open('neuroai-0123456789abcdef');
    await (await caches.open('neuroai-fedcba9876543210')).put(new URL('precache.json', location.href).href, new Response('{}'));
  });
  const v1Caches = await page.evaluate(() => caches.keys());
  // The whole site kept (the footer's button): the new version keeps the whole site too.
  await page.click('button.offline-all');
  await page.waitForFunction(() => document.querySelector('.offline-status')?.textContent === 'The whole site works offline now.', null, { timeout: 60000 });

  const web2 = path.join(tmp, 'web');
  fs.cpSync(path.join(root, 'web'), web2, { recursive: true });
  const edit = (file, from, to) => fs.writeFileSync(path.join(web2, file), fs.readFileSync(path.join(web2, file), 'utf8').replace(from, to));
  edit('glossary.html', '<h1>Glossary</h1>', '<h1>Glossary v2</h1>');
  edit('js/pages/glossary.js', "renderNav('glossary');", "renderNav('glossary');\ndocument.documentElement.dataset.deployment = 'v2';");
  assemble(web2);

  await page.reload();
  const banner = page.getByRole('complementary', { name: 'Site update' });
  await banner.getByRole('status').filter({ hasText: 'A new version is available' }).waitFor({ timeout: 60000 });
  assert.equal(await shown(page), 'Glossary / v1', 'the running version until the new one is taken');
  await screenshot(page, 'update-banner');
  const tab = await context.newPage();
  await tab.goto(`${env.url}glossary.html`);
  assert.equal(await shown(tab), 'Glossary / v1', 'a new tab too');

  await Promise.all([page.waitForEvent('load'), tab.waitForEvent('load'), banner.getByRole('button', { name: 'Reload' }).click()]);
  await page.waitForSelector('#glossary-list dt');
  assert.equal(await shown(page), 'Glossary v2 / v2');
  assert.equal(await shown(tab), 'Glossary v2 / v2', 'the other tab reloads too');
  assert.equal(await page.$('.update-banner'), null);

  const keys = await page.evaluate(() => caches.keys());
  const ours = (names) => names.filter((k) => k.startsWith(`neuroai ${env.url} `));
  const { version } = JSON.parse(fs.readFileSync(path.join(site, 'precache.json'), 'utf8'));
  assert.deepEqual(ours(keys), [`neuroai ${env.url} ${version}`], 'one cache for this deployment: v2');
  assert.notDeepEqual(ours(v1Caches), ours(keys));
  assert.deepEqual(keys.filter((k) => !ours([k]).length).sort(),
    [`neuroai ${new URL('/elsewhere/', env.url)} 0123456789abcdef`, 'neuroai-0123456789abcdef'].sort(), 'other deployments\' caches are kept');

  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('#glossary-list dt');
  assert.equal(await shown(page), 'Glossary v2 / v2');
  await page.goto(`${env.url}embed.html?study=spiral`);
  await page.waitForSelector('#embed button.primary:not([disabled])', { timeout: 60000 });  // its worker and wasm, offline
  assert.deepEqual(problems, []);
  await context.close();
});
