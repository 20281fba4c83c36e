// SPDX-License-Identifier: GPL-2.0-only
// Network: the underlay, tenants (VNI, VTEPs with their origin, interfaces, subnets,
// VRF, policy) as configured and as the kernel has them, BGP EVPN as the agent reports
// it, and forms to add, change and remove a tenant or a BGP peer (dry run first).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { usePoll } from '../api.js';
import { ChangeStatus, Field, Select, useChange } from '../form.js';
import { duration } from '../format.js';
import { Badge, Card, Empty, ErrorNote, KeyValues, StateNote, Table } from '../ui.js';

const list = (s) => s.split(/[\s,]+/).filter(Boolean);
const num = (s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s.trim());	// the agent judges the rest

// A VTEP as the API gives it: an address (static, from the config) or, once EVPN is
// there, {address, origin}.
const vtepOf = (v) => (typeof v === 'string' ? { address: v, origin: 'static' } : v);
// What XDP allows for a tenant, read from its map by the agent (static and learned, with
// their origin); the config's VTEPs where the agent has no datapath to read.
const allowed = (t) => (Array.isArray(t.allowlist) ? t.allowlist : t.vteps).map(vtepOf);

function TenantRows({ net, onEdit, onRemove }) {
	const kernel = Object.fromEntries((net.overlay?.tenants || []).map((t) => [t.name, t]));
	return net.tenants.map((t) => {
		const k = kernel[t.name];
		return html`<tr>
			<th scope="row">${t.name}</th>
			<td class="num">${t.vni}</td>
			<td>${allowed(t).length ? allowed(t).map((v) => html`<span class="chip">${v.address} <small>${v.origin}</small></span>`) : html`<span class="dim">none</span>`}</td>
			<td>${t.interfaces.join(', ') || html`<span class="dim">none</span>`}</td>
			<td>${t.subnets.join(', ') || html`<span class="dim">none</span>`}</td>
			<td>${t.vrf ? `table ${t.vrf.table}${t.vrf.l3vni ? `, L3 VNI ${t.vrf.l3vni}` : ''}` : html`<span class="dim">none</span>`}</td>
			<td><${Badge} state=${t.policy.default} /> ${t.policy.rules.length} rule${t.policy.rules.length === 1 ? '' : 's'}</td>
			<td>${k ? html`${k.vxlan ? html`<${Badge} state=${k.vxlan.up ? 'up' : 'down'} label=${k.vxlan.name} />` : html`<${Badge} state="error" label="no VXLAN device" />`}
				${k.bridge && html` in ${k.bridge.name}`}` : html`<span class="dim">—</span>`}</td>
			<td class="actions">
				<button type="button" onClick=${() => onEdit(t)} aria-label=${`Change tenant ${t.name}`}>Change</button>
				<button type="button" class="danger" onClick=${() => onRemove(t)} aria-label=${`Remove tenant ${t.name}`}>Remove</button>
			</td>
		</tr>`;
	});
}

const TENANT_FIELDS = { name: 't-name', vni: 't-vni', vteps: 't-vteps', interfaces: 't-ifaces',
	subnets: 't-subnets', 'vrf.table': 't-vrf', 'vrf.l3vni': 't-l3vni', 'policy.default': 't-policy' };

function tenantField(loc) {
	const m = /^tenants\[\d+\]\.([a-z_]+(?:\.[a-z_]+)?)/.exec(loc || '');
	return m ? TENANT_FIELDS[m[1]] || null : null;
}

function TenantForm({ initial, onDone }) {
	const [v, setV] = useState(() => ({
		name: initial?.name || '', vni: initial ? String(initial.vni) : '',
		vteps: initial ? initial.vteps.map(vtepOf).filter((x) => x.origin === 'static').map((x) => x.address).join(', ') : '',
		interfaces: initial ? initial.interfaces.join(', ') : '', subnets: initial ? initial.subnets.join(', ') : '',
		vrf: initial?.vrf ? String(initial.vrf.table) : '', l3vni: initial?.vrf?.l3vni ? String(initial.vrf.l3vni) : '',
		policy: initial ? initial.policy.default : 'allow',
	}));
	const change = useChange({
		build: () => {
			const t = { name: v.name.trim(), vni: num(v.vni), vteps: list(v.vteps), interfaces: list(v.interfaces),
				subnets: list(v.subnets), policy: { default: v.policy } };
			if (v.vrf.trim() || v.l3vni.trim())
				t.vrf = { table: num(v.vrf), ...(v.l3vni.trim() ? { l3vni: num(v.l3vni) } : {}) };
			return { tenants: [t] };
		},
		fieldOf: tenantField,
		onApplied: onDone,
	});
	const set = (k) => (x) => {
		setV({ ...v, [k]: x });
		change.edit();
	};
	const e = change.errors.fields;
	const editing = !!initial;
	return html`<form class="form" onSubmit=${(ev) => { ev.preventDefault(); change.preview(); }} novalidate
			aria-labelledby="tenant-form-h">
		<h3 id="tenant-form-h">${editing ? `Change tenant ${initial.name}` : 'Add a tenant'}</h3>
		<div class="fields">
			<${Field} id="t-name" label="Name" value=${v.name} onInput=${set('name')} error=${e['t-name']} help="Letters, digits, - and _." />
			<${Field} id="t-vni" label="VNI" value=${v.vni} onInput=${set('vni')} error=${e['t-vni']} inputmode="numeric" help="The tenant's VXLAN network identifier, 1 to 16777215." />
			<${Field} id="t-vteps" label="Remote VTEPs" value=${v.vteps} onInput=${set('vteps')} error=${e['t-vteps']} help="Addresses allowed to send this VNI, separated by commas." placeholder="192.0.2.2" />
			<${Field} id="t-ifaces" label="Interfaces" value=${v.interfaces} onInput=${set('interfaces')} error=${e['t-ifaces']} help="Host-side interfaces of the tenant's workloads." placeholder="veth-green0" />
			<${Field} id="t-subnets" label="Subnets" value=${v.subnets} onInput=${set('subnets')} error=${e['t-subnets']} placeholder="10.30.0.0/24" />
			<${Field} id="t-vrf" label="VRF table (optional)" value=${v.vrf} onInput=${set('vrf')} error=${e['t-vrf']} inputmode="numeric" />
			<${Field} id="t-l3vni" label="L3 VNI (optional)" value=${v.l3vni} onInput=${set('l3vni')} error=${e['t-l3vni']} inputmode="numeric" />
			<${Select} id="t-policy" label="Default policy" value=${v.policy} onChange=${set('policy')} options=${['allow', 'deny']} help="Rules stay as they are; edit them in the config file." />
		</div>
		<div class="buttons">
			<button type="submit" disabled=${change.phase === 'previewing'}>Preview changes</button>
			<button type="button" class="link" onClick=${() => onDone(null)}>Cancel</button>
		</div>
		<${ChangeStatus} change=${change} what=${editing ? `the change to ${initial.name}` : `tenant ${v.name || ''}`} />
	</form>`;
}

// Removing something: what it does, the agent's dry run, then the removal itself.
function Remove({ id, title, what, children, build, onDone }) {
	const change = useChange({ build, fieldOf: () => null, onApplied: onDone });
	return html`<div class="form" role="group" aria-labelledby=${id}>
		<h3 id=${id}>${title}</h3>
		<p>${children}</p>
		<div class="buttons">
			${change.phase === 'edit' && html`<button type="button" onClick=${change.preview}>Preview removal</button>`}
			<button type="button" class="link" onClick=${() => onDone(null)}>Cancel</button>
		</div>
		<${ChangeStatus} change=${change} what=${`the removal of ${what}`} applyLabel=${`Remove ${what}`} />
	</div>`;
}

function RemoveTenant({ tenant, onDone }) {
	return html`<${Remove} id="remove-h" title=${`Remove tenant ${tenant.name}`} what=${tenant.name} onDone=${onDone}
		build=${() => ({ tenants: [{ name: tenant.name, remove: true }] })}>
		Removing a tenant deletes its VXLAN device, bridge and FDB entries from the kernel and stops classifying its traffic. See what changes first:
	</${Remove}>`;
}

function Underlay({ u }) {
	if (!u)
		return html`<${Empty} title="No underlay is configured">Without an underlay: section the agent has no VTEP address and makes no VXLAN devices. Add it to the config file (interface, address).</${Empty}>`;
	return html`<${KeyValues} items=${[['Interface', u.interface], ['VTEP address', u.address], ['XDP mode', u.xdp_mode], ['VXLAN port', u.vxlan_port]]} />`;
}

function Kernel({ net }) {
	const ts = net.overlay?.tenants || [];
	if (!ts.length)
		return html`<${Empty} title="No tenant devices in the kernel">${net.overlay?.state === 'running' ? 'The agent makes a VXLAN device and a bridge per tenant; there is no tenant yet.' : `The overlay is ${net.overlay?.state}${net.overlay?.reason ? ': ' + net.overlay.reason : ''}.`}</${Empty}>`;
	const rows = ts.map((t) => html`<tr>
		<th scope="row">${t.name}</th>
		<td>${t.vxlan ? `${t.vxlan.name} (VNI ${t.vxlan.vni}, local ${t.vxlan.local}, dev ${t.vxlan.dev}, mtu ${t.vxlan.mtu})` : html`<${Badge} state="error" label="missing" />`}</td>
		<td>${t.bridge ? `${t.bridge.name}: ${t.bridge.ports.join(', ') || 'no ports'}` : '—'}</td>
		<td>${t.vrf ? (t.vrf.name || JSON.stringify(t.vrf)) : html`<span class="dim">none</span>`}</td>
		<td>${t.fdb.length ? t.fdb.map((f) => html`<span class="chip">${f.dst}</span>`) : html`<span class="dim">none</span>`}</td>
	</tr>`);
	return html`<${Table} id="kernel-caption" caption="Tenant devices in the kernel, read now" head=${['Tenant', 'VXLAN device', 'Bridge and ports', 'VRF', 'Head-end replication (FDB)']} rows=${rows} />`;
}

// BGP peers as the API gives them; session columns appear once the agent reports them.
function BgpPeers({ bgp, onRemove }) {
	const peers = bgp.peers || [];
	if (!peers.length)
		return html`<${Empty} title="No BGP peers">Add one below; the agent validates it and keeps it as desired state.</${Empty}>`;
	const uptime = (p) => p.uptime_s ?? (p.uptime_ms != null ? p.uptime_ms / 1000 : p.uptime);
	const prefixes = (p) => p.prefixes_received ?? p.pfx_rcd;
	const rows = peers.map((p) => html`<tr>
		<th scope="row">${p.address}</th><td class="num">${p.asn}</td>
		<td>${p.state ? html`<${Badge} state=${p.state} />` : html`<span class="dim">not reported</span>`}</td>
		<td>${uptime(p) != null ? duration(uptime(p)) : '—'}</td>
		<td class="num">${prefixes(p) ?? '—'}</td>
		<td class="actions"><button type="button" class="danger" onClick=${() => onRemove(p)} aria-label=${`Remove BGP peer ${p.address}`}>Remove</button></td>
	</tr>`);
	return html`<${Table} id="bgp-caption" caption="BGP peers" head=${['Peer', 'AS', 'Session', 'Up for', 'Prefixes received', 'Actions']} rows=${rows} />`;
}

const BGP_FIELDS = { 'bgp.asn': 'b-asn', 'bgp.router_id': 'b-rid', address: 'b-peer', asn: 'b-peer-asn' };
function bgpField(loc) {
	const m = /^bgp\.peers\[\d+\]\.([a-z_]+)/.exec(loc || '');
	return m ? BGP_FIELDS[m[1]] || null : BGP_FIELDS[loc] || null;
}

function BgpForm({ bgp, onDone }) {
	const [v, setV] = useState({ asn: '', rid: '', peer: '', peerAsn: '' });
	const change = useChange({
		build: () => {
			const b = { peers: [{ address: v.peer.trim(), asn: num(v.peerAsn) }] };
			if (v.asn.trim())
				b.asn = num(v.asn);
			if (v.rid.trim())
				b.router_id = v.rid.trim();
			return { bgp: b };
		},
		fieldOf: bgpField,
		onApplied: onDone,
	});
	const set = (k) => (x) => {
		setV({ ...v, [k]: x });
		change.edit();
	};
	const e = change.errors.fields;
	return html`<form class="form" onSubmit=${(ev) => { ev.preventDefault(); change.preview(); }} novalidate aria-labelledby="bgp-form-h">
		<h3 id="bgp-form-h">Add or change a BGP peer</h3>
		<div class="fields">
			${!bgp.configured && html`
				<${Field} id="b-asn" label="This host's AS number" value=${v.asn} onInput=${set('asn')} error=${e['b-asn']} inputmode="numeric" help="Needed once: there is no bgp: section yet." />
				<${Field} id="b-rid" label="Router ID" value=${v.rid} onInput=${set('rid')} error=${e['b-rid']} placeholder="192.0.2.1" />`}
			<${Field} id="b-peer" label="Peer address" value=${v.peer} onInput=${set('peer')} error=${e['b-peer']} placeholder="10.1.1.1" />
			<${Field} id="b-peer-asn" label="Peer AS number" value=${v.peerAsn} onInput=${set('peerAsn')} error=${e['b-peer-asn']} inputmode="numeric" />
		</div>
		<div class="buttons">
			<button type="submit">Preview changes</button>
			<button type="button" class="link" onClick=${() => onDone(null)}>Cancel</button>
		</div>
		<${ChangeStatus} change=${change} what=${`peer ${v.peer}`} />
	</form>`;
}

function Bgp({ bgp, onChanged }) {
	const [form, setForm] = useState(null);	// 'add' or the peer to remove
	const done = (r) => {
		setForm(null);
		if (r)
			onChanged(r);
	};
	const notLoaded = bgp.state === 'not loaded';
	return html`
		${bgp.configured
			? html`<${KeyValues} items=${[['AS', bgp.asn], ['Router ID', bgp.router_id], ['EVPN', bgp.advertise_all_vni ? 'advertise all VNIs' : 'VNIs not advertised'], ['State', html`<${Badge} state=${bgp.state || 'unknown'} />`]]} />`
			: html`<p>BGP is not configured on this agent (no bgp: section).</p>`}
		${notLoaded && html`<div class="note warn"><strong>BGP EVPN is not loaded on this agent.</strong> ${bgp.reason || ''} The peers below are the configured ones; no session state is shown because the agent reports none.</div>`}
		${bgp.configured && html`<${BgpPeers} bgp=${bgp} onRemove=${(p) => setForm(p)} />`}
		${form === 'add' && html`<${BgpForm} bgp=${bgp} onDone=${done} />`}
		${form && form !== 'add' && html`<${Remove} key=${form.address} id="bgp-remove-h" title=${`Remove BGP peer ${form.address}`} what=${form.address} onDone=${done}
			build=${() => ({ bgp: { peers: [{ address: form.address, remove: true }] } })}>
			The agent stops peering with ${form.address} (AS ${form.asn}).</${Remove}>`}
		${!form && html`<button type="button" onClick=${() => setForm('add')}>Add a BGP peer</button>`}`;
}

export function Network() {
	const net = usePoll('/api/v1/network', 10000);
	const [form, setForm] = useState(null);	// {kind: 'add'|'edit'|'remove', tenant}
	const [done, setDone] = useState('');
	const finish = (r) => {
		setForm(null);
		if (r) {
			setDone(`Applied: ${r.changes.map((c) => `${c.op} ${c.object}`).join(', ')} (generation ${r.generation}).`);
			net.refresh();
		}
	};
	const n = net.data;
	return html`<h1>Network</h1>
		<${ErrorNote} error=${net.error} retryAt=${net.retryAt} />
		${!n && !net.error && html`<p role="status">Reading the network…</p>`}
		${done && html`<div class="note good" role="status">${done}</div>`}
		${n && html`
			<${Card} id="underlay-h" title="Underlay"><${Underlay} u=${n.underlay} /></${Card}>
			<${Card} id="tenants-h" title="Tenants" actions=${!form && html`<button type="button" onClick=${() => { setDone(''); setForm({ kind: 'add' }); }}>Add a tenant</button>`}>
				<${StateNote} name="datapath" sub=${n.datapath} />
				${n.tenants.length
					? html`<${Table} id="tenants-caption" caption="Tenants" head=${['Name', 'VNI', 'VTEPs (origin)', 'Interfaces', 'Subnets', 'VRF', 'Policy', 'In the kernel', 'Actions']}
						rows=${html`<${TenantRows} net=${n} onEdit=${(t) => { setDone(''); setForm({ kind: 'edit', tenant: t }); }} onRemove=${(t) => { setDone(''); setForm({ kind: 'remove', tenant: t }); }} />`} />`
					: html`<${Empty} title="No tenants yet">A tenant is a VXLAN VNI with its VTEPs, interfaces and policy. Add one with the button above, or under tenants: in the config file.</${Empty}>`}
				${form && form.kind === 'remove' && html`<${RemoveTenant} key=${'rm' + form.tenant.name} tenant=${form.tenant} onDone=${finish} />`}
				${form && form.kind !== 'remove' && html`<${TenantForm} key=${form.kind + (form.tenant?.name || '')} initial=${form.tenant} onDone=${finish} />`}
				<p class="dim">Changes made here last until the next reload or restart, which read the config file (${n.generation != null ? `generation ${n.generation}` : ''}).</p>
			</${Card}>
			<${Card} id="kernel-h" title="Bridges, VXLAN devices and VRFs in the kernel"><${Kernel} net=${n} /></${Card}>
			<${Card} id="bgp-h" title="BGP EVPN"><${Bgp} bgp=${n.bgp} onChanged=${finish} /></${Card}>`}`;
}
