/**
 * Signing in with a name and password: rate-limited, the same answer for an unknown name and a
 * wrong password, and every attempt in the audit log.
 */
import type { Store } from '../db/index.ts';
import { audit } from './audit.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { blockedFor, clearFailures, recordFailure, signInKeys } from './rate-limit.ts';
import { createSession } from './sessions.ts';
import { credentials } from './users.ts';

export type SignInResult =
	{ ok: true; secret: string; expiresAt: Date } | { ok: false; status: 400 | 429; message: string };

/** A hash to verify against when the name is unknown, so both answers take the same time. */
let dummyHash: Promise<string> | null = null;

export async function signIn(
	store: Store,
	name: string,
	password: string,
	address: string
): Promise<SignInResult> {
	const keys = signInKeys(name, address);
	const wait = blockedFor(keys);
	if (wait > 0) {
		await audit(store, {
			actor: name.trim().toLowerCase() || '(empty)',
			action: 'sign-in',
			outcome: 'refused: too many failed attempts',
			ip: address
		});
		return {
			ok: false,
			status: 429,
			message: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60_000)} minute(s).`
		};
	}
	// counted before the password is checked, so that attempts made at once are all counted; a
	// good one clears the count again
	recordFailure(keys);
	const user = name.trim() ? await credentials(store, name) : null;
	const good = await verifyPassword(
		user?.hash ?? (await (dummyHash ??= hashPassword(generatePassword()))),
		password
	);
	if (!user || !user.hash || !good) {
		await audit(store, {
			actor: name.trim().toLowerCase() || '(empty)',
			action: 'sign-in',
			outcome: 'failed: wrong name or password',
			ip: address
		});
		return { ok: false, status: 400, message: 'That name and password do not match.' };
	}
	clearFailures(keys);
	const session = await createSession(store, user.id);
	await audit(store, {
		actor: user.email,
		role: user.role,
		action: 'sign-in',
		outcome: 'ok',
		ip: address
	});
	return { ok: true, ...session };
}
