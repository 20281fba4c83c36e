// SPDX-License-Identifier: GPL-2.0-only
// The dashboard in Debian's Chromium (playwright-core), against a real ztosd on the lab
// of tests/web/weblab.sh, with real traffic. Run by dashboard-test.sh, inside the
// agent's network namespace; prints TAP (node --test --test-reporter=tap).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const AXE = require.resolve('axe-core/axe.min.js');

const env = (k) => {
	if (!process.env[k])
		throw new Error(`${k} is not set: run tests/web/dashboard-test.sh`);
	return process.env[k];
};
const URL0 = env('ZW_URL'), TOKEN = env('ZW_TOKEN'), SOCK = env('ZW_SOCK'), ZTOS = env('ZTOS');
const SHOTS = env('ZW_SHOTS'), LAB = env('LAB_P');
const WAIT = { timeout: 15000 };

let browser, ctx, page;
const errors = [];
let agentPid = Number(env('ZW_AGENT_PID'));
let restarted = null;

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });
const network = () => JSON.parse(sh(ZTOS, ['--socket', SOCK, 'network', 'show', '--json']));
// A request with the drop rule's signature, from the workload across VXLAN. The rule
// blocks the flow, so curl may not get its answer: its exit code says nothing here.
const evil = () => spawnSync('ip', ['netns', 'exec', `${LAB}-wa`, 'curl', '-s', '-m', '2', '-o', '/dev/null',
	'-H', 'X-Evil: yes', 'http://10.100.0.2/evil']);

async function shot(name) {
	await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function signIn(p, token) {
	await p.goto(URL0 + '/');
	await p.getByLabel('API token').fill(token);
	await p.getByRole('button', { name: 'Sign in' }).click();
}

before(async () => {
	fs.mkdirSync(SHOTS, { recursive: true });
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
	});
	ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
	page = await ctx.newPage();
	page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
	page.on('pageerror', (e) => errors.push(String(e)));
});

after(async () => {
	await browser?.close();
	if (restarted) {
		restarted.kill('SIGTERM');
		await new Promise((r) => restarted.once('exit', r));
	}
});

test('the page loads without a token; a malformed token is refused before it is sent', async () => {
	await page.goto(URL0 + '/');
	await page.getByRole('heading', { name: 'Sign in to ztos' }).waitFor(WAIT);
	await page.getByLabel('API token').fill('not-a-token');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByText('is 64 lower-case hexadecimal digits').waitFor(WAIT);
});

test('a wrong token shows a clear message, and the token is not kept', async () => {
	await signIn(page, '0'.repeat(64));
	await page.getByText('ztosd refused the token (401)').waitFor(WAIT);
	await shot('0-login-wrong-token');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('ztos.token')), null);
	assert.ok(!page.url().includes('0000'), 'the token is never in the URL');
});

test('the right token signs in (kept in sessionStorage, not in the URL)', async () => {
	errors.length = 0;
	await signIn(page, TOKEN);
	await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor(WAIT);
	assert.equal(await page.evaluate(() => sessionStorage.getItem('ztos.token')), TOKEN);
	assert.ok(!page.url().includes(TOKEN));
});

// Each page, loaded by its own URL: what must be on it, from the lab's real state.
const PAGES = [
	['/', 'Dashboard', async () => {
		await page.getByRole('row', { name: /datapath running/ }).waitFor(WAIT);
		await page.getByRole('figure', { name: 'Throughput per tenant' }).locator('canvas').first().waitFor(WAIT);
	}],
	['/network', 'Network', async () => {
		await page.getByRole('row', { name: /^blue 100 192\.0\.2\.2 static/ }).waitFor(WAIT);
		await page.getByText('BGP is not configured on this agent').waitFor(WAIT);
	}],
	['/security', 'Security', async () => {
		await page.getByRole('row', { name: /^host-b .*no handshake yet/ }).waitFor(WAIT);
		await page.getByRole('row', { name: /^macsec no kernel has no MACsec support/ }).waitFor(WAIT);
	}],
	['/flows', 'Flows', async () => {
		await page.getByRole('row', { name: /10\.100\.0\.2:80/ }).first().waitFor(WAIT);
	}],
	['/alerts', 'Alerts', async () => {
		await page.getByText('Live: alerts appear as they happen').waitFor(WAIT);
	}],
	['/topology', 'Topology', async () => {
		await page.getByRole('img', { name: 'Topology graph' }).waitFor(WAIT);
		await page.getByRole('row', { name: /^blue host-b 192\.0\.2\.2:51821 · WireGuard peer, VTEP \(static\) VXLAN VNI 100 none/ }).waitFor(WAIT);
	}],
];

PAGES.forEach(([path, title, check], i) => {
	test(`${title} (${path}) loads with no console error and shows the lab's state`, async () => {
		errors.length = 0;
		await page.goto(URL0 + path);
		await page.getByRole('heading', { name: title, level: 1 }).waitFor(WAIT);
		await check();
		await shot(`${i + 1}-${title.toLowerCase()}`);
		assert.deepEqual(errors, [], 'console errors');
		assert.equal(await page.title(), `${title} · ztos`);
	});
});

test('adding a tenant through the form: dry-run diff, then in the API and in the kernel', async () => {
	await page.goto(URL0 + '/network');
	await page.getByRole('button', { name: 'Add a tenant' }).click();
	await page.getByLabel('Name').fill('green');
	await page.getByLabel('VNI', { exact: true }).fill('300');
	await page.getByLabel('Remote VTEPs').fill('192.0.2.2, 192.0.2.3');
	await page.getByLabel('Subnets').fill('10.30.0.0/24');
	await page.getByRole('button', { name: 'Preview changes' }).click();
	await page.locator('ul.diff li', { hasText: 'add tenant green (vni 300)' }).waitFor(WAIT);
	await shot('7-network-dry-run');
	assert.ok(!network().tenants.some((t) => t.name === 'green'), 'the dry run applied nothing');
	await page.getByRole('button', { name: 'Apply', exact: true }).click();
	await page.getByText(/Applied: add tenant green/).waitFor(WAIT);
	const t = network().tenants.find((x) => x.name === 'green');
	assert.ok(t, 'ztos network show --json has tenant green');
	assert.equal(t.vni, 300);
	assert.deepEqual(t.vteps, ['192.0.2.2', '192.0.2.3']);
	const link = JSON.parse(sh('ip', ['-n', `${LAB}-a`, '-j', '-d', 'link', 'show', 'ztvx300']))[0];
	assert.equal(link.linkinfo.info_kind, 'vxlan');
	assert.equal(link.linkinfo.info_data.id, 300);
	await page.getByRole('row', { name: /^green 300/ }).waitFor(WAIT);
});

test('an invalid VNI shows the agent\'s error at the field and applies nothing', async () => {
	const before = network();
	await page.getByRole('button', { name: 'Add a tenant' }).click();
	await page.getByLabel('Name').fill('orange');
	await page.getByLabel('VNI', { exact: true }).fill('16777216');
	await page.getByRole('button', { name: 'Preview changes' }).click();
	const err = page.locator('#t-vni-error');
	await err.waitFor(WAIT);
	assert.match(await err.innerText(), /16777216 is out of range; a VNI is 1\.\.16777215/);
	assert.equal(await page.getByLabel('VNI', { exact: true }).getAttribute('aria-invalid'), 'true');
	await page.getByText(/tenants\[\d+\]\.vni/).waitFor(WAIT);
	await shot('8-network-invalid-vni');
	assert.equal(await page.getByRole('button', { name: 'Apply', exact: true }).count(), 0, 'no Apply after an error');
	const now = network();
	assert.deepEqual(now.tenants.map((x) => x.name), before.tenants.map((x) => x.name));
	assert.equal(now.generation, before.generation, 'generation unchanged');
	assert.throws(() => sh('ip', ['-n', `${LAB}-a`, 'link', 'show', 'ztvx16777216'], { stdio: 'pipe' }));
});

test('removing a tenant through the form takes it out of the kernel', async () => {
	await page.getByRole('button', { name: 'Cancel' }).click();
	await page.getByRole('button', { name: 'Remove tenant green' }).click();
	await page.getByRole('button', { name: 'Preview removal' }).click();
	await page.locator('ul.diff li', { hasText: 'remove tenant green' }).waitFor(WAIT);
	await page.getByRole('button', { name: 'Remove green' }).click();
	await page.getByText(/Applied: remove tenant green/).waitFor(WAIT);
	assert.ok(!network().tenants.some((t) => t.name === 'green'));
	assert.throws(() => sh('ip', ['-n', `${LAB}-a`, 'link', 'show', 'ztvx300'], { stdio: 'pipe' }));
});

test('the BGP peer form: each of the agent\'s errors at its field, nothing applied', async () => {
	const before = network();
	await page.getByRole('button', { name: 'Add a BGP peer' }).click();
	await page.getByLabel('Peer address').fill('10.1.1.1');
	await page.getByLabel('Peer AS number').fill('70000000000');
	await page.getByRole('button', { name: 'Preview changes' }).click();
	await page.locator('#b-peer-asn-error').waitFor(WAIT);
	assert.match(await page.locator('#b-peer-asn-error').innerText(), /70000000000 is out of range/);
	assert.match(await page.locator('#b-asn-error').innerText(), /missing; add this host's AS number/);
	assert.match(await page.locator('#b-rid-error').innerText(), /missing; add a router ID/);
	assert.deepEqual(network().bgp, before.bgp, 'nothing applied');
	await page.getByLabel('This host\'s AS number').fill('64512');
	await page.getByLabel('Router ID').fill('192.0.2.1');
	await page.getByLabel('Peer AS number').fill('64512');
	await page.getByRole('button', { name: 'Preview changes' }).click();
	await page.locator('ul.diff li').first().waitFor(WAIT);
	assert.match(await page.locator('ul.diff').innerText(), /bgp/);
	assert.deepEqual(network().bgp, before.bgp, 'a dry run applies nothing');
});

test('the flows filter narrows the table and is kept in the URL', async () => {
	await page.goto(URL0 + '/flows');
	const rows = page.locator('table tbody tr');
	await rows.first().waitFor(WAIT);
	const all = await rows.count();
	await page.getByLabel('Port').fill('80');
	await page.waitForFunction((n) => document.querySelectorAll('table tbody tr').length < n, all, WAIT);
	const texts = await rows.allInnerTexts();
	assert.ok(texts.length > 0 && texts.length < all, `${texts.length} of ${all} rows`);
	assert.ok(texts.every((r) => /:80\b/.test(r)), 'every row has port 80');
	assert.match(page.url(), /[?&]port=80\b/);
	await page.getByLabel('Protocol').selectOption('ICMP');
	await page.getByText('No flow matches the filters').waitFor(WAIT);
	await page.goto(URL0 + '/flows?proto=ICMP&addr=10.100.0.0%2F24');
	await rows.first().waitFor(WAIT);
	const icmp = await rows.allInnerTexts();
	assert.ok(icmp.length > 0 && icmp.every((r) => /ICMP/.test(r) && /10\.100\.0\./.test(r)), 'the shared URL filters the same');
	assert.equal(await page.getByLabel('Address or CIDR').inputValue(), '10.100.0.0/24');
});

test('flows: pause stops the live updates; export gives the rows shown as CSV and JSON', async () => {
	await page.getByRole('button', { name: 'Pause live updates' }).click();
	await page.getByText(/Paused: as of/).waitFor(WAIT);
	const [csvDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
	const csv = fs.readFileSync(await csvDl.path(), 'utf8').trim().split('\n');
	assert.match(csv[0], /^flow_id,tenant,vni,verdict,proto,src_ip/);
	assert.equal(csv.length - 1, await page.locator('table tbody tr').count());
	const [jsonDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
	const json = JSON.parse(fs.readFileSync(await jsonDl.path(), 'utf8'));
	assert.ok(json.length > 0 && json.every((f) => f.proto === 'ICMP'));
	await page.getByRole('button', { name: 'Resume live updates' }).click();
	await page.getByText(/Live, every 2 s/).waitFor(WAIT);
});

test('flows: a page at a time; Next page goes on after the page\'s last flow, Previous comes back', async () => {
	await page.goto(URL0 + '/flows?limit=2');
	// A flow as its protocol, source and destination (the times in a row change as it lives).
	const flows = () => page.evaluate(() => [...document.querySelectorAll('table tbody tr')].map((r) =>
		[2, 3, 4].map((i) => r.cells[i].innerText).join(' ')));
	await page.getByText(/page 1, 2 flows a page in key order, more on the next/).waitFor(WAIT);
	const first = await flows();
	assert.equal(first.length, 2);
	await page.getByRole('button', { name: 'Next page' }).click();
	await page.getByText(/page 2, 2 flows a page/).waitFor(WAIT);
	await page.waitForFunction((a) => {
		const r = [...document.querySelectorAll('table tbody tr')];
		return r.length > 0 && r.every((x) => !a.includes([2, 3, 4].map((i) => x.cells[i].innerText).join(' ')));
	}, first, WAIT);
	const second = await flows();
	assert.ok(second.length >= 1 && second.every((r) => !first.includes(r)), 'page 2 shares no flow with page 1');
	await page.getByRole('button', { name: 'Previous page' }).click();
	await page.getByText(/page 1, 2 flows a page/).waitFor(WAIT);
	assert.ok(await page.getByRole('button', { name: 'Previous page' }).isDisabled());
	await page.goto(URL0 + '/flows');
});

test('live updates stop while the tab is hidden and start again when it is shown', async () => {
	await page.goto(URL0 + '/flows');
	await page.locator('table tbody tr').first().waitFor(WAIT);
	const seen = [];
	const count = (r) => r.url().includes('/api/v1/') && seen.push(r.url());
	page.on('request', count);
	const setHidden = (h) => page.evaluate((hidden) => {
		Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
	}, h);
	await setHidden(true);
	seen.length = 0;
	// What is checked is an absence, which only a window of time can show: two periods
	// of the flow table's 2 s polling. A slow machine cannot make it fail.
	await page.waitForTimeout(4500);
	const hidden = seen.length;
	await setHidden(false);
	await page.waitForRequest((r) => r.url().includes('/api/v1/flows'), WAIT);
	page.off('request', count);
	assert.equal(hidden, 0, `requests while hidden: ${hidden}`);
});

test('a signature sent through the lab appears on the Alerts page without a reload', async () => {
	await page.goto(URL0 + '/alerts');
	await page.getByText('Live: alerts appear as they happen').waitFor(WAIT);
	await page.evaluate(() => { window.notReloaded = true; });
	const rows = page.locator('table tbody tr');
	const n = await rows.count();
	evil();
	await page.waitForFunction((k) => document.querySelectorAll('table tbody tr').length > k, n, WAIT);
	const first = await rows.first().innerText();
	assert.match(first, /ztos web test: evil header/);
	assert.match(first, /9100001/);
	assert.match(first, /10\.100\.0\.10:\d+ → 10\.100\.0\.2:80 TCP/);
	assert.match(first, /blocked the flow/);
	assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
	await shot('9-alerts-live');
});

test('alerts: the sid filter (in the URL) keeps only that rule', async () => {
	await page.goto(URL0 + '/alerts?sid=9100002');
	await page.getByText('No alert matches the filter').waitFor(WAIT);
	await page.getByLabel('Signature ID (sid)').fill('9100001');
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await page.locator('table tbody tr').first().waitFor(WAIT);
	assert.match(page.url(), /sid=9100001/);
	const texts = await page.locator('table tbody tr').allInnerTexts();
	assert.ok(texts.every((r) => r.includes('9100001')));
});

test('no axe-core violations (WCAG 2 A/AA) on any page', async () => {
	// axe is injected as a script: this one context lets it past the page's CSP.
	const actx = await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true });
	const p = await actx.newPage();
	await signIn(p, TOKEN);
	await p.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor(WAIT);
	const found = [];
	for (const [path, title, check] of PAGES) {
		await p.goto(URL0 + path);
		await p.getByRole('heading', { name: title, level: 1 }).waitFor(WAIT);
		const keep = page;
		page = p;
		await check().finally(() => { page = keep; });
		await p.addScriptTag({ path: AXE });
		const r = await p.evaluate(() => window.axe.run(document, {
			runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
		}));
		for (const v of r.violations)
			found.push(`${path}: ${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join('; ')}`);
	}
	await actx.close();
	assert.deepEqual(found, []);
});

test('keyboard: the pages are reached with Tab and Enter, and focus moves to the page', async () => {
	await page.goto(URL0 + '/');
	await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor(WAIT);
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the page');
	let tabs = 0;
	while (tabs++ < 10 && await page.evaluate(() => document.activeElement.textContent) !== 'Flows')
		await page.keyboard.press('Tab');
	await page.keyboard.press('Enter');
	await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor(WAIT);
	// The focus moves in an effect, after the page is painted: wait for it, then say where it is.
	await page.waitForFunction(() => document.activeElement?.id === 'main', null, WAIT).catch(() => {});
	assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});

test('the agent restarting: the page says so, retries, and the alert stream comes back', async () => {
	await page.goto(URL0 + '/alerts');
	await page.getByText('Live: alerts appear as they happen').waitFor(WAIT);
	const before = await page.locator('table tbody tr').count();
	process.kill(agentPid, 'SIGTERM');
	await page.getByText('The alert stream dropped').waitFor(WAIT);
	await page.getByText(/Retrying in \d+ s/).first().waitFor(WAIT);
	await page.getByText(/ztosd does not answer at 127\.0\.0\.1:\d+ \(restarting, or stopped\?\)/).first().waitFor(WAIT);
	await shot('10-agent-restarting');
	const log = fs.openSync(`${env('ZW_WORK')}/ztosd.log`, 'a');
	// Its single-instance lock goes with the process (a zombie until the wrapper reaps it).
	const gone = () => { try { return fs.readFileSync(`/proc/${agentPid}/stat`, 'utf8').split(') ')[1][0] === 'Z'; } catch { return true; } };
	for (let i = 0; i < 200 && !gone(); i++)
		await new Promise((r) => setTimeout(r, 50));
	assert.ok(gone(), 'the agent stopped on SIGTERM');
	restarted = spawn('nsenter', [`--net=/run/netns/${LAB}-a`, env('ZTOSD'), '--config', env('ZW_CONFIG')], { stdio: ['ignore', log, log] });
	agentPid = restarted.pid;
	fs.writeFileSync(`${env('ZW_WORK')}/agent.pid`, `${agentPid}\n`);	// for the wrapper's teardown
	await page.getByText('Live: alerts appear as they happen').waitFor({ timeout: 30000 });
	await page.getByText(/ztosd restarted at/).waitFor({ timeout: 30000 });
	evil();
	await page.waitForFunction((k) => document.querySelectorAll('table tbody tr').length > k, before, WAIT);
	assert.match(await page.locator('table tbody tr').first().innerText(), /evil header/);
});
