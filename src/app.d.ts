// See https://svelte.dev/docs/kit/types#app.d.ts
import type { Principal } from '$lib/server/auth/roles';
import type { Scope } from '$lib/server/scope';

declare global {
	namespace App {
		interface Error {
			message: string;
		}
		interface Locals {
			/** who the request acts for (a signed-in user or an API token); null when nobody */
			user: Principal | null;
			/** the accounts they may see */
			scope: Scope;
			/** when the session ends (ms since epoch), for sessions */
			sessionEnds: number | null;
		}
	}
}

export {};
