/** What the admin API endpoints share: reading a JSON body and answering a UserError as 400. */
import { error, json } from '@sveltejs/kit';
import { UserError } from './users.ts';

export async function jsonBody(request: Request): Promise<Record<string, unknown>> {
	try {
		const body = (await request.json()) as unknown;
		if (body && typeof body === 'object' && !Array.isArray(body))
			return body as Record<string, unknown>;
	} catch {
		// answered below
	}
	error(400, 'The body must be a JSON object.');
}

export async function answer<T>(work: () => Promise<T>): Promise<Response> {
	try {
		return json(await work());
	} catch (e) {
		if (e instanceof UserError)
			return json({ message: e.message, field: e.field ?? null }, { status: 400 });
		throw e;
	}
}

export function text(body: Record<string, unknown>, key: string): string {
	const v = body[key];
	return typeof v === 'string' ? v : '';
}

export function list(body: Record<string, unknown>, key: string): string[] {
	const v = body[key];
	return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
}
