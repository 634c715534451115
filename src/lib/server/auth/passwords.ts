/**
 * Passwords: argon2id through @node-rs/argon2 (prebuilt binaries from the npm registry), with
 * the library's defaults (19 MiB, 2 passes: OWASP's recommended minimum). Generated passwords
 * come from the system's CSPRNG.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 12;

export class PasswordError extends Error {}

export function checkPasswordRules(password: string): void {
	if (password.length < MIN_PASSWORD_LENGTH)
		throw new PasswordError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
	if (password.length > 256) throw new PasswordError('A password may have at most 256 characters.');
}

export function hashPassword(password: string): Promise<string> {
	checkPasswordRules(password);
	return hash(password);
}

/** false for a wrong password or a malformed hash; never throws on either. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
	try {
		return await verify(stored, password);
	} catch {
		return false;
	}
}

/** A random password of 20 characters from an alphabet without look-alikes (about 115 bits). */
export function generatePassword(length = 20): string {
	const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
	const bytes = randomBytes(length * 2);
	let out = '';
	// rejection sampling keeps every character equally likely
	for (const b of bytes) {
		if (b >= 256 - (256 % alphabet.length)) continue;
		out += alphabet[b % alphabet.length];
		if (out.length === length) return out;
	}
	return out + generatePassword(length - out.length);
}

/** A random secret for a session cookie or an API token, and the hash stored in its place. */
export function newSecret(prefix = ''): string {
	return prefix + randomBytes(32).toString('base64url');
}
