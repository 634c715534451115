/**
 * Who may do what. Roles are fixed; which accounts a csm or account manager sees is data
 * (assignments, and the account's own CSM / account manager field naming them).
 */
export const ROLES = ['admin', 'csm', 'account_manager', 'finance', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
	admin: 'Admin (users, settings, imports)',
	csm: 'CSM (compliance and reviews of their accounts)',
	account_manager: 'Account manager (training and reviews of their accounts)',
	finance: 'Finance (billing and its exports, all accounts)',
	viewer: 'Viewer (read-only compliance)'
};

export function isRole(x: unknown): x is Role {
	return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Roles that see only the accounts assigned to them; the others see every account. */
export const SCOPED_ROLES: readonly Role[] = ['csm', 'account_manager'];

/** The signed-in person (or API token) a request acts for. */
export interface Principal {
	kind: 'user' | 'token';
	/** user id or token id */
	id: string;
	/** the email for a user, `token:<name>` for a token: what the audit log records */
	actor: string;
	name: string;
	role: Role;
}
