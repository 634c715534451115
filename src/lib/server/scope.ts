/**
 * The viewer's account scope. Every function that reads for a page takes one; the server sets it
 * per request from the signed-in person's role and accounts (auth/users.ts `scopeOf`, read by
 * routes through auth/request.ts `requestScope`).
 */
import type { Param } from './db/index.ts';

export type Scope = { kind: 'all' } | { kind: 'accounts'; ids: string[] };

export const ALL_ACCOUNTS: Scope = { kind: 'all' };

/** A SQL condition limiting `column` (an account id column) to the scope, with its parameters. */
export function scopeFilter(
	scope: Scope,
	column: string,
	firstParam: number
): { sql: string; params: Param[] } {
	if (scope.kind === 'all') return { sql: 'true', params: [] };
	if (!scope.ids.length) return { sql: 'false', params: [] };
	const marks = scope.ids.map((_, i) => `$${firstParam + i}`).join(', ');
	return { sql: `${column} IN (${marks})`, params: scope.ids };
}

/** The scope of someone not signed in: nothing. */
export const NO_ACCOUNTS: Scope = { kind: 'accounts', ids: [] };

/** May this scope see the account? (null: a ticket no account claims — only the full scope.) */
export function inScope(scope: Scope, accountId: string | null): boolean {
	if (scope.kind === 'all') return true;
	return accountId !== null && scope.ids.includes(accountId);
}
