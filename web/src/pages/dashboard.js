// SPDX-License-Identifier: GPL-2.0-only
// Dashboard: the agent's health, every subsystem with its state and reason, and the
// rates of traffic, drops and alerts over the last minutes (sampled here).
import { html } from 'htm/preact';
import { Chart } from '../chart.js';
import { duration, si, stamp } from '../format.js';
import { PERIOD_MS, rates, useSamples } from '../sampler.js';
import { Badge, Card, Empty, KeyValues, Table } from '../ui.js';

// What to show of each subsystem besides its state: the facts people ask for first.
const FACTS = {
	config: (s) => [s.file, s.generation != null && `generation ${s.generation}`],
	api: (s) => [s.listen && `TCP ${s.listen}${s.tls ? ' (TLS)' : ''}`, s.socket && `socket ${s.socket}`],
	event_log: (s) => [s.file, s.syslog && 'syslog'],
	datapath: (s) => [s.xdp_interface && `XDP on ${s.xdp_interface} (${s.xdp_mode})`, s.dpi_link && `DPI link ${s.dpi_link}`,
		s.interfaces_missing && `missing: ${s.interfaces_missing.join(', ')}`],
	overlay: (s) => [s.last_apply && `last apply ${s.last_apply.result} in ${s.last_apply.ms?.toFixed(1)} ms`],
	wireguard: (s) => [s.implementation, s.interface],
	macsec: (s) => [s.interface, s.cipher],
	dpi: (s) => [s.engine && `engine ${s.engine}`, s.rules && `${s.rules.loaded} rules`, s.on_alert && `on alert: ${s.on_alert}`,
		s.losses && s.losses.total ? `${s.losses.total} copies lost` : null],
};

function Subsystems({ subs }) {
	const rows = Object.entries(subs).map(([name, s]) => {
		const facts = (FACTS[name] ? FACTS[name](s) : []).filter(Boolean).join(' · ');
		return html`<tr>
			<th scope="row">${name.replace('_', ' ')}</th>
			<td><${Badge} state=${s.state} /></td>
			<td>${s.reason || facts || ''}${s.reason && facts ? html`<br /><span class="dim">${facts}</span>` : ''}</td>
		</tr>`;
	});
	return html`<${Table} id="subs-caption" caption="Subsystems, their state and why" head=${['Subsystem', 'State', 'Reason / details']} rows=${rows} />`;
}

function Series({ id, title, samples, family, label, scale, fmt, why }) {
	const present = samples.length && samples[samples.length - 1].m[family];
	if (!present)
		return html`<figure class="chart"><figcaption id=${id}>${title}</figcaption><${Empty} title="No data">${why}</${Empty}></figure>`;
	if (samples.length < 2)
		return html`<figure class="chart"><figcaption id=${id}>${title}</figcaption><${Empty} title="Collecting">A rate needs two samples, ${PERIOD_MS / 1000} s apart: the first point appears in a few seconds. The agent keeps counters, not history; this page samples them while it is open (Grafana over /metrics keeps more).</${Empty}></figure>`;
	const { x, series } = rates(samples, family, label, scale);
	return html`<${Chart} id=${id} title=${title} x=${x} series=${series} fmt=${fmt} />`;
}

function Totals({ samples }) {
	const last = samples.length ? samples[samples.length - 1].m : null;
	const drops = last && last.ztos_datapath_drops_total;
	if (!drops)
		return null;
	const rows = drops.map((s) => html`<tr><th scope="row">${s.labels.reason}</th><td class="num">${s.value}</td></tr>`);
	return html`<${Table} id="drops-caption" caption="Packets dropped since ztosd started, by reason" hideCaption=${false} head=${['Reason', 'Packets']} rows=${rows} />`;
}

export function Dashboard({ status }) {
	const samples = useSamples();
	if (!status)
		return html`<h1>Dashboard</h1><p role="status">Reading the agent's status…</p>`;
	const dp = status.subsystems.datapath || {};
	const dpi = status.subsystems.dpi || {};
	const noDp = `The datapath is ${dp.state}${dp.reason ? ': ' + dp.reason : ''}. Tenant counters appear when a tenant is configured (Network page) and the datapath runs.`;
	const noDpi = `DPI is ${dpi.state || 'not configured'}${dpi.reason ? ': ' + dpi.reason : ''}. Alerts are counted once dpi.enabled is true and a tenant's policy inspects a flow.`;
	const bits = (v) => si(v, 'bit/s');
	const pps = (v) => si(v, 'pkt/s');
	return html`<h1>Dashboard</h1>
		<div class="grid two">
			<${Card} id="agent-h" title="Agent">
				<${KeyValues} items=${[
					['Health', html`<${Badge} state=${status.health} />`],
					['Version', status.version],
					['Up for', duration(status.uptime_s)],
					['Started', stamp(status.started)],
					['Process', `pid ${status.pid}`],
					['Config', `${status.config.file}, generation ${status.config.generation}, loaded ${stamp(status.config.loaded)}`],
				]} />
				${status.health !== 'ok' && html`<p class="dim">Health is ${status.health} because a subsystem is ${status.health === 'error' ? 'in error' : 'configured but not loaded or not supported here'}.</p>`}
				<${Totals} samples=${samples} />
			</${Card}>
			<${Card} id="subs-h" title="Subsystems"><${Subsystems} subs=${status.subsystems} /></${Card}>
		</div>
		<${Card} id="rates-h" title="Traffic, drops and alerts (last 10 minutes)">
			<div class="grid two">
				<${Series} id="c-tput" title="Throughput per tenant" samples=${samples} family="ztos_tenant_bytes_total" label="tenant" scale=${8} fmt=${bits} why=${noDp} />
				<${Series} id="c-tdrop" title="Drops per tenant" samples=${samples} family="ztos_tenant_drops_total" label="tenant" scale=${1} fmt=${pps} why=${noDp} />
				<${Series} id="c-drop" title="Drops by reason (all tenants)" samples=${samples} family="ztos_datapath_drops_total" label="reason" scale=${1} fmt=${pps} why=${noDp} />
				<${Series} id="c-alert" title="DPI alerts per minute" samples=${samples} family="ztos_dpi_alerts_total" label="" scale=${60} fmt=${(v) => si(v, '/min')} why=${noDpi} />
			</div>
		</${Card}>`;
}
