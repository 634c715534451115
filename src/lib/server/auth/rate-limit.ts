/**
 * Failed sign-ins are limited per sign-in name (MAX_FAILURES within WINDOW_MS) and per address
 * (four times as many, so one office behind one address is not locked out by one person): past
 * the limit, attempts are refused until the window has passed, whether or not the password is
 * right. Kept in memory: one server process holds the store.
 */
export const MAX_FAILURES =
	Number(process.env.PEIL_SIGNIN_ATTEMPTS) > 0 ? Number(process.env.PEIL_SIGNIN_ATTEMPTS) : 5;
export const WINDOW_MS = 15 * 60_000;

const failures = new Map<string, number[]>();

function recent(key: string, now: number): number[] {
	const list = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
	if (list.length) failures.set(key, list);
	else failures.delete(key);
	return list;
}

export function signInKeys(name: string, address: string): [string, number][] {
	return [
		[`name:${name.trim().toLowerCase()}`, MAX_FAILURES],
		[`address:${address}`, MAX_FAILURES * 4]
	];
}

/** Milliseconds until another attempt is allowed for every key, or 0. */
export function blockedFor(keys: [string, number][], now = Date.now()): number {
	let wait = 0;
	for (const [k, max] of keys) {
		const list = recent(k, now);
		if (list.length >= max) wait = Math.max(wait, list[list.length - max] + WINDOW_MS - now);
	}
	return wait;
}

export function recordFailure(keys: [string, number][], now = Date.now()): void {
	if (failures.size > 100_000) failures.clear();
	for (const [k] of keys) failures.set(k, [...recent(k, now), now]);
}

/**
 * A good sign-in clears the name's failures, and takes back from the address the attempt it
 * counted for itself (the address's earlier failures stay).
 */
export function clearFailures(keys: [string, number][]): void {
	failures.delete(keys[0][0]);
	for (const [k] of keys.slice(1)) {
		const list = failures.get(k);
		if (!list) continue;
		list.pop();
		if (!list.length) failures.delete(k);
	}
}
