/**
 * Checked sessions and tokens, remembered for a few seconds so that a page's many requests do not
 * each read the store. Anything that ends a session or changes what someone may see clears it.
 */
import type { Scope } from '../scope.ts';
import type { Principal } from './roles.ts';

export interface Signed {
	principal: Principal;
	scope: Scope;
	/** when the session ends (absent for tokens) */
	expiresAt?: number;
}

export const CACHE_MS = 5_000;
export const checked = new Map<string, { signed: Signed | null; until: number }>();

export function forgetCachedSessions(): void {
	checked.clear();
}
