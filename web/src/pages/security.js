// SPDX-License-Identifier: GPL-2.0-only
// Security: WireGuard peers (handshake age, flagged past 180 s; endpoint; bytes), MACsec
// secure channels and associations with their counters and the key rotation, and what
// this kernel supports, with the reason.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, usePoll } from '../api.js';
import { Field } from '../form.js';
import { bytes, duration } from '../format.js';
import { Badge, Card, Empty, ErrorNote, KeyValues, Table } from '../ui.js';

// WireGuard rekeys every 2 minutes while traffic flows; past 180 s without a handshake
// the session is gone (REJECT_AFTER_TIME) and the peer is not reachable.
const STALE_S = 180;

function WgPeers({ wg }) {
	const rows = wg.peers.map((p) => {
		const age = p.last_handshake_s;
		const stale = age == null || age > STALE_S;
		return html`<tr class=${stale ? 'flag' : ''}>
			<th scope="row">${p.name}</th>
			<td>${p.current_endpoint || p.endpoint || html`<span class="dim">none (waits for the peer)</span>`}</td>
			<td>${p.allowed_ips.join(', ')}</td>
			<td>${age == null ? html`<${Badge} state="stale" label="no handshake yet" />`
				: stale ? html`<${Badge} state="stale" label=${`${duration(age)} ago: stale`} />`
				: html`<${Badge} state="ok" label=${`${duration(age)} ago`} />`}</td>
			<td class="num">${bytes(p.rx_bytes)}</td>
			<td class="num">${bytes(p.tx_bytes)}</td>
			<td>${p.present === false ? html`<${Badge} state="error" label="not on the device" />` : p.persistent_keepalive ? `${p.persistent_keepalive} s` : 'off'}</td>
		</tr>`;
	});
	return html`<${Table} id="wg-caption" caption="WireGuard peers" head=${['Peer', 'Endpoint', 'Allowed IPs', 'Last handshake', 'Received', 'Sent', 'Keepalive']} rows=${rows} />
		<p class="dim">A peer is flagged when its last handshake is older than ${STALE_S} s (or there was none): WireGuard renews sessions every 2 minutes while there is traffic, so such a peer is not reachable now.</p>`;
}

function WireGuard({ wg, support }) {
	if (!wg.configured)
		return html`<${Empty} title="WireGuard is not configured on this agent">Add a wireguard: section (interface, private_key_file, peers) to encrypt the links between hosts. ${support && !support.supported ? `Here: ${support.reason}${support.fallback ? `; the agent would use ${support.fallback}` : ''}.` : ''}</${Empty}>`;
	return html`<${KeyValues} items=${[
		['State', html`<${Badge} state=${wg.state} />${wg.reason ? ' ' + wg.reason : ''}`],
		['Interface', `${wg.interface}${wg.ifindex ? ` (ifindex ${wg.ifindex}, mtu ${wg.mtu}, ${wg.up ? 'up' : 'down'})` : ''}`],
		['Implementation', wg.implementation || '—'],
		['Listen port', wg.listen_port],
		['Address', wg.address || '—'],
		['Public key', html`<code>${wg.public_key || '—'}</code>`],
	]} />
	${wg.peers.length ? html`<${WgPeers} wg=${wg} />` : html`<${Empty} title="No peers">Add peers under wireguard.peers: each needs a public key and allowed IPs.</${Empty}>`}`;
}

function SaRows({ sas, dir }) {
	return (sas || []).map((s) => html`<tr>
		<td>${dir}</td><td class="num">${s.an}</td><td>${s.active ? 'active' : 'inactive'}${s.state ? ` · ${s.state}` : ''}</td>
		<td><code>${s.key_id}</code></td><td class="num">${s.next_pn ?? s.lowest_pn ?? '—'}</td>
		<td>${Object.entries(s.stats || {}).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ') || html`<span class="dim">no packets</span>`}</td>
	</tr>`);
}

function Rotate({ ms, onDone }) {
	const [v, setV] = useState({ an: '', keyId: '', keyFile: '' });
	const [confirm, setConfirm] = useState(false);
	const [err, setErr] = useState(null);
	const [ok, setOk] = useState(null);
	const send = async () => {
		setConfirm(false);
		try {
			const r = await api('/api/v1/security/macsec/rotate', { method: 'POST', body: { tx_sa: { an: Number(v.an), key_id: v.keyId.trim(), key_file: v.keyFile.trim() } } });
			setErr(null);
			setOk(r);
			onDone();
		} catch (e) {
			setErr(e);
		}
	};
	return html`<form class="form" novalidate onSubmit=${(e) => { e.preventDefault(); setConfirm(true); }} aria-labelledby="rotate-h">
		<h3 id="rotate-h">Rotate this host's TX key</h3>
		<p class="dim">The new SA is installed beside the one in use, under another AN, and becomes the encoding SA; the key is read by the agent from the file (never sent in a request). Send the peers' RX SAs first, with the CLI (ztos security macsec rotate) or the API.</p>
		<div class="fields">
			<${Field} id="r-an" label="New AN (0–3, not the one in use)" value=${v.an} onInput=${(x) => setV({ ...v, an: x })} inputmode="numeric" />
			<${Field} id="r-key-id" label="Key ID (hex)" value=${v.keyId} onInput=${(x) => setV({ ...v, keyId: x })} />
			<${Field} id="r-key-file" label="Key file on the agent's host" value=${v.keyFile} onInput=${(x) => setV({ ...v, keyFile: x })} placeholder="/etc/ztos/macsec-tx-1.key" />
		</div>
		${confirm ? html`<div class="note warn" role="alertdialog" aria-labelledby="confirm-h">
				<p id="confirm-h"><strong>Rotate ${ms.interface}'s TX SA to AN ${v.an}?</strong> Peers that do not have the matching RX SA yet stop receiving this host's traffic.</p>
				<button type="button" class="danger" onClick=${send}>Rotate now</button> <button type="button" class="link" onClick=${() => setConfirm(false)}>Cancel</button>
			</div>`
			: html`<button type="submit">Rotate…</button>`}
		${err && html`<div class="note bad" role="alert"><strong>The agent refused the rotation; nothing changed.</strong> ${err.message}${err.details?.length ? html`<ul>${err.details.map((d) => html`<li><code>${d.location}</code>: ${d.message}</li>`)}</ul>` : ''}</div>`}
		${ok && html`<div class="note good" role="status">Rotated (generation ${ok.generation}). ${ok.persisted ? '' : 'The config file still names the old SAs: write the new ones there too, or a reload goes back.'}</div>`}
	</form>`;
}

function Macsec({ ms, support, onChanged }) {
	if (!ms.configured)
		return html`<${Empty} title="MACsec is not configured on this agent">Add a macsec: section (interface, parent, tx_sa, peers) to encrypt an underlay link at layer 2. ${support && !support.supported ? `Here: ${support.reason}.` : ''}</${Empty}>`;
	const k = ms.kernel;
	return html`<${KeyValues} items=${[
		['State', html`<${Badge} state=${ms.state} />${ms.reason ? ' ' + ms.reason : ''}`],
		['Interface', `${ms.interface} on ${ms.parent}`], ['Cipher', ms.cipher],
		k && ['Encoding SA', k.encoding_sa], k && ['Validate', k.validate],
		ms.persisted === false && ['Config file', html`<${Badge} state="stale" label="names older SAs than those in force" />`],
	]} />
	${k ? html`<${Table} id="sa-caption" caption="MACsec secure associations" head=${['Direction', 'AN', 'State', 'Key ID', 'Packet number', 'Counters']}
		rows=${[html`<${SaRows} sas=${k.tx_sc?.sas} dir=${`TX ${k.tx_sc?.sci || ''}`} />`, ...(k.rx_sc || []).map((rx) => html`<${SaRows} sas=${rx.sas} dir=${`RX ${rx.sci} (${rx.mac})`} />`)]} />
		${ms.state === 'running' && html`<${Rotate} ms=${ms} onDone=${onChanged} />`}`
		: html`<${Empty} title="No MACsec link in the kernel">${ms.reason || 'The link is not there yet.'}</${Empty}>`}`;
}

function Support({ ks }) {
	const rows = Object.entries(ks || {}).map(([name, s]) => html`<tr>
		<th scope="row">${name}</th><td><${Badge} state=${s.supported ? 'yes' : 'no'} /></td>
		<td>${s.reason || (s.supported ? 'available' : '')}${s.fallback ? ` (fallback: ${s.fallback})` : ''}</td></tr>`);
	return html`<${Table} id="ks-caption" caption="Kernel support" head=${['Feature', 'Supported', 'Why']} rows=${rows} />`;
}

export function Security() {
	const sec = usePoll('/api/v1/security/status', 5000);
	const s = sec.data;
	return html`<h1>Security</h1>
		<${ErrorNote} error=${sec.error} retryAt=${sec.retryAt} />
		${!s && !sec.error && html`<p role="status">Reading the security status…</p>`}
		${s && html`
			<${Card} id="wg-h" title="WireGuard"><${WireGuard} wg=${s.wireguard} support=${s.kernel_support?.wireguard} /></${Card}>
			<${Card} id="ms-h" title="MACsec"><${Macsec} ms=${s.macsec} support=${s.kernel_support?.macsec} onChanged=${sec.refresh} /></${Card}>
			<${Card} id="ks-h" title="What this kernel supports"><${Support} ks=${s.kernel_support} /></${Card}>`}`;
}
