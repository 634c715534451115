import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { listAudit } from '$lib/server/auth/audit';

const PAGE = 100;

export const load = (async ({ url }) => {
	const q = {
		actor: url.searchParams.get('actor')?.trim() ?? '',
		action: url.searchParams.get('action')?.trim() ?? '',
		from: /^\d{4}-\d{2}-\d{2}$/.test(url.searchParams.get('from') ?? '')
			? url.searchParams.get('from')!
			: '',
		to: /^\d{4}-\d{2}-\d{2}$/.test(url.searchParams.get('to') ?? '')
			? url.searchParams.get('to')!
			: ''
	};
	const page = Math.max(1, Math.floor(Number(url.searchParams.get('page')) || 1));
	const { rows, total } = await listAudit(await getStore(), {
		...q,
		limit: PAGE,
		offset: (page - 1) * PAGE
	});
	return { q, rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE)) };
}) satisfies PageServerLoad;
