// SPDX-License-Identifier: GPL-2.0-only
// The dashboard's shell: sign-in with the API token, the page list, the connection
// banner (wrong token, agent away or restarted), and the page of the URL.
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './style.css';
import { api, backoff, token, usePoll, useConnection, signOut } from './api.js';
import { Link, useLocation } from './router.js';
import { Badge, Retry } from './ui.js';
import { startSampler, stopSampler } from './sampler.js';
import { Dashboard } from './pages/dashboard.js';
import { Network } from './pages/network.js';
import { Security } from './pages/security.js';
import { Flows } from './pages/flows.js';
import { Alerts } from './pages/alerts.js';
import { Topology } from './pages/topology.js';

const PAGES = [
	{ path: '/', title: 'Dashboard', page: Dashboard },
	{ path: '/network', title: 'Network', page: Network },
	{ path: '/security', title: 'Security', page: Security },
	{ path: '/flows', title: 'Flows', page: Flows },
	{ path: '/alerts', title: 'Alerts', page: Alerts },
	{ path: '/topology', title: 'Topology', page: Topology },
];

function NotFound() {
	return html`<h1>No such page</h1>
		<p>${location.pathname} is not a page of the dashboard. The pages are listed above.</p>`;
}

function Login({ message, onIn }) {
	const [value, setValue] = useState('');
	const [error, setError] = useState(message || '');
	const [retryAt, setRetryAt] = useState(null);
	const [busy, setBusy] = useState(false);
	const fails = useRef(0);
	const input = useRef(null);

	useEffect(() => input.current?.focus(), []);
	const tryToken = async (t) => {
		setBusy(true);
		token.set(t);
		try {
			await api('/api/v1/status');
			onIn();
		} catch (e) {
			if (e.kind === 'unreachable') {
				// Keep the token: the agent may be restarting; try again by itself.
				fails.current++;
				const wait = backoff(fails.current);
				setError(e.message);
				setRetryAt(Date.now() + wait);
				setTimeout(() => tryToken(t), wait);
				return;
			}
			token.clear();
			setError(e.message);
			setRetryAt(null);
		} finally {
			setBusy(false);
		}
	};
	const submit = (e) => {
		e.preventDefault();
		const t = value.trim();
		if (!/^[0-9a-f]{64}$/.test(t)) {
			setError(`A ztos API token is 64 lower-case hexadecimal digits (this has ${t.length} characters): copy it from the agent's token_file (agent.api.token_file, by default /etc/ztos/token).`);
			input.current?.focus();
			return;
		}
		fails.current = 0;
		tryToken(t);
	};
	return html`<main id="main" class="login">
		<h1>Sign in to ztos</h1>
		<p>The dashboard reads the agent's REST API, which needs its bearer token. The token stays in this tab only (session storage) and is sent in a header, never in a URL.</p>
		<form onSubmit=${submit} novalidate>
			<label for="token">API token</label>
			<input id="token" ref=${input} type="password" autocomplete="off" spellcheck="false"
				value=${value} onInput=${(e) => setValue(e.target.value)}
				aria-invalid=${error ? 'true' : 'false'} aria-describedby="token-help token-error" />
			<p id="token-help" class="help">On the agent's host: <code>sudo cat /etc/ztos/token</code> (or the file named by agent.api.token_file).</p>
			<p id="token-error" class="field-error" role="alert">${error}${retryAt && html`<${Retry} at=${retryAt} />`}</p>
			<button type="submit" disabled=${busy}>Sign in</button>
		</form>
	</main>`;
}

// The agent as the shell sees it: health in the header; a restart (new pid) noticed.
function useAgent() {
	const st = usePoll('/api/v1/status', 10000);
	const pid = useRef(null);
	const [restarted, setRestarted] = useState(null);
	useEffect(() => {
		if (!st.data)
			return;
		if (pid.current && pid.current !== st.data.pid)
			setRestarted({ from: pid.current, to: st.data.pid, at: new Date() });
		pid.current = st.data.pid;
	}, [st.data]);
	return { ...st, restarted };
}

function Banner({ agent }) {
	const conn = useConnection();
	if (conn.state === 'down')
		return html`<div class="banner bad" role="alert">${conn.message}. The pages keep trying by themselves and show the data again as soon as ztosd answers.${agent.retryAt && html`<${Retry} at=${agent.retryAt} />`}</div>`;
	if (agent.restarted)
		return html`<div class="banner info" role="status">ztosd restarted at ${agent.restarted.at.toLocaleTimeString([], { hour12: false })} (pid ${agent.restarted.from} → ${agent.restarted.to}); counters and rates started again.</div>`;
	return null;
}

function Shell({ onOut }) {
	const loc = useLocation();
	const agent = useAgent();
	const main = useRef(null);
	const first = useRef(true);
	const page = PAGES.find((p) => p.path === loc.path);
	const Page = page ? page.page : NotFound;

	useEffect(() => {
		document.title = `${page ? page.title : 'Not found'} · ztos`;
		// Moving to another page moves the focus to it (not on the first load).
		if (!first.current)
			main.current?.focus();
		first.current = false;
	}, [loc.path]);
	return html`
		<a class="skip" href="#main">Skip to the page</a>
		<header class="top">
			<span class="brand" aria-hidden="true">ztos</span>
			<nav aria-label="Pages">
				<ul>${PAGES.map((p) => html`<li><${Link} href=${p.path}
					aria-current=${p.path === loc.path ? 'page' : undefined}>${p.title}</${Link}></li>`)}</ul>
			</nav>
			<div class="agent">
				${agent.data && html`<span>ztosd ${agent.data.version}</span> <${Badge} state=${agent.data.health} label=${'health: ' + agent.data.health} />`}
				<button type="button" class="link" onClick=${onOut}>Sign out</button>
			</div>
		</header>
		<${Banner} agent=${agent} />
		<main id="main" ref=${main} tabindex="-1"><${Page} status=${agent.data} /></main>`;
}

function App() {
	const conn = useConnection();
	const [signedIn, setSignedIn] = useState(!!token.get());

	useEffect(() => {
		if (conn.state === 'unauthorized')
			setSignedIn(false);
	}, [conn]);
	useEffect(() => {
		if (signedIn)
			startSampler();
		else
			stopSampler();
	}, [signedIn]);
	if (!signedIn)
		return html`<${Login} message=${conn.state === 'unauthorized' ? conn.message : ''} onIn=${() => setSignedIn(true)} />`;
	return html`<${Shell} onOut=${() => { signOut(''); setSignedIn(false); }} />`;
}

render(html`<${App} />`, document.getElementById('app'));
