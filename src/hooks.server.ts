import {
	json,
	type Handle,
	type HandleServerError,
	type RequestEvent,
	type ServerInit
} from '@sveltejs/kit';
import { getStore } from '$lib/server/store';
import { actionName, decide, ROUTES } from '$lib/server/auth/access';
import { authenticate, isHandOff, SESSION_COOKIE } from '$lib/server/auth/sessions';
import type { Principal } from '$lib/server/auth/roles';
import { audit } from '$lib/server/auth/audit';
import { inScope, NO_ACCOUNTS } from '$lib/server/scope';

/** Open, migrate and (on a first start) fill the store before the first request is served. */
export const init: ServerInit = async () => {
	await getStore();
};

const SECURITY_HEADERS: Record<string, string> = {
	'x-content-type-options': 'nosniff',
	'x-frame-options': 'DENY',
	'referrer-policy': 'same-origin',
	'cross-origin-opener-policy': 'same-origin',
	'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()'
};

/** Form fields never written to the audit log. */
const SECRET_FIELD = /password|secret|token/i;

function wantsPage(event: RequestEvent): boolean {
	return (
		event.request.method === 'GET' &&
		(event.request.headers.get('accept') ?? '').includes('text/html')
	);
}

function refuse(event: RequestEvent, status: number, message: string): Response {
	if (wantsPage(event))
		return new Response(
			`<!doctype html><meta charset="utf-8"><title>${status}</title><p>${message}</p><p><a href="/">Peil</a></p>`,
			{ status, headers: { 'content-type': 'text/html; charset=utf-8' } }
		);
	return json({ message }, { status });
}

/** The account a route shows, when it shows one, for the scope check. */
async function accountOf(event: RequestEvent): Promise<string | null | undefined> {
	const rule = event.route.id ? ROUTES[event.route.id] : undefined;
	if (rule?.account === 'param') return event.params.id ?? null;
	if (rule?.account === 'ticket') {
		const store = await getStore();
		const r = await store.one(
			'SELECT account_id FROM tickets WHERE source = $1 AND external_id = $2',
			[event.params.source ?? '', event.params.id ?? '']
		);
		return r ? (r.account_id == null ? null : String(r.account_id)) : undefined;
	}
	return undefined;
}

/** Non-secret fields of a small form post or JSON body, for the audit log. */
async function formFields(request: Request): Promise<Record<string, string> | null> {
	const type = request.headers.get('content-type') ?? '';
	const length = Number(request.headers.get('content-length') ?? 0);
	if (length > 64_000) return null;
	const out: Record<string, string> = {};
	const keep = (k: string, v: unknown) => {
		const text = typeof v === 'string' ? v : JSON.stringify(v);
		out[k] = SECRET_FIELD.test(k) ? '(hidden)' : String(text).slice(0, 300);
	};
	try {
		if (type.startsWith('application/x-www-form-urlencoded')) {
			for (const [k, v] of await request.clone().formData()) if (typeof v === 'string') keep(k, v);
			return out;
		}
		if (type.startsWith('application/json') && length > 0) {
			const body = (await request.clone().json()) as unknown;
			if (body && typeof body === 'object' && !Array.isArray(body))
				for (const [k, v] of Object.entries(body)) keep(k, v);
			return out;
		}
	} catch {
		// not readable as a form or JSON: the handler answers it
	}
	return null;
}

/** How the audit log names a request: `POST /accounts/[id] ?/save`. */
function requestName(method: string, routeId: string, action: string | null): string {
	return `${method} ${routeId}${action && action !== 'default' ? ` ?/${action}` : ''}`;
}

/** One audit entry for a request of a signed-in person or token. */
async function auditRequest(
	store: Awaited<ReturnType<typeof getStore>>,
	event: RequestEvent,
	who: Principal,
	action: string,
	outcome: string,
	detail: Record<string, string> | null = null
): Promise<void> {
	await audit(store, {
		actor: who.actor,
		role: who.role,
		action,
		target: event.url.pathname + event.url.search,
		outcome,
		detail,
		ip: event.getClientAddress()
	});
}

function isLoopback(address: string): boolean {
	return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

/** 'ok', or why the action did not go through (an enhanced form answers 200 with a failure). */
async function outcomeOf(response: Response): Promise<string> {
	if (response.status >= 400) return `refused (${response.status})`;
	if ((response.headers.get('content-type') ?? '').includes('application/json')) {
		try {
			const body = (await response.clone().json()) as { type?: string; status?: number };
			if (body?.type === 'failure') return `refused (${body.status ?? 400})`;
			if (body?.type === 'error') return `failed (${body.status ?? 500})`;
		} catch {
			// not the form-action envelope
		}
	}
	return 'ok';
}

export const handle: Handle = async ({ event, resolve }) => {
	const store = await getStore();
	const authorization = event.request.headers.get('authorization');
	let signed = await authenticate(store, event.cookies.get(SESSION_COOKIE), authorization);
	// the command line's hand-off token works from this machine only
	if (signed && isHandOff(signed.principal) && !isLoopback(event.getClientAddress())) signed = null;
	event.locals.user = signed?.principal ?? null;
	event.locals.scope = signed?.scope ?? NO_ACCOUNTS;
	event.locals.sessionEnds = signed?.expiresAt ?? null;

	const routeId = event.route.id;
	const method = event.request.method;
	const action = method === 'POST' ? actionName(event.url) : null;
	const writing = method !== 'GET' && method !== 'HEAD';
	// a change made with the session cookie must come from Peil's own pages: SvelteKit checks the
	// origin of form posts only, and a body without a content type would pass it
	if (
		writing &&
		signed?.principal.kind === 'user' &&
		!/^Bearer\s/i.test(authorization ?? '') &&
		event.request.headers.get('origin') !== event.url.origin
	)
		return json({ message: 'Cross-site requests are refused.' }, { status: 403 });
	let response: Response;
	if (routeId === null) {
		// no such page: the 404 says nothing about what exists
		response = signed ? await resolve(event) : refuse(event, 404, 'Not found');
	} else {
		const decision = decide(routeId, method, signed?.principal.role ?? null, action);
		if (decision === 'sign-in') {
			if (wantsPage(event)) {
				const next = event.url.pathname + event.url.search;
				return new Response(null, {
					status: 303,
					headers: { location: `/login?next=${encodeURIComponent(next)}` }
				});
			}
			return json({ message: 'Sign in first (or send an API token).' }, { status: 401 });
		}
		if (decision !== 'allow') {
			if (signed)
				await auditRequest(
					store,
					event,
					signed.principal,
					requestName(method, routeId, action),
					'refused (403)'
				);
			return refuse(
				event,
				403,
				decision === 'unknown'
					? 'This address has no access rule.'
					: `Your role (${signed?.principal.role}) may not ${method === 'GET' ? 'open' : 'change'} this.`
			);
		}
		// accounts outside the person's scope answer exactly as accounts that do not exist
		const shown = await accountOf(event);
		const asked = event.url.searchParams.getAll('account').filter(Boolean);
		if (
			(shown !== undefined && !inScope(event.locals.scope, shown)) ||
			asked.some((a) => !inScope(event.locals.scope, a))
		) {
			if (signed)
				await auditRequest(
					store,
					event,
					signed.principal,
					requestName(method, routeId, action),
					'refused (404)'
				);
			return refuse(event, 404, 'Not found');
		}

		const fields = writing ? await formFields(event.request) : null;
		response = await resolve(event);
		const rule = ROUTES[routeId];
		const record =
			routeId !== '/login' &&
			routeId !== '/logout' &&
			(writing ? true : rule.audit === 'export' && response.ok);
		if (signed && record)
			await auditRequest(
				store,
				event,
				signed.principal,
				writing ? requestName(method, routeId, action) : `export ${routeId}`,
				await outcomeOf(response),
				fields
			);
	}
	for (const [k, v] of Object.entries(SECURITY_HEADERS))
		if (!response.headers.has(k)) response.headers.set(k, v);
	return response;
};

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const id = crypto.randomUUID().slice(0, 8);
	if (status !== 404)
		console.error(`[${id}] ${event.request.method} ${event.url.pathname}:`, error);
	return {
		message: status === 404 ? message : `Something went wrong on our side (reference ${id}).`
	};
};
