// SPDX-License-Identifier: GPL-2.0-only
// The dashboard's time series: /api/v1/monitoring/metrics sampled every 5 s while the
// tab is visible, the last 10 minutes kept in memory (the agent keeps counters, not
// history; Grafana over /metrics is the place for longer). Rates come from the
// differences between samples; a counter that went down (the agent restarted) starts
// its series again.
import { useEffect, useState } from 'preact/hooks';
import { api, backoff } from './api.js';

export const PERIOD_MS = 5000;
const KEEP = 120;
const samples = [];	// {t: seconds, m: {family: [{labels, value}]}}
const listeners = new Set();
let timer = null, fails = 0, running = false;

async function take() {
	clearTimeout(timer);
	if (!running || document.hidden)
		return;
	try {
		const j = await api('/api/v1/monitoring/metrics');
		const m = {};
		for (const f of j.metrics)
			m[f.name] = f.samples;
		samples.push({ t: Date.now() / 1000, m });
		if (samples.length > KEEP)
			samples.shift();
		fails = 0;
		listeners.forEach((f) => f(samples.length));
	} catch {
		fails++;
	}
	if (running)
		timer = setTimeout(take, fails ? backoff(fails) : PERIOD_MS);
}

const onVisible = () => (document.hidden ? clearTimeout(timer) : take());

export function startSampler() {
	if (running)
		return;
	running = true;
	document.addEventListener('visibilitychange', onVisible);
	take();
}

export function stopSampler() {
	running = false;
	clearTimeout(timer);
	samples.length = 0;
	document.removeEventListener('visibilitychange', onVisible);
}

export function useSamples() {
	const [, set] = useState(0);
	useEffect(() => {
		listeners.add(set);
		return () => listeners.delete(set);
	}, []);
	return samples;
}

// rates(samples, family, label): {x: [t...], series: {labelValue: [rate|null ...]}}
// per second, one point per interval between two samples.
export function rates(list, family, label, scale = 1) {
	const x = [], series = {};
	for (let i = 1; i < list.length; i++) {
		const a = list[i - 1], b = list[i], dt = b.t - a.t;
		x.push(b.t);
		const prev = new Map((a.m[family] || []).map((s) => [s.labels[label] ?? '', s.value]));
		for (const s of b.m[family] || []) {
			const k = s.labels[label] ?? '';
			if (!series[k])
				series[k] = new Array(x.length - 1).fill(null);
			const p = prev.get(k);
			series[k].push(p == null || s.value < p || dt <= 0 ? null : ((s.value - p) / dt) * scale);
		}
		for (const k of Object.keys(series))
			if (series[k].length < x.length)
				series[k].push(null);
	}
	return { x, series };
}
