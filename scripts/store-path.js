import path from 'node:path';
/** Mirrors src/lib/server/db/index.ts storePath(), for messages printed before the app loads. */
export function storePath() {
	return path.resolve(process.env.PEIL_DB || 'data/peil.duckdb');
}
