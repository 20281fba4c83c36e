// SPDX-License-Identifier: GPL-2.0-only
// The one way the dashboard talks to ztosd: same origin, the bearer token from
// sessionStorage in a header (never in a URL), errors turned into messages a person
// can act on, and the connection's state for the banner (wrong token, agent away).
import { useEffect, useState } from 'preact/hooks';

const KEY = 'ztos.token';
export const token = {
	get: () => sessionStorage.getItem(KEY),
	set: (t) => sessionStorage.setItem(KEY, t),
	clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
	// kind: 'unauthorized' | 'unreachable' | 'http'
	constructor(kind, status, code, message, details = []) {
		super(message);
		this.kind = kind;
		this.status = status;
		this.code = code;
		this.details = details;
	}
}

// The connection as the last request saw it; the shell shows it and the login form
// shows why a token was refused.
let conn = { state: 'ok', message: '' };
const listeners = new Set();
function setConn(next) {
	if (next.state === conn.state && next.message === conn.message)
		return;
	conn = next;
	listeners.forEach((f) => f(conn));
}
export function useConnection() {
	const [c, set] = useState(conn);
	useEffect(() => {
		listeners.add(set);
		set(conn);
		return () => listeners.delete(set);
	}, []);
	return c;
}
export function signOut(message) {
	token.clear();
	setConn({ state: 'unauthorized', message });
}

const WRONG_TOKEN = 'ztosd refused the token (401). Copy it again from the agent\'s ' +
	'token_file (agent.api.token_file, by default /etc/ztos/token: sudo cat /etc/ztos/token).';

export async function api(path, { method = 'GET', body, signal } = {}) {
	const headers = { Authorization: 'Bearer ' + (token.get() || '') };
	let r, text;

	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	try {
		r = await fetch(path, {
			method, headers, signal, cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		text = await r.text();
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		const msg = `ztosd does not answer at ${location.host} (restarting, or stopped?)`;
		setConn({ state: 'down', message: msg });
		throw new ApiError('unreachable', 0, 'unreachable', msg);
	}
	let j = null;
	try {
		j = text ? JSON.parse(text) : null;
	} catch {
		j = null;
	}
	const err = j && j.error;
	if (r.status === 401) {
		signOut(WRONG_TOKEN);
		throw new ApiError('unauthorized', 401, 'unauthorized', WRONG_TOKEN);
	}
	setConn({ state: 'ok', message: '' });
	if (!r.ok)
		throw new ApiError('http', r.status, err ? err.code : `http_${r.status}`,
			err ? err.message : `ztosd answered HTTP ${r.status} to ${method} ${path}`,
			(err && err.details) || []);
	return j;
}

// 1, 2, 4, 8, 15, 15 ... seconds: how long to wait after the n-th failure in a row.
export const backoff = (n) => Math.min(15000, 1000 * 2 ** Math.max(0, n - 1));

// usePoll(path, ms): GET path every ms while the tab is visible and not paused; after
// failures, waits longer (backoff) and says when it tries again.
export function usePoll(path, ms, paused = false) {
	const [st, setSt] = useState({ data: null, error: null, at: null, retryAt: null });
	const [tick, setTick] = useState(0);

	useEffect(() => {
		if (!path)
			return undefined;
		let timer, ctrl, fails = 0, stopped = false;
		const run = async () => {
			clearTimeout(timer);
			if (stopped || paused || document.hidden)
				return;
			ctrl = new AbortController();
			try {
				const data = await api(path, { signal: ctrl.signal });
				fails = 0;
				setSt({ data, error: null, at: new Date(), retryAt: null });
			} catch (e) {
				if (e.name === 'AbortError' || stopped)
					return;
				fails++;
				setSt((s) => ({ ...s, error: e, retryAt: Date.now() + backoff(fails) }));
			}
			if (!stopped)
				timer = setTimeout(run, fails ? backoff(fails) : ms);
		};
		const onVisible = () => {
			if (document.hidden) {
				clearTimeout(timer);
				ctrl?.abort();
			} else {
				run();
			}
		};
		document.addEventListener('visibilitychange', onVisible);
		run();
		return () => {
			stopped = true;
			clearTimeout(timer);
			ctrl?.abort();
			document.removeEventListener('visibilitychange', onVisible);
		};
	}, [path, ms, paused, tick]);
	return { ...st, refresh: () => setTick((t) => t + 1) };
}

// Reads a text/event-stream with fetch(): EventSource cannot send the bearer header.
// Calls onEvent(object) per "data:" frame and onState({state, reason, retryAt}) as the
// stream connects, drops and reconnects (after a drop it asks for what it missed with
// since=, and the caller drops duplicates). Stops when signal aborts.
export async function follow(path, { onEvent, onState, signal, since }) {
	let fails = 0, last = since;
	while (!signal.aborted) {
		const url = path + (last ? `&since=${encodeURIComponent(last)}` : '');
		let reason;
		try {
			const r = await fetch(url, {
				headers: { Authorization: 'Bearer ' + (token.get() || ''), Accept: 'text/event-stream' },
				signal, cache: 'no-store',
			});
			if (r.status === 401) {
				signOut(WRONG_TOKEN);
				return;
			}
			if (!r.ok || !r.body)
				throw new Error(`ztosd answered HTTP ${r.status}`);
			setConn({ state: 'ok', message: '' });
			fails = 0;
			onState({ state: 'live' });
			const reader = r.body.getReader();
			const dec = new TextDecoder();
			let buf = '';
			for (;;) {
				const { value, done } = await reader.read();
				if (done)
					break;
				buf += dec.decode(value, { stream: true });
				let i;
				while ((i = buf.indexOf('\n\n')) >= 0) {
					const frame = buf.slice(0, i);
					buf = buf.slice(i + 2);
					const data = frame.split('\n').filter((l) => l.startsWith('data: '))
						.map((l) => l.slice(6)).join('\n');
					if (!data)
						continue;
					try {
						const ev = JSON.parse(data);
						if (ev.timestamp)
							last = ev.timestamp;
						onEvent(ev);
					} catch {
						// a frame that is not JSON: not ours to show
					}
				}
			}
			reason = 'the agent ended it: stopped or restarting';
		} catch (e) {
			if (signal.aborted)
				return;
			reason = e instanceof TypeError ? `ztosd does not answer at ${location.host}` : e.message;
			if (e instanceof TypeError)
				setConn({ state: 'down', message: `${reason} (restarting, or stopped?)` });
		}
		fails++;
		const wait = backoff(fails);
		onState({ state: 'reconnecting', reason, retryAt: Date.now() + wait });
		await new Promise((res) => {
			const t = setTimeout(res, wait);
			signal.addEventListener('abort', () => { clearTimeout(t); res(); }, { once: true });
		});
	}
}
