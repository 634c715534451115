/** What the billing page and its download share: the month from the URL and the scope. */
import { error } from '@sveltejs/kit';
import { getStore } from '$lib/server/store';
import type { Scope } from '$lib/server/scope';
import { requestScope } from '$lib/server/auth/request';
import { billingMonth, validMonth, type BillingMonth } from '$lib/server/billing/billing';

/** The accounts the signed-in person (or API token) may see: their role's scope. */
export const viewerScope = (): Scope => requestScope();

export function readMonth(param: string): string {
	if (!validMonth(param)) error(400, `month: "${param}" is not a month (yyyy-mm)`);
	return param;
}

export async function loadMonth(param: string): Promise<BillingMonth> {
	return billingMonth(await getStore(), viewerScope(), readMonth(param));
}
