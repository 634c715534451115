/**
 * Who may do what, against the BUILT server on a small sample: every route and endpoint of the
 * app (found by walking src/routes, so a new route without an entry in the access table fails
 * here) x every role x every method and form action it has. Allowed requests pass the gate (the
 * handler answers, whatever it makes of the empty request); refused ones answer 403; nobody
 * signed in gets 401 (or the sign-in page); an account outside one's scope answers 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, decide } from '../../src/lib/server/auth/access.ts';
import { ROLES, type Role } from '../../src/lib/server/auth/roles.ts';
import { ROOT, startServer, type RunningServer } from '../helpers/server.ts';

const ROUTES_DIR = path.join(ROOT, 'src/routes');

interface Route {
	id: string;
	/** request methods of an endpoint, or the form actions of a page */
	methods: string[];
	actions: string[];
	page: boolean;
}

/** Every route of the app, read from the files SvelteKit builds it from. */
function appRoutes(): Route[] {
	const out = new Map<string, Route>();
	const walk = (dir: string) => {
		for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, e.name);
			if (e.isDirectory()) {
				walk(full);
				continue;
			}
			if (!/^\+(page|page\.server|server)\.(ts|svelte)$/.test(e.name)) continue;
			const id = '/' + path.relative(ROUTES_DIR, dir).split(path.sep).join('/');
			const r = out.get(id.replace(/\/$/, '') || '/') ?? {
				id: id === '/' ? '/' : id.replace(/\/$/, ''),
				methods: [],
				actions: [],
				page: false
			};
			const text = fs.readFileSync(full, 'utf8');
			if (e.name.startsWith('+server')) {
				for (const m of text.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g))
					r.methods.push(m[1]);
			} else {
				r.page = true;
				if (!r.methods.includes('GET')) r.methods.push('GET');
				const actions = /export const actions = \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
				for (const m of actions.matchAll(/^\t([a-zA-Z]+): async/gm)) r.actions.push(m[1]);
			}
			out.set(r.id, r);
		}
	};
	walk(ROUTES_DIR);
	return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
}

let server: RunningServer;
const cookies = {} as Record<Role, string>;
let mine = '';
let other = '';
let myTicket = '';
let otherTicket = '';
let importId = '';
const accountIds = new Map<string, string>();

/** The concrete address of a route: the csm's own account, a real ticket of it, a real import. */
function address(id: string): string {
	const values: Record<string, string> = {
		'[id]': id.startsWith('/accounts')
			? mine
			: id.startsWith('/tickets') || id.startsWith('/api/tickets')
				? myTicket
				: id.includes('imports')
					? importId
					: 'nl-office-hours',
		'[source]': 'zendesk',
		'[month]': '2026-10',
		'[policy]': 'model-a',
		'[name]': 'no-such-profile',
		'[user]': 'no-such-user',
		'[token]': 'no-such-token'
	};
	if (id.startsWith('/settings/policies')) values['[id]'] = 'model-a';
	let url = id.replace(/\[[a-z]+\]/g, (p) => {
		if (!(p in values)) throw new Error(`No value for ${p} in ${id}: add one to the test`);
		return encodeURIComponent(values[p]);
	});
	if (id === '/api/imports') url += '?source=zendesk&name=empty.csv';
	if (id === '/compliance/export') url += '?format=xlsx';
	return url;
}

async function request(
	url: string,
	method: string,
	cookie: string | null,
	action: string | null = null
): Promise<Response> {
	const headers: Record<string, string> = { origin: server.base, accept: 'application/json' };
	if (cookie) headers.cookie = cookie;
	let body: BodyInit | undefined;
	let target = url;
	if (action !== null) {
		target += `?/${action}`;
		headers['content-type'] = 'application/x-www-form-urlencoded';
		headers['x-sveltekit-action'] = 'true';
		body = '';
	} else if (method !== 'GET') {
		headers['content-type'] = 'application/json';
		body = '{}';
	}
	return fetch(new URL(target, server.base), { method, headers, body, redirect: 'manual' });
}

/** Requests that would remove the sample for good: checked last. */
const DESTRUCTIVE = new Set([
	'POST / removeSample',
	'POST /accounts removeSample',
	'DELETE /api/sample'
]);

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '400' });
	// the sample's accounts file: id, then the name (quoted when it holds a comma)
	for (const line of fs
		.readFileSync(path.join(server.dataDir, 'sample/accounts.csv'), 'utf8')
		.split('\n')
		.slice(1)) {
		const m = /^([^,]+),(?:"((?:[^"]|"")*)"|([^,]*))/.exec(line);
		if (m) accountIds.set((m[2] ?? m[3]).replaceAll('""', '"'), m[1]);
	}
	for (let id = 1000; id < 1400 && !(mine && other && myTicket && otherTicket); id++) {
		const r = await server.fetch(`/api/tickets/zendesk/${id}/explain`);
		if (!r.ok) continue;
		const name = ((await r.json()) as { ticket: { account: string | null } }).ticket.account;
		const a = name === null ? undefined : accountIds.get(name);
		if (!a) continue;
		if (!mine) mine = a;
		if (a === mine && !myTicket) myTicket = String(id);
		if (a !== mine && !otherTicket) {
			other = a;
			otherTicket = String(id);
		}
	}
	expect(mine && other && myTicket && otherTicket).toBeTruthy();
	importId = String(
		((await (await server.fetch('/api/imports')).json()) as { id: number }[])[0].id
	);
	for (const role of ROLES) {
		const u = await server.addUser(
			`${role}@peil.test`,
			role,
			role === 'csm' || role === 'account_manager' ? [mine] : []
		);
		cookies[role] = await server.signIn(u.email, u.password);
	}
}, 10 * 60_000);

afterAll(async () => {
	await server?.stop();
});

describe('the access table', () => {
	it('has an entry for every route of the app, and no entry for a route that does not exist', () => {
		const ids = appRoutes().map((r) => r.id);
		expect(ids.filter((id) => !(id in ROUTES))).toEqual([]);
		expect(Object.keys(ROUTES).filter((id) => !ids.includes(id))).toEqual([]);
	});

	it('says what the roles are for', () => {
		// the issue's words, checked on the table itself
		expect(decide('/compliance', 'GET', 'viewer')).toBe('allow');
		expect(decide('/accounts/[id]', 'POST', 'viewer', 'save')).toBe('forbidden');
		expect(decide('/billing/[month]', 'GET', 'finance')).toBe('allow');
		expect(decide('/billing/[month]', 'GET', 'csm')).toBe('forbidden');
		expect(decide('/compliance', 'GET', 'finance')).toBe('forbidden');
		expect(decide('/training', 'GET', 'account_manager')).toBe('allow');
		expect(decide('/training', 'GET', 'csm')).toBe('forbidden');
		expect(decide('/accounts/[id]/review/[month]', 'POST', 'csm', 'finalise')).toBe('allow');
		expect(decide('/import', 'GET', 'csm')).toBe('forbidden');
		expect(decide('/admin/users', 'GET', 'finance')).toBe('forbidden');
		for (const role of ROLES.filter((r) => r !== 'admin'))
			for (const id of ['/api/imports', '/settings/policies/[id]', '/admin/tokens'])
				expect(decide(id, 'POST', role)).toBe('forbidden');
	});
});

/** GET as someone; the status and the body's text. */
async function get(url: string, auth: { cookie?: string; token?: string }) {
	const headers: Record<string, string> = { accept: 'text/html' };
	if (auth.cookie) headers.cookie = auth.cookie;
	if (auth.token) headers.authorization = `Bearer ${auth.token}`;
	const res = await fetch(new URL(url, server.base), { headers, redirect: 'manual' });
	return { status: res.status, text: await res.text() };
}

describe('account scope', () => {
	it('a csm sees their own account and gets 404 for any other, in pages, filters, tickets and downloads', async () => {
		const csm = { cookie: cookies.csm };
		expect((await get(`/accounts/${mine}`, csm)).status).toBe(200);
		expect((await get(`/accounts/${other}`, csm)).status).toBe(404);
		expect((await get('/accounts/no-such-account', csm)).status).toBe(404);
		expect((await get(`/accounts/${other}/review/2026-10`, csm)).status).toBe(404);
		expect((await get(`/tickets/zendesk/${myTicket}`, csm)).status).toBe(200);
		expect((await get(`/tickets/zendesk/${otherTicket}`, csm)).status).toBe(404);
		expect((await get(`/api/tickets/zendesk/${otherTicket}/explain`, csm)).status).toBe(404);
		expect((await get(`/compliance?account=${other}`, csm)).status).toBe(404);
		expect((await get(`/compliance?account=${mine}`, csm)).status).toBe(200);
		const list = await get(`/accounts`, csm);
		expect(list.text).toContain(`/accounts/${mine}`);
		expect(list.text).not.toContain(`/accounts/${other}`);
		// the whole ticket list as CSV: only the csm's own account
		const csv = await get(
			'/compliance/tickets/export?from=2020-01&to=2030-12&format=csv&verdict=all',
			csm
		);
		expect(csv.status).toBe(200);
		const names = [...accountIds].filter(([, id]) => id !== mine).map(([name]) => name);
		const mineName = [...accountIds].find(([, id]) => id === mine)![0];
		expect(csv.text).toContain(mineName);
		for (const n of names) expect(csv.text).not.toContain(n);
		// the admin sees both
		expect((await get(`/accounts/${other}`, { cookie: server.cookie })).status).toBe(200);
	});

	it('an account manager reads training and reviews of their account, not compliance', async () => {
		const am = { cookie: cookies.account_manager };
		expect((await get('/training', am)).status).toBe(200);
		expect((await get(`/accounts/${mine}/review/2026-10`, am)).status).toBe(200);
		expect((await get(`/accounts/${other}/review/2026-10`, am)).status).toBe(404);
		expect((await get('/compliance', am)).status).toBe(403);
		expect((await get(`/training?account=${other}`, am)).status).toBe(404);
		// recording training for another account is refused as for one that does not exist
		const record = (accountId: string) =>
			fetch(`${server.base}/training?/record`, {
				method: 'POST',
				headers: {
					cookie: cookies.account_manager,
					origin: server.base,
					accept: 'application/json',
					'x-sveltekit-action': 'true',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams({
					accountId,
					status: 'offered',
					onDate: '2026-10-01',
					note: '',
					by: 'am'
				})
			}).then((r) => r.json() as Promise<{ type: string; data: string }>);
		const refused = await record(other);
		expect(refused.type).toBe('failure');
		expect(refused.data).toContain(`there is no account`);
		expect((await record(mine)).type).toBe('success');
	});
});

describe('API tokens', () => {
	it('act with their role and accounts, and stop working when revoked', async () => {
		const made = await server.fetch('/api/tokens', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'csm-script', role: 'csm', accounts: [mine] })
		});
		expect(made.status).toBe(200);
		const { secret } = (await made.json()) as { secret: string };
		expect(secret).toMatch(/^peil_/);
		expect((await get(`/accounts/${mine}`, { token: secret })).status).toBe(200);
		expect((await get(`/accounts/${other}`, { token: secret })).status).toBe(404);
		expect((await get('/billing/2026-10', { token: secret })).status).toBe(403);
		const upload = await fetch(`${server.base}/api/imports?source=zendesk&name=x.csv`, {
			method: 'POST',
			headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/csv' },
			body: 'Id,Subject\n1,x\n'
		});
		expect(upload.status).toBe(403);
		const revoked = await server.fetch('/api/tokens/csm-script', { method: 'DELETE' });
		expect(revoked.status).toBe(200);
		expect((await get(`/accounts/${mine}`, { token: secret })).status).toBe(303);
		const api = await fetch(`${server.base}/api/tickets/zendesk/${myTicket}/explain`, {
			headers: { authorization: `Bearer ${secret}` }
		});
		expect(api.status).toBe(401);
		// a csm token without accounts is refused when it is made
		const none = await server.fetch('/api/tokens', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'no-accounts', role: 'csm' })
		});
		expect(none.status).toBe(400);
		expect(((await none.json()) as { message: string }).message).toMatch(/accounts/);
	});
});

describe('signing in', () => {
	it('refuses a wrong password, then locks the name after five failures even with the right one', async () => {
		const u = await server.addUser('limited@peil.test', 'viewer');
		const attempt = (password: string) =>
			fetch(`${server.base}/login`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					origin: server.base,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams({ name: u.email, password })
			});
		const wrong = await attempt('not-the-password');
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain('That name and password do not match.');
		for (let i = 0; i < 4; i++) await (await attempt('still-not-it')).body?.cancel();
		const locked = await attempt(u.password);
		expect(locked.status).toBe(429);
		expect(await locked.text()).toMatch(/Too many failed sign-ins/);
		expect(locked.headers.get('set-cookie')).toBeNull();
		// another person from the same address still gets in
		const other = await server.addUser('unaffected@peil.test', 'viewer');
		expect(await server.signIn(other.email, other.password)).toMatch(/^peil_session=/);
		// and the failures are in the audit log, for an admin
		const log = await get('/admin/audit?actor=limited', { cookie: server.cookie });
		expect(log.text).toContain('failed: wrong name or password');
		expect(log.text).toContain('refused: too many failed attempts');
	});

	it('the first start made a sample admin whose generated password was printed once', async () => {
		const printed = /name:\s+admin\s+password:\s+(\S+)/.exec(server.log());
		expect(printed).not.toBeNull();
		expect(printed![1].length).toBeGreaterThanOrEqual(20);
		const cookie = await server.signIn('admin', printed![1]);
		expect((await get('/admin/users', { cookie })).status).toBe(200);
		// printed once: the code holds no password of its own
		expect(
			fs.readFileSync(path.join(ROOT, 'src/lib/server/auth/first-admin.ts'), 'utf8')
		).not.toContain(printed![1]);
	});

	it('sign-out ends the session; disabling a user ends theirs', async () => {
		const u = await server.addUser('leaving@peil.test', 'viewer');
		const cookie = await server.signIn(u.email, u.password);
		expect((await get('/compliance', { cookie })).status).toBe(200);
		const out = await fetch(`${server.base}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				cookie,
				origin: server.base,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: ''
		});
		expect(out.status).toBe(303);
		expect((await get('/compliance', { cookie })).status).toBe(303);
		const again = await server.signIn(u.email, u.password);
		expect((await get('/compliance', { cookie: again })).status).toBe(200);
		const disabled = await server.fetch(`/api/users/${encodeURIComponent(u.email)}`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ disabled: true })
		});
		expect(disabled.status).toBe(200);
		expect((await get('/compliance', { cookie: again })).status).toBe(303);
		await expect(server.signIn(u.email, u.password)).rejects.toThrow(/answered 400/);
	});

	it('sends security headers and a CSP without inline scripts', async () => {
		const res = await fetch(`${server.base}/login`);
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('referrer-policy')).toBe('same-origin');
		const csp = res.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
		expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
		// a form post from another site is refused
		const forged = await fetch(`${server.base}/accounts/${mine}?/save`, {
			method: 'POST',
			headers: {
				cookie: server.cookie,
				origin: 'https://evil.example',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: 'name=Hacked'
		});
		expect(forged.status).toBe(403);
		// nor a change with the cookie and a body without a form type (SvelteKit checks forms only)
		const noType = await fetch(`${server.base}/api/users`, {
			method: 'POST',
			headers: { cookie: server.cookie, origin: 'https://evil.example' },
			body: JSON.stringify({
				email: 'planted@evil.example',
				role: 'admin',
				password: 'x'.repeat(16)
			})
		});
		expect(noType.status).toBe(403);
		const noOrigin = await fetch(`${server.base}/api/users`, {
			method: 'POST',
			headers: { cookie: server.cookie, 'content-type': 'application/json' },
			body: JSON.stringify({
				email: 'planted@evil.example',
				role: 'admin',
				password: 'x'.repeat(16)
			})
		});
		expect(noOrigin.status).toBe(403);
		const users = (await (await server.fetch('/api/users')).json()) as { email: string }[];
		expect(users.map((u) => u.email)).not.toContain('planted@evil.example');
		// after signing in, /login?next= only ever leads to a page of Peil's own
		for (const next of [
			'/\t/evil.example',
			'//evil.example',
			'https://evil.example',
			'/\\evil.example'
		])
			expect(
				(
					await fetch(`${server.base}/login?next=${encodeURIComponent(next)}`, {
						headers: { cookie: server.cookie },
						redirect: 'manual'
					})
				).headers.get('location'),
				next
			).toBe('/');
		expect(
			(
				await fetch(
					`${server.base}/login?next=${encodeURIComponent('/compliance?clock=resolution')}`,
					{
						headers: { cookie: server.cookie },
						redirect: 'manual'
					}
				)
			).headers.get('location')
		).toBe('/compliance?clock=resolution');
	});

	it('counts sign-in attempts made at once, and logs refusals of signed-in people', async () => {
		const u = await server.addUser('rushed@peil.test', 'viewer');
		const statuses = await Promise.all(
			Array.from({ length: 12 }, () =>
				fetch(`${server.base}/login`, {
					method: 'POST',
					redirect: 'manual',
					headers: {
						origin: server.base,
						accept: 'text/html',
						'content-type': 'application/x-www-form-urlencoded'
					},
					body: new URLSearchParams({ name: u.email, password: 'wrong-every-time' })
				}).then((r) => r.status)
			)
		);
		expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
		expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
		expect((await get(`/accounts/${other}`, { cookie: cookies.csm })).status).toBe(404);
		expect((await get('/billing/2026-10', { cookie: cookies.csm })).status).toBe(403);
		const log = await get('/admin/audit?actor=csm%40peil.test', { cookie: server.cookie });
		expect(log.text).toContain('refused (404)');
		expect(log.text).toContain('refused (403)');
	});
});

describe('every route x every role', () => {
	it(
		'answers the allowed requests and refuses the rest with 403',
		async () => {
			const problems: string[] = [];
			const destructive: [string, () => Promise<void>][] = [];
			for (const route of appRoutes()) {
				const url = address(route.id);
				const checks: { method: string; action: string | null }[] = [
					...route.methods.map((m) => ({ method: m, action: null })),
					...route.actions.map((a) => ({ method: 'POST', action: a }))
				];
				for (const { method, action } of checks)
					for (const role of ROLES) {
						const expected = decide(route.id, method, role, action);
						const key = `${method} ${route.id}${action ? ` ${action}` : ''}`;
						const check = async () => {
							const res = await request(url, method, cookies[role], action);
							const status = res.status;
							await res.body?.cancel();
							const passed = status !== 401 && status !== 403;
							if (expected === 'allow' && !passed)
								problems.push(`${role} ${key}: expected to pass, got ${status}`);
							if (expected === 'allow' && method === 'GET' && status >= 400)
								problems.push(`${role} ${key}: allowed but answered ${status} at ${url}`);
							if (expected !== 'allow' && status !== 403)
								problems.push(`${role} ${key}: expected 403, got ${status}`);
						};
						if (DESTRUCTIVE.has(key)) destructive.push([key, check]);
						else await check();
					}
			}
			for (const [, check] of destructive) await check();
			expect(problems).toEqual([]);
		},
		5 * 60_000
	);
});

describe('not signed in', () => {
	it('gets the sign-in page for pages, 401 for the rest, and only /login and /api/health open', async () => {
		const problems: string[] = [];
		for (const route of appRoutes()) {
			const url = address(route.id);
			for (const method of route.methods) {
				const res = await fetch(new URL(url, server.base), {
					method,
					redirect: 'manual',
					headers: { accept: route.page ? 'text/html' : 'application/json', origin: server.base }
				});
				await res.body?.cancel();
				if (ROUTES[route.id].public) continue;
				const ok =
					route.page && method === 'GET'
						? res.status === 303 && res.headers.get('location')?.startsWith('/login?next=')
						: res.status === 401;
				if (!ok) problems.push(`${method} ${route.id}: ${res.status}`);
			}
		}
		expect(problems).toEqual([]);
	});
});

describe('session expiry', () => {
	let short: RunningServer;
	beforeAll(async () => {
		// sessions of 3.6 seconds, on an empty store
		short = await startServer({ PEIL_SAMPLE: '0', PEIL_SESSION_HOURS: '0.001' });
	}, 120_000);
	afterAll(async () => {
		await short?.stop();
	});

	it('a session stops working when it expires', async () => {
		const u = await short.addUser('brief@peil.test', 'admin');
		const cookie = await short.signIn(u.email, u.password);
		const open = () =>
			fetch(`${short.base}/imports`, {
				headers: { cookie, accept: 'text/html' },
				redirect: 'manual'
			});
		expect((await open()).status).toBe(200);
		await new Promise((r) => setTimeout(r, 4_500));
		const after = await open();
		expect(after.status).toBe(303);
		expect(after.headers.get('location')).toBe('/login?next=%2Fimports');
		// and the store without the sample told how to make the first admin
		expect(short.log()).toContain('npm run peil -- user add');
	});
});
