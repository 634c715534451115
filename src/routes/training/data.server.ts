/**
 * What the training page, its settings and its downloads share: the period from the URL (a wrong
 * value is a 400 naming the parameter; default the last complete month, as on /compliance), the
 * view, and the export tables.
 */
import { error } from '@sveltejs/kit';
import { getStore } from '$lib/server/store';
import type { Scope } from '$lib/server/scope';
import { requestScope } from '$lib/server/auth/request';
import { defaultMonth } from '$lib/server/reports/compliance';
import {
	parsePeriod,
	periodLabel,
	THRESHOLD_INFO,
	THRESHOLD_KEYS,
	TrainingError,
	trainingView,
	type TrainingPeriod,
	type TrainingView
} from '$lib/server/reports/training';
import type { ExportTable } from '$lib/server/export/table-export';

/** The accounts the signed-in person (or API token) may see: their role's scope. */
export const viewerScope = (): Scope => requestScope();

export async function readPeriod(url: URL): Promise<TrainingPeriod> {
	const store = await getStore();
	const month = await defaultMonth(store, viewerScope());
	try {
		return parsePeriod(url.searchParams, month);
	} catch (e) {
		if (e instanceof TrainingError) error(400, e.message);
		throw e;
	}
}

export async function loadTraining(url: URL): Promise<TrainingView> {
	const store = await getStore();
	return trainingView(store, viewerScope(), await readPeriod(url));
}

/** The period as URL parameters (to left out for one month). */
export function periodParams(p: TrainingPeriod): string {
	const q = new URLSearchParams({ from: p.from });
	if (p.to !== p.from) q.set('to', p.to);
	return q.toString();
}

/** Every table of the page, by the name its download link uses. */
export function trainingTables(v: TrainingView): Record<string, ExportTable> {
	return {
		accounts: {
			name: `Training needs ${periodLabel(v.period)}`,
			columns: [
				{ key: 'rank', header: 'Rank', type: 'integer' },
				{ key: 'accountId', header: 'Account id', type: 'text' },
				{ key: 'name', header: 'Account', type: 'text' },
				{ key: 'tier', header: 'Tier', type: 'text' },
				{ key: 'accountManager', header: 'Account manager', type: 'text' },
				{ key: 'tickets', header: 'Tickets', type: 'integer' },
				{ key: 'howTo', header: 'How-to questions', type: 'integer' },
				{ key: 'share', header: 'How-to share', type: 'percent' },
				{ key: 'referred', header: 'Referred to the manual (R19)', type: 'integer' },
				{ key: 'referredKnown', header: 'How-to questions with tags', type: 'integer' },
				{ key: 'referredShare', header: 'Referred share', type: 'percent' },
				{ key: 'repeatAskers', header: 'Repeat askers', type: 'integer' },
				{ key: 'earlierShare', header: 'How-to share, earlier periods', type: 'percent' },
				{ key: 'tierAverage', header: 'How-to share, other accounts of the tier', type: 'percent' },
				{ key: 'flags', header: 'Flags', type: 'text' },
				{ key: 'reasons', header: 'Reasons', type: 'text' },
				{ key: 'notes', header: 'Not in the data', type: 'text' },
				{ key: 'trainingStatus', header: 'Training: latest record', type: 'text' },
				{ key: 'trainingDate', header: 'Training: on', type: 'date' },
				{ key: 'chargeableFrom', header: 'How-to chargeable from (R20)', type: 'date' }
			],
			rows: v.accounts.map((a, i) => ({
				rank: i + 1,
				accountId: a.accountId,
				name: a.name,
				tier: a.tier,
				accountManager: a.accountManager,
				tickets: a.tickets,
				howTo: a.howTo,
				share: a.share,
				referred: a.referredKnown ? a.referred : null,
				referredKnown: a.referredKnown,
				referredShare: a.referredShare,
				repeatAskers: a.repeatAskers.length,
				earlierShare: a.earlierShare,
				tierAverage: a.tierAverage.share,
				flags: a.flags.map((f) => f.label).join('; '),
				reasons: a.flags.map((f) => f.reason).join(' '),
				notes: a.notes.join(' '),
				trainingStatus: a.training.latest?.status ?? null,
				trainingDate: a.training.latest?.onDate ?? null,
				chargeableFrom: a.training.chargeableFrom
			}))
		},
		'repeat-askers': {
			name: 'Repeat askers',
			columns: [
				{ key: 'account', header: 'Account', type: 'text' },
				{ key: 'name', header: 'Contact', type: 'text' },
				{ key: 'email', header: 'E-mail', type: 'text' },
				{ key: 'category', header: 'Category', type: 'text' },
				{ key: 'questions', header: 'How-to questions', type: 'integer' }
			],
			rows: v.accounts.flatMap((a) => a.repeatAskers.map((r) => ({ account: a.name, ...r })))
		},
		thresholds: {
			name: 'Thresholds',
			columns: [
				{ key: 'setting', header: 'Setting', type: 'text' },
				{ key: 'label', header: 'Meaning', type: 'text' },
				{ key: 'value', header: 'Value', type: 'text' }
			],
			rows: [
				{
					setting: 'version',
					label: `in force from ${v.thresholds.effectiveFrom}`,
					value: String(v.thresholds.version)
				},
				...THRESHOLD_KEYS.map((k) => ({
					setting: k,
					label: `${THRESHOLD_INFO[k].label} (${THRESHOLD_INFO[k].unit})`,
					value: String(v.thresholds.thresholds[k])
				})),
				{
					setting: 'howTo.types',
					label: 'Types that are how-to questions',
					value: v.thresholds.thresholds.howTo.types.join(', ')
				},
				{
					setting: 'howTo.categories',
					label: 'Categories that are how-to questions',
					value: v.thresholds.thresholds.howTo.categories.join(', ')
				},
				{
					setting: 'howTo.referredTags',
					label: 'Tags meaning "referred to the manual" (R19)',
					value: v.thresholds.thresholds.howTo.referredTags.join(', ')
				}
			]
		}
	};
}
