/**
 * Nobody can use a store without signing in, so a first start must say how. With the sample
 * loaded, Peil makes a sample admin ("admin") with a generated password and prints it once;
 * a store without users and without the sample gets the command that makes the first admin.
 */
import type { Store } from '../db/index.ts';
import { audit } from './audit.ts';
import { generatePassword } from './passwords.ts';
import { addUser, countUsers } from './users.ts';

export const SAMPLE_ADMIN = 'admin';

export async function announceSignIn(
	store: Store,
	sampleJustLoaded: boolean,
	url: string,
	log: (m: string) => void = console.log
): Promise<void> {
	if ((await countUsers(store)) > 0) return;
	if (!sampleJustLoaded) {
		log(
			'Peil: nobody can sign in yet. Make the first admin with:\n' +
				'  npm run peil -- user add <name or email> --role admin\n' +
				'(it prints a generated password; give --password-stdin to choose one)'
		);
		return;
	}
	const password = generatePassword();
	await addUser(store, { email: SAMPLE_ADMIN, name: 'Sample admin', role: 'admin', password });
	await audit(store, {
		actor: 'first start',
		action: 'user add',
		target: SAMPLE_ADMIN,
		outcome: 'ok',
		detail: { role: 'admin' }
	});
	log(
		`\nPeil: sign in to the sample at ${url}/login\n` +
			`  name:     ${SAMPLE_ADMIN}\n` +
			`  password: ${password}\n` +
			`This password is shown only now. Change it under your name (top right), or on the server with\n` +
			`  npm run peil -- user passwd ${SAMPLE_ADMIN}\n`
	);
}
