// SPDX-License-Identifier: GPL-2.0-only
// Flows: the datapath's flow table, refreshed every 2 s unless paused, with filters per
// column kept in the URL (tenant and verdict asked of the agent; address/CIDR, port and
// protocol applied here to what it returned), and the rows shown exported as JSON or CSV.
// The agent gives the table a page at a time (`limit` flows, in key order, 1000 unless the
// URL's limit says less); Next page follows the page's next_cursor.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { usePoll } from '../api.js';
import { bytes, clock, plural, stamp } from '../format.js';
import { useQuery } from '../router.js';
import { Badge, Card, Empty, ErrorNote, Table } from '../ui.js';

const VERDICTS = ['', 'allow', 'deny', 'inspect', 'block'];
const PROTOS = ['', 'TCP', 'UDP', 'ICMP', 'IPv6-ICMP', 'other'];

// An IPv4/IPv6 address against "10.1.0.0/16", "fe80::/10" or a plain address.
function toBits(ip) {
	if (ip.includes(':')) {
		const [head, tail] = ip.split('::');
		const h = head ? head.split(':') : [], t = tail !== undefined && tail ? tail.split(':') : [];
		const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
		if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g)))
			return null;
		return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
	}
	const o = ip.split('.');
	if (o.length !== 4 || o.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255))
		return null;
	return o.map((x) => Number(x).toString(2).padStart(8, '0')).join('');
}

export function addrFilter(text) {
	const t = text.trim();
	if (!t)
		return { test: () => true };
	const [a, len] = t.split('/');
	const bits = toBits(a);
	const n = len === undefined ? bits?.length : Number(len);
	if (!bits || !(n >= 0 && n <= bits.length) || (len !== undefined && !/^\d+$/.test(len)))
		return { error: `'${t}' is not an address or a CIDR (10.100.0.0/24, fe80::/10)` };
	const want = bits.slice(0, n);
	return { test: (ip) => { const b = toBits(ip); return !!b && b.length === bits.length && b.startsWith(want); } };
}

function portFilter(text) {
	const t = text.trim();
	if (!t)
		return { test: () => true };
	if (!/^\d+$/.test(t) || Number(t) > 65535)
		return { error: `'${t}' is not a port (0–65535)` };
	const p = Number(t);
	return { test: (f) => f.src_port === p || f.dest_port === p };
}

const COLUMNS = ['flow_id', 'tenant', 'vni', 'verdict', 'proto', 'src_ip', 'src_port', 'dest_ip', 'dest_port',
	'pkts_toserver', 'pkts_toclient', 'bytes_toserver', 'bytes_toclient', 'first_seen', 'last_seen'];

function csv(rows) {
	const q = (v) => (v == null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
	return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => q(r[c])).join(','))].join('\n') + '\n';
}

function download(name, type, text) {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	document.body.appendChild(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function Flows() {
	const [f, setF] = useQuery(['tenant', 'verdict', 'addr', 'port', 'proto', 'limit']);
	const [paused, setPaused] = useState(false);
	const per = /^\d+$/.test(f.limit) && Number(f.limit) >= 1 && Number(f.limit) <= 1000 ? f.limit : '1000';
	// The cursors of the pages walked to this one: another tenant, verdict or page size
	// starts again from the first page.
	const [walk, setWalk] = useState({ key: '', cursors: [] });
	const wkey = `${f.tenant}|${f.verdict}|${per}`;
	const cursors = walk.key === wkey ? walk.cursors : [];
	const qs = new URLSearchParams({ limit: per });
	if (f.tenant)
		qs.set('tenant', f.tenant);
	if (f.verdict)
		qs.set('verdict', f.verdict);
	if (cursors.length)
		qs.set('cursor', cursors[cursors.length - 1]);
	const res = usePoll('/api/v1/flows?' + qs, 2000, paused);
	const net = usePoll('/api/v1/network', 30000);
	const addr = addrFilter(f.addr), port = portFilter(f.port);
	const d = res.data;
	const all = d?.flows || [];
	const rows = addr.error || port.error ? [] : all.filter((x) =>
		(addr.test(x.src_ip) || addr.test(x.dest_ip)) && port.test(x) && (!f.proto || x.proto === f.proto));
	const stamp0 = `ztos-flows-${new Date().toISOString().replace(/[:.]/g, '-')}`;
	const tenants = ['', ...((net.data?.tenants || []).map((t) => t.name))];
	if (f.tenant && !tenants.includes(f.tenant))
		tenants.push(f.tenant);
	const filtered = f.addr || f.port || f.proto;

	const why = () => {
		if (d && d.datapath)
			return html`<${Empty} title="The datapath is not running">It is ${d.datapath.state}${d.datapath.reason ? ': ' + d.datapath.reason : ''}. Flows are classified in XDP and TC once a tenant and an underlay are configured.</${Empty}>`;
		if (addr.error || port.error)
			return html`<${Empty} title="The filter is not valid">Fix the field marked above.</${Empty}>`;
		if (!all.length)
			return html`<${Empty} title=${f.tenant || f.verdict ? 'No flow has this tenant or verdict' : 'The flow table is empty'}>${f.tenant || f.verdict
				? `The agent has no flow of ${f.tenant ? `tenant ${f.tenant}` : 'any tenant'}${f.verdict ? ` with verdict ${f.verdict}` : ''}. Clear the filter to see the others.`
				: 'Flows appear as tenant traffic crosses the datapath (XDP on the underlay, TC on the tenants\' interfaces); idle flows age out.'}</${Empty}>`;
		return html`<${Empty} title="No flow matches the filters">The agent returned ${plural(all.length, 'flow')}; the address, port or protocol filter hides them all.</${Empty}>`;
	};
	const rowsHtml = rows.map((x) => html`<tr>
		<td>${x.tenant || x.vni}</td><td><${Badge} state=${x.verdict} /></td><td>${x.proto}</td>
		<td class="mono">${x.src_ip}${x.src_port ? `:${x.src_port}` : ''}</td>
		<td class="mono">${x.dest_ip}${x.dest_port ? `:${x.dest_port}` : ''}</td>
		<td class="num">${x.pkts_toserver} / ${x.pkts_toclient}</td>
		<td class="num">${bytes(x.bytes_toserver)} / ${bytes(x.bytes_toclient)}</td>
		<td>${stamp(x.first_seen)}</td><td>${clock(x.last_seen)}</td>
	</tr>`);
	return html`<h1>Flows</h1>
		<${Card} id="ff-h" title="Filters">
			<form class="filters" role="search" aria-label="Filter flows" onSubmit=${(e) => e.preventDefault()}>
				<div class="field"><label for="f-tenant">Tenant</label>
					<select id="f-tenant" value=${f.tenant} onChange=${(e) => setF({ tenant: e.target.value })}>${tenants.map((t) => html`<option value=${t}>${t || 'all'}</option>`)}</select></div>
				<div class="field"><label for="f-verdict">Verdict</label>
					<select id="f-verdict" value=${f.verdict} onChange=${(e) => setF({ verdict: e.target.value })}>${VERDICTS.map((v) => html`<option value=${v}>${v || 'all'}</option>`)}</select></div>
				<div class=${'field' + (addr.error ? ' invalid' : '')}><label for="f-addr">Address or CIDR</label>
					<input id="f-addr" value=${f.addr} onInput=${(e) => setF({ addr: e.target.value })} placeholder="10.100.0.0/24" aria-invalid=${addr.error ? 'true' : 'false'} aria-describedby=${addr.error ? 'f-addr-error' : undefined} />
					${addr.error && html`<p id="f-addr-error" class="field-error">${addr.error}</p>`}</div>
				<div class=${'field' + (port.error ? ' invalid' : '')}><label for="f-port">Port</label>
					<input id="f-port" value=${f.port} inputmode="numeric" onInput=${(e) => setF({ port: e.target.value })} placeholder="80" aria-invalid=${port.error ? 'true' : 'false'} aria-describedby=${port.error ? 'f-port-error' : undefined} />
					${port.error && html`<p id="f-port-error" class="field-error">${port.error}</p>`}</div>
				<div class="field"><label for="f-proto">Protocol</label>
					<select id="f-proto" value=${f.proto} onChange=${(e) => setF({ proto: e.target.value })}>${PROTOS.map((p) => html`<option value=${p}>${p || 'all'}</option>`)}</select></div>
			</form>
		</${Card}>
		<${ErrorNote} error=${res.error} retryAt=${res.retryAt} />
		<${Card} id="ft-h" title="Flow table" actions=${html`<div class="buttons">
				<button type="button" disabled=${!cursors.length} onClick=${() => setWalk({ key: wkey, cursors: cursors.slice(0, -1) })}>Previous page</button>
				<button type="button" disabled=${!d?.next_cursor} onClick=${() => setWalk({ key: wkey, cursors: [...cursors, d.next_cursor] })}>Next page</button>
				<button type="button" onClick=${() => setPaused(!paused)} aria-pressed=${paused ? 'true' : 'false'}>${paused ? 'Resume live updates' : 'Pause live updates'}</button>
				<button type="button" disabled=${!rows.length} onClick=${() => download(stamp0 + '.json', 'application/json', JSON.stringify(rows, null, 2) + '\n')}>Export JSON</button>
				<button type="button" disabled=${!rows.length} onClick=${() => download(stamp0 + '.csv', 'text/csv', csv(rows))}>Export CSV</button>
			</div>`}>
			<p role="status" class="dim" id="flows-count">${d && !d.datapath
				? `${plural(rows.length, 'flow')} shown${filtered ? ` of ${all.length} returned` : ''}; the table holds ${d.flow_table_entries} of ${d.flow_table_size}; page ${cursors.length + 1}, ${per} flows a page in key order${d.truncated ? ', more on the next' : ''}. ${paused ? `Paused: as of ${clock(res.at)}.` : `Live, every 2 s${res.at ? ` (last ${clock(res.at)})` : ''}.`}`
				: ''}</p>
			${rows.length ? html`<${Table} id="flows-caption" caption="Flows" head=${['Tenant', 'Verdict', 'Protocol', 'Source', 'Destination', 'Packets → / ←', 'Bytes → / ←', 'First seen', 'Last seen']} rows=${rowsHtml} />`
				: d ? why() : !res.error && html`<p role="status">Reading the flow table…</p>`}
		</${Card}>`;
}
