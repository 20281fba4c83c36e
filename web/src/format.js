// SPDX-License-Identifier: GPL-2.0-only
// Numbers and times as people read them.
const units = ['', 'k', 'M', 'G', 'T', 'P'];

export function si(n, unit = '') {
	if (n == null || Number.isNaN(n))
		return '—';
	let i = 0;
	while (Math.abs(n) >= 1000 && i < units.length - 1) {
		n /= 1000;
		i++;
	}
	const a = Math.abs(n);
	const digits = a === 0 || a >= 100 || (i === 0 && Number.isInteger(n)) ? 0 : a >= 10 ? 1 : 2;
	return `${n.toFixed(digits)} ${units[i]}${unit}`.trim();
}

export function bytes(n) {
	if (n == null)
		return '—';
	const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < u.length - 1) {
		n /= 1024;
		i++;
	}
	return `${i ? n.toFixed(1) : n} ${u[i]}`;
}

export function duration(s) {
	if (s == null)
		return '—';
	s = Math.max(0, Math.round(s));
	if (s < 60)
		return `${s} s`;
	if (s < 3600)
		return `${Math.floor(s / 60)} min ${s % 60} s`;
	if (s < 86400)
		return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
	return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

// "2026-11-25T23:24:06.123456+0000" (the agent's eve timestamps) to a Date.
export function parseTime(ts) {
	if (!ts)
		return null;
	const d = new Date(ts.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
	return Number.isNaN(d.getTime()) ? null : d;
}

export function clock(ts) {
	const d = ts instanceof Date ? ts : parseTime(ts);
	return d ? d.toLocaleTimeString([], { hour12: false }) : '—';
}

export function stamp(ts) {
	const d = ts instanceof Date ? ts : parseTime(ts);
	if (!d)
		return '—';
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${d.toLocaleTimeString([], { hour12: false })}`;
}

export const plural = (n, word, many = word + 's') => `${n} ${n === 1 ? word : many}`;
