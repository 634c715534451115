/**
 * Local user accounts: sign-in name (email), display name, role, argon2id password hash, and the
 * accounts a csm or account manager is assigned to. Every change is one transaction.
 */
import type { Queryable, Store } from '../db/index.ts';
import type { Scope } from '../scope.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import { checkPasswordRules, hashPassword, PasswordError } from './passwords.ts';
import { forgetCachedSessions } from './session-cache.ts';
import { isRole, ROLES, SCOPED_ROLES, type Principal, type Role } from './roles.ts';

export class UserError extends Error {
	constructor(
		message: string,
		readonly field?: string
	) {
		super(message);
	}
}

export interface User {
	id: string;
	email: string;
	name: string;
	role: Role;
	createdAt: string;
	disabled: boolean;
	hasPassword: boolean;
	accounts: string[];
}

const EMAIL = /^[^\s@]+(@[^\s@]+)?$/;

function normaliseEmail(email: string): string {
	const e = email.trim().toLowerCase();
	if (!e || e.length > 200 || !EMAIL.test(e))
		throw new UserError(
			`"${email}" is not a sign-in name (an email address or a plain name without spaces).`,
			'email'
		);
	return e;
}

function toUser(r: Record<string, unknown>, accounts: string[]): User {
	return {
		id: String(r.id),
		email: String(r.email),
		name: String(r.name),
		role: r.role as Role,
		createdAt: String(r.created_at),
		disabled: r.disabled_at != null,
		hasPassword: r.password_hash != null,
		accounts
	};
}

export async function listUsers(store: Queryable): Promise<User[]> {
	const rows = await store.all(
		`SELECT u.id::VARCHAR AS id, email, name, role, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at,
		        disabled_at, password_hash,
		        coalesce((SELECT list(account_id ORDER BY account_id) FROM account_assignments a WHERE a.user_id = u.id), []) AS accounts
		 FROM users u ORDER BY email`
	);
	return rows.map((r) => toUser(r, (r.accounts as string[]) ?? []));
}

export async function findUser(store: Queryable, email: string): Promise<User | null> {
	const e = email.trim().toLowerCase();
	return (await listUsers(store)).find((u) => u.email === e) ?? null;
}

export async function countUsers(store: Queryable): Promise<number> {
	return Number((await store.one('SELECT count(*) AS n FROM users'))?.n ?? 0);
}

/** The stored hash of an enabled user, for signing in. */
export async function credentials(
	store: Queryable,
	email: string
): Promise<{ id: string; email: string; name: string; role: Role; hash: string | null } | null> {
	const r = await store.one(
		`SELECT id::VARCHAR AS id, email, name, role, password_hash FROM users
		 WHERE email = $1 AND disabled_at IS NULL`,
		[email.trim().toLowerCase()]
	);
	if (!r || !isRole(r.role)) return null;
	return {
		id: String(r.id),
		email: String(r.email),
		name: String(r.name),
		role: r.role,
		hash: r.password_hash == null ? null : String(r.password_hash)
	};
}

export interface NewUser {
	email: string;
	name?: string;
	role: string;
	password: string;
}

export async function addUser(store: Store, input: NewUser): Promise<User> {
	const email = normaliseEmail(input.email);
	if (!isRole(input.role))
		throw new UserError(`"${input.role}" is not a role (one of ${ROLES.join(', ')}).`, 'role');
	const name = (input.name ?? '').trim() || email.split('@')[0];
	let hash: string;
	try {
		hash = await hashPassword(input.password);
	} catch (e) {
		if (e instanceof PasswordError) throw new UserError(e.message, 'password');
		throw e;
	}
	const role = input.role;
	await store.write(async (tx) => {
		if (await tx.one('SELECT 1 AS x FROM users WHERE email = $1', [email]))
			throw new UserError(`There is already a user "${email}".`, 'email');
		await tx.run(
			`INSERT INTO users (id, email, name, role, created_at, password_hash)
			 VALUES (gen_random_uuid(), $1, $2, $3, now(), $4)`,
			[email, name, role, hash]
		);
	});
	const user = await findUser(store, email);
	if (!user) throw new Error('The user just added is not there');
	return user;
}

async function existing(store: Queryable, email: string): Promise<User> {
	const user = await findUser(store, email);
	if (!user) throw new UserError(`There is no user "${email}".`, 'email');
	return user;
}

/** A new password; ends every session of that user. */
export async function setPassword(store: Store, email: string, password: string): Promise<void> {
	const user = await existing(store, email);
	try {
		checkPasswordRules(password);
	} catch (e) {
		throw new UserError((e as Error).message, 'password');
	}
	const hash = await hashPassword(password);
	await store.write(async (tx) => {
		await tx.run('UPDATE users SET password_hash = $1 WHERE id = $2::UUID', [hash, user.id]);
		await tx.run('DELETE FROM sessions WHERE user_id = $1::UUID', [user.id]);
	});
	forgetCachedSessions();
}

export async function setRole(store: Store, email: string, role: string): Promise<void> {
	const user = await existing(store, email);
	if (!isRole(role))
		throw new UserError(`"${role}" is not a role (one of ${ROLES.join(', ')}).`, 'role');
	await store.write(async (tx) => {
		if (user.role === 'admin' && role !== 'admin') await keepOneAdmin(tx, user.id);
		await tx.run('UPDATE users SET role = $1 WHERE id = $2::UUID', [role, user.id]);
	});
	forgetCachedSessions();
}

/** Disabling ends the user's sessions at once; enabling lets them sign in again. */
export async function setDisabled(store: Store, email: string, disabled: boolean): Promise<void> {
	const user = await existing(store, email);
	await store.write(async (tx) => {
		if (disabled && user.role === 'admin') await keepOneAdmin(tx, user.id);
		await tx.run(
			`UPDATE users SET disabled_at = ${disabled ? 'now()' : 'NULL'} WHERE id = $1::UUID`,
			[user.id]
		);
		if (disabled) await tx.run('DELETE FROM sessions WHERE user_id = $1::UUID', [user.id]);
	});
	forgetCachedSessions();
}

async function keepOneAdmin(tx: Queryable, userId: string): Promise<void> {
	const others = await tx.one(
		`SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1::UUID`,
		[userId]
	);
	if (Number(others?.n) === 0)
		throw new UserError('This is the last admin who can sign in: add another admin first.', 'role');
}

/** Replace the accounts assigned to a user. Unknown account ids are refused by name. */
export async function setAssignments(
	store: Store,
	email: string,
	accountIds: string[]
): Promise<void> {
	const user = await existing(store, email);
	const ids = [...new Set(accountIds.map((a) => a.trim()).filter(Boolean))];
	await store.write(async (tx) => {
		for (const id of ids)
			if (!(await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [id])))
				throw new UserError(`There is no account "${id}".`, 'accounts');
		await tx.run('DELETE FROM account_assignments WHERE user_id = $1::UUID', [user.id]);
		for (const id of ids)
			await tx.run(`INSERT INTO account_assignments VALUES ($1::UUID, $2, $3)`, [
				user.id,
				id,
				user.role
			]);
	});
	forgetCachedSessions();
}

/**
 * The accounts a principal may see. admin, finance and viewer: all. csm and account manager:
 * the accounts assigned to them, and the accounts whose CSM (or account manager) field names
 * them (by name or sign-in). A token of a scoped role: the accounts listed on it.
 */
export async function scopeOf(
	store: Queryable,
	who: Principal,
	tokenAccounts: string[] | null = null
): Promise<Scope> {
	if (!SCOPED_ROLES.includes(who.role)) return ALL_ACCOUNTS;
	if (who.kind === 'token') return { kind: 'accounts', ids: [...(tokenAccounts ?? [])].sort() };
	const field = who.role === 'csm' ? 'csm' : 'account_manager';
	const rows = await store.all(
		`SELECT id FROM accounts
		 WHERE id IN (SELECT account_id FROM account_assignments WHERE user_id = $1::UUID)
		    OR lower(trim(${field})) IN (lower($2), lower($3))
		 ORDER BY id`,
		[who.id, who.name, who.actor]
	);
	return { kind: 'accounts', ids: rows.map((r) => String(r.id)) };
}
