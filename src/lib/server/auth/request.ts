/**
 * The account scope of the request being answered, set by hooks.server.ts from the signed-in
 * person or token. Page loads, form actions and endpoints read it here rather than each taking
 * `locals` through every helper.
 */
import { getRequestEvent } from '$app/server';
import type { Scope } from '../scope.ts';

export function requestScope(): Scope {
	return getRequestEvent().locals.scope;
}

/** Who is acting, for the "by" of corrections and records: their sign-in name. */
export function requestActor(): string {
	return getRequestEvent().locals.user?.actor ?? 'unknown';
}
