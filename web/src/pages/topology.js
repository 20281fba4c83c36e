// SPDX-License-Identifier: GPL-2.0-only
// Topology: this host, its tenants, the remote VTEPs they reach and the WireGuard and
// MACsec peers, drawn as a graph, each link marked with what protects it. The same
// links are listed in a table below (the graph is a picture of it).
//
// How a VXLAN link to a VTEP is protected, from the API's facts: WireGuard when the
// underlay is the WireGuard device or the VTEP is inside a peer's allowed IPs; MACsec
// when the underlay is the MACsec device; otherwise none (VXLAN in clear).
import { html } from 'htm/preact';
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from 'd3-force';
import { usePoll } from '../api.js';
import { addrFilter } from './flows.js';
import { Card, Empty, ErrorNote, Table } from '../ui.js';

const vtepAddr = (v) => (typeof v === 'string' ? v : v.address);

export function protectionOf(addr, net, sec) {
	const u = net.underlay, wg = sec.wireguard, ms = sec.macsec;
	if (wg?.configured && (u?.interface === wg.interface ||
			(wg.peers || []).some((p) => (p.allowed_ips || []).some((c) => addrFilter(c).test?.(addr)))))
		return 'WireGuard';
	if (ms?.configured && u?.interface === ms.interface)
		return 'MACsec';
	return 'none';
}

// A remote host is one node however it is known: as a VTEP address, as a WireGuard
// peer's endpoint (host-b at 192.0.2.2:51820 and VTEP 192.0.2.2 are one machine).
const hostOf = (ep) => (ep || '').replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]+):\d+$/, '$1');

function graph(net, sec) {
	const nodes = [], links = [], remote = new Map();
	const node = (addr, make) => {
		if (!remote.has(addr)) {
			const n = make();
			remote.set(addr, n);
			nodes.push(n);
		}
		return remote.get(addr);
	};
	nodes.push({ id: 'host', kind: 'host', label: 'this host', sub: net.underlay ? `${net.underlay.address} on ${net.underlay.interface}` : 'no underlay' });
	const wg = sec.wireguard;
	if (wg?.configured)
		for (const p of wg.peers || []) {
			const addr = hostOf(p.current_endpoint || p.endpoint) || 'wg:' + p.name;
			const n = node(addr, () => ({ id: 'remote:' + addr, kind: 'peer', label: p.name, sub: p.current_endpoint || p.endpoint || 'no endpoint yet', roles: [] }));
			n.roles.push('WireGuard peer');
			links.push({ source: 'host', target: n.id, kind: 'WireGuard', label: `WireGuard tunnel (${wg.interface})` });
		}
	const ms = sec.macsec;
	if (ms?.configured)
		for (const p of ms.peers || []) {
			const n = node('mac:' + p.mac, () => ({ id: 'remote:' + p.mac, kind: 'peer', label: p.mac, sub: 'MACsec peer', roles: [] }));
			n.roles.push('MACsec peer');
			links.push({ source: 'host', target: n.id, kind: 'MACsec', label: `MACsec (${ms.interface})` });
		}
	for (const t of net.tenants) {
		const id = 'tenant:' + t.name;
		nodes.push({ id, kind: 'tenant', label: t.name, sub: `tenant, VNI ${t.vni}` });
		links.push({ source: 'host', target: id, kind: 'member', label: `serves VNI ${t.vni}` });
		for (const v of t.vteps) {
			const a = vtepAddr(v), origin = typeof v === 'string' ? 'static' : v.origin;
			const n = node(a, () => ({ id: 'remote:' + a, kind: 'vtep', label: a, sub: '', roles: [] }));
			if (!n.roles.some((r) => r.startsWith('VTEP')))
				n.roles.push(`VTEP (${origin})`);
			links.push({ source: id, target: n.id, kind: protectionOf(a, net, sec), label: `VXLAN VNI ${t.vni}` });
		}
	}
	for (const n of remote.values())
		n.sub = n.label === hostOf(n.sub) || !n.sub ? n.roles.join(', ') : `${n.sub} · ${n.roles.join(', ')}`;
	return { nodes, links };
}

// Laid out once, to rest, with d3-force (deterministic: the same network, the same
// picture), then drawn by Preact as plain SVG; the view box fits what was laid out.
function layout({ nodes, links }) {
	forceSimulation(nodes)
		.force('link', forceLink(links).id((d) => d.id).distance((l) => (l.kind === 'member' ? 130 : 190)))
		.force('charge', forceManyBody().strength(-1200))
		.force('collide', forceCollide(80))
		.force('x', forceX(0).strength(0.05))
		.force('y', forceY(0).strength(0.12))
		.stop()
		.tick(400);
	const xs = nodes.map((n) => n.x), ys = nodes.map((n) => n.y);
	const pad = { x: 130, top: 50, bottom: 70 };
	const x0 = Math.min(...xs) - pad.x, y0 = Math.min(...ys) - pad.top;
	const w = Math.max(480, Math.max(...xs) + pad.x - x0), h = Math.max(260, Math.max(...ys) + pad.bottom - y0);
	return { viewBox: `${x0.toFixed(0)} ${y0.toFixed(0)} ${w.toFixed(0)} ${h.toFixed(0)}`, width: Math.round(w), height: Math.round(h) };
}

const NODE = { host: { r: 26, cls: 'n-host' }, tenant: { r: 20, cls: 'n-tenant' }, vtep: { r: 18, cls: 'n-vtep' }, peer: { r: 18, cls: 'n-peer' } };
const LINK = { member: 'l-member', WireGuard: 'l-wg', MACsec: 'l-macsec', none: 'l-none' };

function Legend() {
	return html`<ul class="legend" aria-label="Legend">
		<li><svg width="36" height="10" aria-hidden="true"><line x1="0" y1="5" x2="36" y2="5" class="l-wg" /></svg> WireGuard</li>
		<li><svg width="36" height="10" aria-hidden="true"><line x1="0" y1="5" x2="36" y2="5" class="l-macsec" /></svg> MACsec</li>
		<li><svg width="36" height="10" aria-hidden="true"><line x1="0" y1="5" x2="36" y2="5" class="l-none" /></svg> not encrypted</li>
		<li><svg width="36" height="10" aria-hidden="true"><line x1="0" y1="5" x2="36" y2="5" class="l-member" /></svg> tenant on this host</li>
	</ul>`;
}

export function Topology() {
	const net = usePoll('/api/v1/network', 15000);
	const sec = usePoll('/api/v1/security/status', 15000);
	if (!net.data || !sec.data)
		return html`<h1>Topology</h1><${ErrorNote} error=${net.error || sec.error} retryAt=${net.retryAt || sec.retryAt} />
			${!net.error && !sec.error && html`<p role="status">Reading the network and its protection…</p>`}`;
	const g = graph(net.data, sec.data);
	const box = layout(g);
	const clear = g.links.filter((l) => l.kind === 'none').length;
	const rows = g.links.map((l) => html`<tr><td>${l.source.label}</td><td>${l.target.label} <span class="dim">${l.target.sub}</span></td><td>${l.label}</td>
		<td>${l.kind === 'member' ? '—' : l.kind === 'none' ? html`<strong class="bad-text">none (in clear)</strong>` : l.kind}</td></tr>`);
	return html`<h1>Topology</h1>
		<${Card} id="topo-h" title="This host, its tenants, VTEPs and peers">
			${g.nodes.length === 1 ? html`<${Empty} title="Nothing to draw yet">This host has no tenants and no WireGuard or MACsec peers. Add a tenant (Network page) or peers in the config file.</${Empty}>` : html`
			<${Legend} />
			${clear > 0 && html`<p class="note warn">${clear} VXLAN link${clear === 1 ? ' is' : 's are'} not encrypted: the underlay (${net.data.underlay?.interface}) is neither the WireGuard nor the MACsec device, and the VTEP is in no WireGuard peer's allowed IPs.</p>`}
			<svg class="topology" viewBox=${box.viewBox} width=${box.width} height=${box.height} role="img" aria-labelledby="topo-title topo-desc">
				<title id="topo-title">Topology graph</title>
				<desc id="topo-desc">${g.nodes.length} nodes and ${g.links.length} links; the table below lists every link and its protection.</desc>
				${g.links.map((l) => html`<line x1=${l.source.x} y1=${l.source.y} x2=${l.target.x} y2=${l.target.y} class=${LINK[l.kind]} />`)}
				${g.nodes.map((n) => html`<g transform=${`translate(${n.x.toFixed(1)},${n.y.toFixed(1)})`} class=${NODE[n.kind].cls}>
					<circle r=${NODE[n.kind].r} />
					<text y=${NODE[n.kind].r + 15} text-anchor="middle" class="n-label">${n.label}</text>
					<text y=${NODE[n.kind].r + 29} text-anchor="middle" class="n-sub">${n.sub}</text>
				</g>`)}
			</svg>`}
		</${Card}>
		<${Card} id="links-h" title="Links and their protection">
			${g.links.length ? html`<${Table} id="links-caption" caption="Links and their protection" head=${['From', 'To', 'Link', 'Protected by']} rows=${rows} />`
				: html`<${Empty} title="No links">Links appear with tenants' VTEPs and with WireGuard or MACsec peers.</${Empty}>`}
		</${Card}>`;
}
