/** What the forms that make users and tokens offer: the roles, and the accounts to assign. */
import type { Queryable } from '../db/index.ts';
import { ROLE_LABELS, ROLES } from './roles.ts';

export async function adminChoices(q: Queryable) {
	const accounts = await q.all('SELECT id, name FROM accounts ORDER BY name');
	return {
		roles: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
		accounts: accounts.map((a) => ({ id: String(a.id), name: String(a.name) }))
	};
}
