// SPDX-License-Identifier: GPL-2.0-only
// A change to the agent's desired state, as people make it safely: the form builds a
// partial config, the agent's dry run shows the diff (or its located errors, shown at
// the fields they name), and only then "Apply" sends the same body for real.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';

// fieldOf(location) maps the agent's error location ("tenants[1].vni",
// "bgp.peers[0].asn") to one of the form's field ids, or null.
export function useChange({ build, fieldOf, onApplied }) {
	const [phase, setPhase] = useState('edit');	// edit | previewing | preview | applying | done
	const [diff, setDiff] = useState(null);
	const [errors, setErrors] = useState({ fields: {}, summary: [], message: '' });
	const [body, setBody] = useState(null);

	const fail = (e) => {
		const fields = {}, summary = [];
		for (const d of e.details || []) {
			const f = fieldOf(d.location);
			if (f && !fields[f])
				fields[f] = d.message;
			summary.push({ ...d, field: f });
		}
		setErrors({ fields, summary, message: e.message });
		setPhase('edit');
	};
	const preview = async () => {
		const b = build();
		setErrors({ fields: {}, summary: [], message: '' });
		setDiff(null);
		setPhase('previewing');
		try {
			const r = await api('/api/v1/network/configure?dry_run=1', { method: 'POST', body: b });
			setBody(b);
			setDiff(r.changes);
			setPhase('preview');
		} catch (e) {
			fail(e);
		}
	};
	const apply = async () => {
		setPhase('applying');
		try {
			const r = await api('/api/v1/network/configure', { method: 'POST', body });
			setDiff(r.changes);
			setPhase('done');
			onApplied && onApplied(r);
		} catch (e) {
			fail(e);
		}
	};
	const edit = () => {
		if (phase === 'preview' || phase === 'done')
			setPhase('edit');
	};
	return { phase, diff, errors, preview, apply, edit };
}

export function Field({ id, label, value, onInput, error, help, placeholder, type = 'text', inputmode }) {
	const described = [help && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
	return html`<div class=${'field' + (error ? ' invalid' : '')}>
		<label for=${id}>${label}</label>
		<input id=${id} name=${id} type=${type} inputmode=${inputmode} value=${value} placeholder=${placeholder}
			onInput=${(e) => onInput(e.target.value)} aria-invalid=${error ? 'true' : 'false'}
			aria-describedby=${described} autocomplete="off" />
		${help && html`<p id=${`${id}-help`} class="help">${help}</p>`}
		${error && html`<p id=${`${id}-error`} class="field-error">${error}</p>`}
	</div>`;
}

export function Select({ id, label, value, onChange, options, help }) {
	return html`<div class="field">
		<label for=${id}>${label}</label>
		<select id=${id} name=${id} value=${value} onChange=${(e) => onChange(e.target.value)}
			aria-describedby=${help ? `${id}-help` : undefined}>
			${options.map((o) => html`<option value=${o.value ?? o}>${o.label ?? o}</option>`)}
		</select>
		${help && html`<p id=${`${id}-help`} class="help">${help}</p>`}
	</div>`;
}

const OP = { add: '+', remove: '−', change: '~' };

// The dry run's diff, the apply button, and what the agent said.
export function ChangeStatus({ change, what, applyLabel = 'Apply' }) {
	const { phase, diff, errors } = change;
	return html`<div class="change" aria-live="polite">
		${errors.message && html`<div class="note bad" role="alert">
			<strong>The agent refused the change; nothing was applied.</strong> ${errors.message}
			${errors.summary.length > 0 && html`<ul>${errors.summary.map((d) => html`<li><code>${d.location}</code>: ${d.message}</li>`)}</ul>`}
		</div>`}
		${phase === 'previewing' && html`<p>Asking the agent for a dry run…</p>`}
		${(phase === 'preview' || phase === 'applying') && diff && html`<div class="note info">
			<p><strong>Dry run: ${diff.length ? `applying ${what} makes these changes` : 'nothing would change'}.</strong></p>
			${diff.length > 0 && html`<ul class="diff">${diff.map((c) => html`<li class=${'op-' + c.op}><span aria-hidden="true">${OP[c.op] || '·'}</span> ${c.op} ${c.object}${c.detail ? ` (${c.detail})` : ''}</li>`)}</ul>`}
			<button type="button" onClick=${change.apply} disabled=${phase === 'applying' || !diff.length}>${applyLabel}</button>
		</div>`}
		${phase === 'done' && html`<div class="note good" role="status"><strong>Applied.</strong> ${diff && diff.map((c) => `${c.op} ${c.object}`).join(', ')}</div>`}
	</div>`;
}
