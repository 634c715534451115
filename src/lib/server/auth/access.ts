/**
 * Every route of the app and who may use it: the one table the server consults for each page,
 * form action, API endpoint and download (hooks.server.ts). A route missing here is refused to
 * everyone, and a test fails until it has an entry (test/integration/access.test.ts).
 *
 * - `read`: roles that may GET it; `write`: roles that may POST/PUT/DELETE to it (every form
 *   action of the page, unless `actions` names roles for one of them).
 * - `account`: where the account it shows comes from, checked against the person's account scope
 *   ('param' = the [id] parameter, 'ticket' = the ticket's account); an account outside the
 *   scope answers 404, exactly as an account that does not exist.
 * - `audit`: 'export' records each download in the audit log (form posts are always recorded).
 */
import type { Role } from './roles.ts';

export const EVERYONE: readonly Role[] = ['admin', 'csm', 'account_manager', 'finance', 'viewer'];
const ADMIN: readonly Role[] = ['admin'];
const COMPLIANCE: readonly Role[] = ['admin', 'csm', 'viewer'];
const REVIEWS: readonly Role[] = ['admin', 'csm', 'account_manager'];
const TRAINING: readonly Role[] = ['admin', 'account_manager'];
const BILLING: readonly Role[] = ['admin', 'finance'];
/** who may see a ticket's page: whoever may see the figures it stands behind */
const TICKETS: readonly Role[] = ['admin', 'csm', 'account_manager', 'viewer'];
/** who may correct a ticket (type, priority, …) */
const CORRECTORS: readonly Role[] = ['admin', 'csm'];

export interface RouteRule {
	/** anyone may use it without signing in */
	public?: true;
	read?: readonly Role[];
	write?: readonly Role[];
	actions?: Record<string, readonly Role[]>;
	account?: 'param' | 'ticket';
	audit?: 'export';
}

export const ROUTES: Record<string, RouteRule> = {
	'/login': { public: true, read: EVERYONE, write: EVERYONE },
	'/logout': { read: EVERYONE, write: EVERYONE },
	'/api/health': { public: true, read: EVERYONE },

	'/': { read: EVERYONE, write: ADMIN },
	'/account/password': { read: EVERYONE, write: EVERYONE },
	'/accounts': { read: EVERYONE, write: ADMIN },
	'/accounts/[id]': { read: EVERYONE, write: ADMIN, account: 'param' },
	'/accounts/[id]/review': { read: REVIEWS, account: 'param' },
	'/accounts/[id]/review/[month]': { read: REVIEWS, write: REVIEWS, account: 'param' },
	'/accounts/[id]/review/[month]/export': { read: REVIEWS, account: 'param', audit: 'export' },
	'/reviews': { read: REVIEWS },
	'/reviews/[month]': { read: REVIEWS },

	'/compliance': { read: COMPLIANCE },
	'/compliance/export': { read: COMPLIANCE, audit: 'export' },
	'/compliance/tickets': { read: COMPLIANCE },
	'/compliance/tickets/arrow': { read: COMPLIANCE, audit: 'export' },
	'/compliance/tickets/export': { read: COMPLIANCE, audit: 'export' },
	'/reconciliation': { read: COMPLIANCE },
	'/reconciliation/export': { read: COMPLIANCE, audit: 'export' },
	'/tickets/[source]/[id]': { read: TICKETS, write: CORRECTORS, account: 'ticket' },
	'/api/tickets/[source]/[id]/explain': { read: TICKETS, account: 'ticket' },
	'/api/tickets/[source]/[id]/corrections': {
		read: TICKETS,
		write: CORRECTORS,
		account: 'ticket'
	},

	'/training': { read: TRAINING, write: TRAINING },
	'/training/export': { read: TRAINING, audit: 'export' },
	'/training/settings': { read: TRAINING, write: ADMIN },

	'/billing': { read: BILLING },
	'/billing/[month]': { read: BILLING, write: BILLING },
	'/billing/[month]/export': { read: BILLING, audit: 'export' },
	'/settings/rates/[policy]': { read: BILLING, write: ADMIN },

	'/settings': { read: ADMIN },
	'/settings/agreements': { read: ADMIN, write: ADMIN },
	'/settings/calendars/[id]': { read: ADMIN, write: ADMIN },
	'/settings/policies/[id]': { read: ADMIN, write: ADMIN },
	'/import': { read: ADMIN, write: ADMIN },
	'/imports': { read: ADMIN, write: ADMIN },
	'/imports/[id]': { read: ADMIN, write: ADMIN },
	'/api/imports': { read: ADMIN, write: ADMIN },
	'/api/imports/preview': { write: ADMIN },
	'/api/imports/[id]': { read: ADMIN },
	'/api/imports/[id]/rejects.csv': { read: ADMIN, audit: 'export' },
	'/api/imports/[id]/rollback': { write: ADMIN },
	'/api/accounts/import': { write: ADMIN },
	'/api/accounts/[id]/erase': { write: ADMIN, account: 'param' },
	'/api/backup': { read: ADMIN, audit: 'export' },
	'/api/profiles': { read: ADMIN },
	'/api/profiles/[name]': { write: ADMIN },
	'/api/sample': { write: ADMIN },
	'/api/verdicts': { write: ADMIN },
	'/api/users': { read: ADMIN, write: ADMIN },
	'/api/users/[user]': { write: ADMIN },
	'/api/tokens': { read: ADMIN, write: ADMIN },
	'/api/tokens/[token]': { write: ADMIN },
	'/admin/users': { read: ADMIN, write: ADMIN },
	'/admin/tokens': { read: ADMIN, write: ADMIN },
	'/admin/audit': { read: ADMIN }
};

export type Decision = 'allow' | 'sign-in' | 'forbidden' | 'unknown';

/** The form action a POST to a page names (`?/save` → 'save'; no name → 'default'). */
export function actionName(url: URL): string {
	for (const key of url.searchParams.keys()) if (key.startsWith('/')) return key.slice(1);
	return 'default';
}

/**
 * May `role` (null: not signed in) use `routeId` with `method`? 'unknown' for a route not in the
 * table (refused), 'sign-in' when the route needs a signed-in person and there is none.
 */
export function decide(
	routeId: string | null,
	method: string,
	role: Role | null,
	action: string | null = null
): Decision {
	const rule = routeId == null ? undefined : ROUTES[routeId];
	if (!rule) return 'unknown';
	const reading = method === 'GET' || method === 'HEAD';
	const roles = reading ? rule.read : ((action && rule.actions?.[action]) ?? rule.write);
	if (rule.public) return roles ? 'allow' : 'forbidden';
	if (!role) return 'sign-in';
	return roles?.includes(role) ? 'allow' : 'forbidden';
}

/** The sections of the navigation a role may open (the pages a GET would allow). */
export function canRead(routeId: string, role: Role): boolean {
	return decide(routeId, 'GET', role) === 'allow';
}
