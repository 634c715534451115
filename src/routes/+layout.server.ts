import type { LayoutServerLoad } from './$types';
import { canRead } from '$lib/server/auth/access';

/** The main navigation's sections, in order: each shown only to roles that may open it. */
const SECTIONS = [
	['/', 'Overview'],
	['/compliance', 'Compliance'],
	['/accounts', 'Accounts'],
	['/reviews', 'Reviews'],
	['/training', 'Training'],
	['/billing', 'Billing'],
	['/import', 'Import'],
	['/imports', 'Imports'],
	['/reconciliation', 'Reconciliation'],
	['/settings', 'Settings'],
	['/admin/users', 'Admin']
] as const;

export const load = (({ locals }) => {
	const user = locals.user;
	return {
		user: user ? { name: user.name, actor: user.actor, role: user.role } : null,
		sections: user
			? SECTIONS.filter(([route]) => canRead(route, user.role)).map(([href, label]) => ({
					href,
					label
				}))
			: []
	};
}) satisfies LayoutServerLoad;
