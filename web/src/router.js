// SPDX-License-Identifier: GPL-2.0-only
// One URL per page (/flows, /alerts, ...), the page's filters in its query string, so
// a view can be shared: ztosd answers every page's URL with index.html (agent/api/web.c).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();
const here = () => ({ path: location.pathname, query: new URLSearchParams(location.search) });
const notify = () => listeners.forEach((f) => f(here()));
window.addEventListener('popstate', notify);

export function navigate(href, replace = false) {
	history[replace ? 'replaceState' : 'pushState'](null, '', href);
	notify();
}

export function useLocation() {
	const [loc, set] = useState(here);
	useEffect(() => {
		listeners.add(set);
		return () => listeners.delete(set);
	}, []);
	return loc;
}

// useQuery(keys): the values of those query parameters ('' when absent), and a setter
// that writes them back to the URL (replacing the history entry: typing in a filter
// should not fill the back button).
export function useQuery(keys) {
	const { query } = useLocation();
	const values = Object.fromEntries(keys.map((k) => [k, query.get(k) || '']));
	const set = (patch) => {
		const q = new URLSearchParams(location.search);
		for (const [k, v] of Object.entries(patch))
			v === '' || v == null ? q.delete(k) : q.set(k, v);
		const s = q.toString();
		navigate(location.pathname + (s ? '?' + s : ''), true);
	};
	return [values, set];
}

export function Link({ href, children, ...rest }) {
	const onClick = (e) => {
		if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
			return;
		e.preventDefault();
		navigate(href);
	};
	return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}
