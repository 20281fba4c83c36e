// SPDX-License-Identifier: GPL-2.0-only
// Builds the dashboard into dist/ (or --outdir DIR): one script and one style sheet
// named by their content hash (ztosd lets browsers keep those for good), index.html
// naming them, and the files of public/. The output depends on the sources and the
// locked esbuild only (no timestamps): tests/web/bundle-test.sh rebuilds and compares.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = process.argv.indexOf('--outdir');
const outdir = path.resolve(arg > 0 ? process.argv[arg + 1] : path.join(here, 'dist'));

fs.rmSync(outdir, { recursive: true, force: true });
const result = await esbuild.build({
	absWorkingDir: here,
	entryPoints: { app: 'src/main.js' },
	entryNames: 'assets/[name]-[hash]',
	outdir,
	bundle: true,
	minify: true,
	format: 'esm',
	target: ['es2020'],
	legalComments: 'eof',
	metafile: true,
	logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) =>
	path.relative(outdir, path.resolve(here, p)).split(path.sep).join('/'));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
const html = fs.readFileSync(path.join(here, 'src/index.html'), 'utf8')
	.replace('{{app.js}}', '/' + js).replace('{{app.css}}', '/' + css);
fs.writeFileSync(path.join(outdir, 'index.html'), html);
for (const f of fs.readdirSync(path.join(here, 'public')).sort())
	fs.copyFileSync(path.join(here, 'public', f), path.join(outdir, f));
console.log(`web: built ${outputs.concat('index.html').join(', ')} in ${path.relative(process.cwd(), outdir) || '.'}`);
