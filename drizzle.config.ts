import { defineConfig } from 'drizzle-kit';

// drizzle-kit only generates SQL here (dialect postgresql); src/lib/server/db/migrate.ts applies it
// to DuckDB. See the header of src/lib/server/db/index.ts for why.
export default defineConfig({
	schema: './src/lib/server/db/schema.ts',
	out: './drizzle',
	dialect: 'postgresql'
});
