// SPDX-License-Identifier: GPL-2.0-only
// Pieces every page uses: states as badges, "why is this empty" notes, errors with
// their retry, cards and tables.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

const STATE_CLASS = {
	running: 'good', ok: 'good', up: 'good', yes: 'good', established: 'good',
	allow: 'good', allowed: 'good',
	'not configured': 'muted', disabled: 'muted', none: 'muted', 'not loaded': 'warn',
	degraded: 'warn', 'not supported': 'warn', inspect: 'info', stale: 'warn',
	error: 'bad', deny: 'bad', block: 'bad', blocked: 'bad', no: 'bad', down: 'bad',
};

export function Badge({ state, label }) {
	const s = String(state ?? 'unknown');
	return html`<span class=${'badge ' + (STATE_CLASS[s.toLowerCase()] || 'muted')}>${label ?? s}</span>`;
}

// Where there is no data, say why and what makes it appear.
export function Empty({ title, children }) {
	return html`<div class="empty"><p class="empty-title">${title}</p>${children && html`<p>${children}</p>`}</div>`;
}

export function useNow(ms = 1000) {
	const [now, set] = useState(Date.now());
	useEffect(() => {
		const t = setInterval(() => set(Date.now()), ms);
		return () => clearInterval(t);
	}, [ms]);
	return now;
}

export function Retry({ at }) {
	const now = useNow(500);
	if (!at)
		return null;
	const s = Math.max(0, Math.ceil((at - now) / 1000));
	return html`<span>${s ? ` Retrying in ${s} s.` : ' Retrying now.'}</span>`;
}

// An error of a request: what went wrong, and when it is tried again.
export function ErrorNote({ error, retryAt }) {
	if (!error || error.kind === 'unauthorized')
		return null;
	return html`<div class="note bad" role="alert">
		<strong>${error.kind === 'unreachable' ? 'ztosd is not reachable. ' : 'The request failed. '}</strong>
		${error.message}<${Retry} at=${retryAt} /></div>`;
}

export function Card({ title, id, children, actions }) {
	return html`<section class="card" aria-labelledby=${id}>
		<div class="card-head"><h2 id=${id}>${title}</h2>${actions}</div>
		${children}
	</section>`;
}

// A table with a caption (screen readers name it) and header cells with scope.
export function Table({ caption, head, rows, id, hideCaption = true }) {
	return html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby=${id}>
		<table>
			<caption id=${id} class=${hideCaption ? 'sr-only' : ''}>${caption}</caption>
			<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
			<tbody>${rows}</tbody>
		</table>
	</div>`;
}

export function KeyValues({ items }) {
	return html`<dl class="kv">${items.filter(Boolean).map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

// Where the subsystem is "not loaded" / "error": its reason, as the agent gives it.
export function StateNote({ name, sub }) {
	if (!sub || sub.state === 'running')
		return null;
	return html`<p class="state-note"><${Badge} state=${sub.state} /> ${name}${sub.reason ? ': ' + sub.reason : ''}</p>`;
}
