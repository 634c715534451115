/**
 * Sessions and API tokens. The browser holds a random secret in an httpOnly, SameSite=Lax cookie;
 * scripts send `Authorization: Bearer <token>`. Only SHA-256 hashes of secrets are stored, so a
 * copy of the store signs nobody in. A session ends at sign-out, after PEIL_SESSION_HOURS (12 by
 * default) from sign-in, after PEIL_IDLE_MINUTES (120) without a request, or when the user is
 * disabled or gets a new password. Checks are cached in memory for a few seconds so that a busy
 * page does not read the store on every request; ending a session clears the cache at once.
 */
import { createHash } from 'node:crypto';
import type { Queryable, Store } from '../db/index.ts';
import { CACHE_MS, checked as cache, forgetCachedSessions, type Signed } from './session-cache.ts';
import { newSecret } from './passwords.ts';
import { isRole, ROLES, SCOPED_ROLES, type Principal, type Role } from './roles.ts';
import { scopeOf, UserError } from './users.ts';

export const SESSION_COOKIE = 'peil_session';
export const TOKEN_PREFIX = 'peil_';

export function sessionHours(): number {
	return Number(process.env.PEIL_SESSION_HOURS) > 0 ? Number(process.env.PEIL_SESSION_HOURS) : 12;
}
export function idleMinutes(): number {
	return Number(process.env.PEIL_IDLE_MINUTES) > 0 ? Number(process.env.PEIL_IDLE_MINUTES) : 120;
}

export function sha256(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

export { forgetCachedSessions, type Signed };

export async function createSession(
	store: Store,
	userId: string
): Promise<{ secret: string; expiresAt: Date }> {
	const secret = newSecret();
	const expiresAt = new Date(Date.now() + sessionHours() * 3600_000);
	await store.write(async (tx) => {
		// sessions past their end are removed as new ones begin
		await tx.run('DELETE FROM sessions WHERE expires_at < now()');
		await tx.run(`INSERT INTO sessions VALUES ($1, $2::UUID, now(), $3::TIMESTAMPTZ, now())`, [
			sha256(secret),
			userId,
			expiresAt.toISOString()
		]);
	});
	return { secret, expiresAt };
}

export async function endSession(store: Store, secret: string): Promise<void> {
	await store.run('DELETE FROM sessions WHERE id_hash = $1', [sha256(secret)]);
	forgetCachedSessions();
}

async function readSession(store: Store, secret: string): Promise<Signed | null> {
	const r = await store.one(
		`SELECT u.id::VARCHAR AS id, u.email, u.name, u.role,
		        epoch_ms(s.expires_at) AS expires, epoch_ms(s.last_seen_at) AS seen
		 FROM sessions s JOIN users u ON u.id = s.user_id
		 WHERE s.id_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
		[sha256(secret)]
	);
	if (!r || !isRole(r.role)) return null;
	if (Date.now() - Number(r.seen) > idleMinutes() * 60_000) {
		await store.run('DELETE FROM sessions WHERE id_hash = $1', [sha256(secret)]);
		return null;
	}
	// last seen is written at most once a minute, not on every request
	if (Date.now() - Number(r.seen) > 60_000)
		await store.run('UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1', [
			sha256(secret)
		]);
	const principal: Principal = {
		kind: 'user',
		id: String(r.id),
		actor: String(r.email),
		name: String(r.name),
		role: r.role
	};
	return { principal, scope: await scopeOf(store, principal), expiresAt: Number(r.expires) };
}

async function readToken(store: Store, secret: string): Promise<Signed | null> {
	const r = await store.one(
		`SELECT id::VARCHAR AS id, name, role, account_ids, epoch_ms(last_used_at) AS used
		 FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
		[sha256(secret)]
	);
	if (!r || !isRole(r.role)) return null;
	if (r.used == null || Date.now() - Number(r.used) > 60_000)
		await store.run('UPDATE api_tokens SET last_used_at = now() WHERE id = $1::UUID', [
			String(r.id)
		]);
	const principal: Principal = {
		kind: 'token',
		id: String(r.id),
		actor: `token:${r.name}`,
		name: String(r.name),
		role: r.role
	};
	const accounts = typeof r.account_ids === 'string' ? (JSON.parse(r.account_ids) as string[]) : [];
	return { principal, scope: await scopeOf(store, principal, accounts) };
}

/** Who a request acts for: a bearer token, else the session cookie; null when neither is valid. */
export async function authenticate(
	store: Store,
	cookie: string | undefined,
	authorization: string | null
): Promise<Signed | null> {
	const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
	const secret = bearer ?? cookie;
	if (!secret || secret.length > 200) return null;
	const key = (bearer ? 't:' : 's:') + secret;
	const hit = cache.get(key);
	const now = Date.now();
	if (hit && hit.until > now && (!hit.signed?.expiresAt || hit.signed.expiresAt > now))
		return hit.signed;
	const signed = bearer ? await readToken(store, bearer) : await readSession(store, secret);
	if (cache.size > 10_000) cache.clear();
	cache.set(key, { signed, until: now + CACHE_MS });
	return signed;
}

export interface ApiToken {
	id: string;
	name: string;
	role: Role;
	accounts: string[];
	createdBy: string;
	createdAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
}

export async function listTokens(store: Queryable): Promise<ApiToken[]> {
	const rows = await store.all(
		`SELECT id::VARCHAR AS id, name, role, account_ids, created_by,
		        strftime(created_at, '%Y-%m-%d %H:%M UTC') AS created_at,
		        strftime(last_used_at, '%Y-%m-%d %H:%M UTC') AS last_used_at,
		        strftime(revoked_at, '%Y-%m-%d %H:%M UTC') AS revoked_at
		 FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC`
	);
	return rows.map((r) => ({
		id: String(r.id),
		name: String(r.name),
		role: r.role as Role,
		accounts: typeof r.account_ids === 'string' ? (JSON.parse(r.account_ids) as string[]) : [],
		createdBy: String(r.created_by),
		createdAt: String(r.created_at),
		lastUsedAt: r.last_used_at == null ? null : String(r.last_used_at),
		revokedAt: r.revoked_at == null ? null : String(r.revoked_at)
	}));
}

/** A new token; its secret is returned once and never stored. */
export async function createToken(
	store: Store,
	input: { name: string; role: string; accounts?: string[]; createdBy: string }
): Promise<{ token: ApiToken; secret: string }> {
	const name = input.name.trim();
	if (!name || name.length > 100)
		throw new UserError('A token needs a name (up to 100 characters).', 'name');
	if (!isRole(input.role))
		throw new UserError(`"${input.role}" is not a role (one of ${ROLES.join(', ')}).`, 'role');
	const role = input.role;
	const accounts = [...new Set((input.accounts ?? []).map((a) => a.trim()).filter(Boolean))];
	if (SCOPED_ROLES.includes(role) && !accounts.length)
		throw new UserError(`A ${role} token needs the accounts it may read.`, 'accounts');
	const secret = newSecret(TOKEN_PREFIX);
	const id = await store.write(async (tx) => {
		for (const a of accounts)
			if (!(await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [a])))
				throw new UserError(`There is no account "${a}".`, 'accounts');
		if (
			await tx.one('SELECT 1 AS x FROM api_tokens WHERE name = $1 AND revoked_at IS NULL', [name])
		)
			throw new UserError(`There is already a token named "${name}".`, 'name');
		const r = await tx.one(
			`INSERT INTO api_tokens (id, name, token_hash, role, account_ids, created_by, created_at)
			 VALUES (gen_random_uuid(), $1, $2, $3, $4::JSON, $5, now()) RETURNING id::VARCHAR AS id`,
			[name, sha256(secret), role, JSON.stringify(accounts), input.createdBy]
		);
		return String(r?.id);
	});
	const token = (await listTokens(store)).find((t) => t.id === id);
	if (!token) throw new Error('The token just made is not there');
	return { token, secret };
}

export async function revokeToken(store: Store, idOrName: string): Promise<ApiToken> {
	const t = (await listTokens(store)).find(
		(x) => !x.revokedAt && (x.id === idOrName || x.name === idOrName)
	);
	if (!t) throw new UserError(`There is no active token "${idOrName}".`, 'token');
	await store.run('UPDATE api_tokens SET revoked_at = now() WHERE id = $1::UUID', [t.id]);
	forgetCachedSessions();
	return { ...t, revokedAt: new Date().toISOString() };
}

const HAND_OFF = 'command line hand-off';

/** Is this the token the server made for the command line (accepted from this machine only)? */
export function isHandOff(p: Principal): boolean {
	return p.kind === 'token' && p.name === HAND_OFF;
}

/**
 * The admin token the server writes beside the store for the command line on this machine; the
 * one from the previous start is revoked.
 */
export async function handOffToken(store: Store): Promise<string> {
	await store.run(
		`UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`,
		[HAND_OFF]
	);
	forgetCachedSessions();
	const { secret } = await createToken(store, {
		name: HAND_OFF,
		role: 'admin',
		createdBy: 'server start'
	});
	return secret;
}
