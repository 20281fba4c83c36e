// SPDX-License-Identifier: GPL-2.0-only
// A time series chart (uPlot), with its values also given as text for those who cannot
// see the canvas.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { clock } from './format.js';

// Distinguishable for the common colour-vision deficiencies (Okabe-Ito), dark enough
// on white.
const COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#56b4e9', '#e69f00', '#000000'];

export function Chart({ id, title, x, series, fmt }) {
	const box = useRef(null);
	const names = Object.keys(series).sort();

	useEffect(() => {
		const el = box.current;
		if (!el || x.length < 1 || !names.length)
			return undefined;
		const opts = {
			width: Math.max(280, el.clientWidth),
			height: 180,
			// At least the last 2 minutes, from 0 up: one point or a flat line still reads.
			scales: {
				x: { time: true, auto: false, range: () => [Math.min(x[0], x[x.length - 1] - 120), x[x.length - 1]] },
				y: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] },
			},
			series: [{}, ...names.map((n, i) => ({
				label: n || 'all', stroke: COLORS[i % COLORS.length], width: 2,
				value: (u, v) => (v == null ? '—' : fmt(v)),
			}))],
			axes: [{ space: 90, values: (u, vals) => vals.map((t) => clock(new Date(t * 1000))) },
				{ values: (u, vals) => vals.map(fmt), size: 92 }],
			legend: { live: false },
			cursor: { show: false },
		};
		const plot = new uPlot(opts, [x, ...names.map((n) => series[n])], el);
		return () => plot.destroy();
	});

	const latest = names.map((n) => {
		const v = series[n].filter((y) => y != null);
		return `${n || 'all'} ${v.length ? fmt(v[v.length - 1]) : '—'}`;
	}).join(', ');
	return html`<figure class="chart" aria-labelledby=${id}>
		<figcaption id=${id}>${title}</figcaption>
		<div ref=${box} class="chart-plot"></div>
		<p class="sr-only">Latest: ${latest}</p>
	</figure>`;
}
