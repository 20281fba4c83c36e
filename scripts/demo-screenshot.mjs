// SPDX-License-Identifier: GPL-2.0-only
// The README's picture of the demo: the dashboard of a running `sudo make demo`, signed
// in, in Debian's Chromium (playwright-core from web/package-lock.json: scripts/web-build.sh
// --deps). Usage: node scripts/demo-screenshot.mjs URL TOKEN OUT.png
import { createRequire } from 'node:module';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [url, token, out] = process.argv.slice(2);
if (!out) {
	console.error('usage: node scripts/demo-screenshot.mjs URL TOKEN OUT.png');
	process.exit(2);
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
	const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
	await page.goto(url);
	await page.getByLabel('API token').fill(token);
	await page.getByRole('button', { name: 'Sign in' }).click();
	// the dashboard's numbers come from polls: wait until the charts have some points
	await page.waitForLoadState('networkidle').catch(() => {});
	await page.waitForTimeout(Number(process.env.SHOT_WAIT_MS || 8000));
	await page.screenshot({ path: out });
} finally {
	await browser.close();
}
