// SPDX-License-Identifier: GPL-2.0-only
// Alerts: DPI alerts as they arrive, over the event stream (SSE read with fetch(), so
// the bearer token goes in a header), newest first, filtered by sid and tenant (kept in
// the URL). The stream stops while the tab is hidden and picks up what it missed.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, follow } from '../api.js';
import { stamp } from '../format.js';
import { useQuery } from '../router.js';
import { Badge, Card, Empty, ErrorNote, Retry, Table } from '../ui.js';

const KEEP = 500;
const keyOf = (a) => `${a.timestamp}|${a.flow_id}|${a.alert?.signature_id}`;

function useAlerts(sid, tenant) {
	const [alerts, setAlerts] = useState([]);
	const [stream, setStream] = useState({ state: 'connecting' });
	const [error, setError] = useState(null);
	const [dpi, setDpi] = useState(null);
	const seen = useRef(new Set());

	useEffect(() => {
		const ctrl = new AbortController();
		let last = null;
		seen.current = new Set();
		setAlerts([]);
		const matches = (a) => a.event_type === 'alert' && (!sid || String(a.alert?.signature_id) === sid) && (!tenant || a.tenant === tenant);
		const add = (list) => {
			const fresh = list.filter((a) => matches(a) && !seen.current.has(keyOf(a)));
			if (!fresh.length)
				return;
			fresh.forEach((a) => seen.current.add(keyOf(a)));
			setAlerts((old) => [...fresh.reverse(), ...old].slice(0, KEEP));
		};
		const start = () => {
			follow('/api/v1/monitoring/logs?follow=1&event_type=alert', {
				signal: ctrl.signal, since: last,
				onEvent: (ev) => { last = ev.timestamp || last; add([ev]); },
				onState: setStream,
			});
		};
		// The stream first, then what came before it: an alert in between is in both, once.
		start();
		const qs = new URLSearchParams({ limit: '200' });
		if (sid)
			qs.set('sid', sid);
		if (tenant)
			qs.set('tenant', tenant);
		api('/api/v1/alerts?' + qs, { signal: ctrl.signal }).then((r) => {
			setError(null);
			setDpi(r.dpi || null);
			if (r.alerts) {
				add(r.alerts);
				if (r.alerts.length && !last)
					last = r.alerts[r.alerts.length - 1].timestamp;
			}
		}).catch((e) => e.name !== 'AbortError' && setError(e));
		return () => ctrl.abort();
	}, [sid, tenant]);
	return { alerts, stream, error, dpi };
}

// Mounted only while the tab is visible: hiding it closes the stream.
function useVisible() {
	const [v, set] = useState(!document.hidden);
	useEffect(() => {
		const f = () => set(!document.hidden);
		document.addEventListener('visibilitychange', f);
		return () => document.removeEventListener('visibilitychange', f);
	}, []);
	return v;
}

function StreamState({ s }) {
	if (s.state === 'live')
		return html`<p class="live" role="status"><span class="dot" aria-hidden="true"></span> Live: alerts appear as they happen.</p>`;
	if (s.state === 'reconnecting')
		return html`<p class="note warn" role="status">The alert stream dropped (${s.reason}).<${Retry} at=${s.retryAt} /> Alerts raised meanwhile are fetched when it is back.</p>`;
	return html`<p role="status" class="dim">Connecting to the alert stream…</p>`;
}

function Live({ sid, tenant }) {
	const { alerts, stream, error, dpi } = useAlerts(sid, tenant);
	const rows = alerts.map((a) => html`<tr>
		<td>${stamp(a.timestamp)}</td>
		<td>${a.alert.signature}<br /><span class="dim">${a.alert.category || ''}</span></td>
		<td class="num">${a.alert.signature_id}</td>
		<td class="num">${a.alert.severity}</td>
		<td class="mono">${a.src_ip}${a.src_port ? `:${a.src_port}` : ''} → ${a.dest_ip}${a.dest_port ? `:${a.dest_port}` : ''} ${a.proto}<br /><span class="dim">flow ${a.flow_id}</span></td>
		<td>${a.tenant || `VNI ${a.vni}`}</td>
		<td><${Badge} state=${a.alert.action} label=${a.alert.action === 'blocked' ? 'blocked the flow' : 'allowed'} /></td>
	</tr>`);
	return html`<${ErrorNote} error=${error} />
		<${StreamState} s=${stream} />
		${alerts.length ? html`<${Table} id="alerts-caption" caption="DPI alerts, newest first" head=${['Time', 'Rule', 'SID', 'Severity', 'Flow', 'Tenant', 'Action']} rows=${rows} />`
			: dpi ? html`<${Empty} title="DPI is not running on this agent">It is ${dpi.state}${dpi.reason ? ': ' + dpi.reason : ''}. Alerts come from the DPI engine: set dpi.enabled and give a tenant's policy an inspect rule.</${Empty}>`
			: html`<${Empty} title=${sid || tenant ? 'No alert matches the filter' : 'No alerts yet'}>${sid || tenant ? 'No alert with this sid or tenant since the agent started; clear the filter to see all.'
				: 'DPI scans the flows a tenant\'s policy marks inspect; an alert appears here, without reloading, when one matches a rule.'}</${Empty}>`}`;
}

export function Alerts() {
	const [f, setF] = useQuery(['sid', 'tenant']);
	const [sid, setSid] = useState(f.sid);
	const [tenant, setTenant] = useState(f.tenant);
	const visible = useVisible();
	const sidBad = sid && !/^\d+$/.test(sid.trim());
	const submit = (e) => {
		e.preventDefault();
		if (!sidBad)
			setF({ sid: sid.trim(), tenant: tenant.trim() });
	};
	return html`<h1>Alerts</h1>
		<${Card} id="af-h" title="Filters">
			<form class="filters" role="search" aria-label="Filter alerts" onSubmit=${submit}>
				<div class=${'field' + (sidBad ? ' invalid' : '')}><label for="a-sid">Signature ID (sid)</label>
					<input id="a-sid" value=${sid} inputmode="numeric" onInput=${(e) => setSid(e.target.value)} aria-invalid=${sidBad ? 'true' : 'false'} aria-describedby=${sidBad ? 'a-sid-error' : undefined} />
					${sidBad && html`<p id="a-sid-error" class="field-error">A sid is a number, as in the rule's sid: keyword.</p>`}</div>
				<div class="field"><label for="a-tenant">Tenant</label>
					<input id="a-tenant" value=${tenant} onInput=${(e) => setTenant(e.target.value)} /></div>
				<div class="buttons"><button type="submit">Apply filters</button>
					${(f.sid || f.tenant) && html`<button type="button" class="link" onClick=${() => { setSid(''); setTenant(''); setF({ sid: '', tenant: '' }); }}>Clear</button>`}</div>
			</form>
		</${Card}>
		<${Card} id="al-h" title="Alerts">
			${visible ? html`<${Live} sid=${f.sid} tenant=${f.tenant} />` : html`<p role="status">Paused while this tab is hidden.</p>`}
		</${Card}>`;
}
