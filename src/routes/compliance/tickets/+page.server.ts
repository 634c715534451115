import type { PageServerLoad } from './$types';
import { error } from '@sveltejs/kit';
import { getStore } from '$lib/server/store';
import { filterOptions, filterParams, listPage, dataAsOf } from '$lib/server/reports/compliance';
import { readListFilters, viewerScope } from '../data.server';

export const load = (async ({ url }) => {
	const store = await getStore();
	const filters = await readListFilters(url);
	const pageText = url.searchParams.get('page') ?? '1';
	const page = Number(pageText);
	if (!Number.isInteger(page) || page < 1) error(400, `page: "${pageText}" is not a page number`);
	const [list, options, asOf] = await Promise.all([
		listPage(store, viewerScope(), filters, page),
		filterOptions(store, viewerScope()),
		dataAsOf(store)
	]);
	return {
		filters,
		params: filterParams(filters).toString(),
		list,
		options,
		asOf
	};
}) satisfies PageServerLoad;
