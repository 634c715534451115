/**
 * The month's invoice lines as tables for the one export writer (table-export.ts): a sheet of all
 * lines, and in XLSX one sheet per account. Amounts are euros with two decimals, from integer
 * cents, so the lines add up to the page's totals exactly.
 */
import type { ExportColumn, ExportTable } from '../export/table-export.ts';
import type { BillingMonth, InvoiceLine } from './billing.ts';

export const INVOICE_COLUMNS: ExportColumn[] = [
	{ key: 'debtor', header: 'Debtor number', type: 'text' },
	{ key: 'account', header: 'Account', type: 'text' },
	{ key: 'period', header: 'Invoice period', type: 'text' },
	{ key: 'kind', header: 'Line', type: 'text' },
	{ key: 'reason', header: 'Reason', type: 'text' },
	{ key: 'ticket', header: 'Ticket', type: 'text' },
	{ key: 'date', header: 'Date', type: 'date' },
	{ key: 'hours', header: 'Hours', type: 'hours' },
	{ key: 'rate', header: 'Rate', type: 'number' },
	{ key: 'multiplier', header: 'Multiplier', type: 'number' },
	{ key: 'amount', header: 'Amount', type: 'number' },
	{ key: 'materials', header: 'Materials', type: 'text' },
	{ key: 'vatRate', header: 'VAT rate', type: 'percent' },
	{ key: 'vat', header: 'VAT amount', type: 'number' },
	{ key: 'currency', header: 'Currency', type: 'text' },
	{ key: 'order', header: 'Order/PO reference', type: 'text' },
	{ key: 'rule', header: 'Rule', type: 'text' },
	{ key: 'description', header: 'Description', type: 'text' }
];

function row(l: InvoiceLine): Record<string, unknown> {
	return {
		debtor: l.debtorNumber,
		account: l.accountName,
		period: l.period,
		kind: l.kind,
		reason: l.reason,
		ticket: l.ticket,
		date: l.date,
		hours: l.hours === null ? null : Math.round(l.hours * 10000) / 10000,
		rate: l.rateCents === null ? null : l.rateCents / 100,
		multiplier: l.multiplier,
		amount: l.amountCents / 100,
		materials: l.materials,
		vatRate: l.vatRate,
		vat: l.vatCents / 100,
		currency: l.currency,
		order: l.orderReference,
		rule: l.rule,
		description: l.description
	};
}

/** One table of every line; with `perAccount`, also one per account (for XLSX). */
export function invoiceTables(m: BillingMonth, perAccount: boolean): ExportTable[] {
	const tables: ExportTable[] = [
		{ name: `Invoice lines ${m.month}`, columns: INVOICE_COLUMNS, rows: m.invoiceLines.map(row) }
	];
	if (perAccount)
		for (const a of m.accounts) {
			const rows = m.invoiceLines.filter((l) => l.accountId === a.accountId).map(row);
			if (rows.length) tables.push({ name: a.name, columns: INVOICE_COLUMNS, rows });
		}
	return tables;
}
