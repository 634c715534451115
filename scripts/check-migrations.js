// Fails when drizzle/ is not what drizzle-kit generates from the schema (CI runs this).
import { execSync } from 'node:child_process';

execSync('npx drizzle-kit generate --name drift-check', { stdio: 'inherit' });
const status = execSync('git status --porcelain -- drizzle', { encoding: 'utf8' }).trim();
if (status) {
	console.error(
		`drizzle/ differs from the schema: run "npm run db:generate" and commit.\n${status}`
	);
	process.exit(1);
}
console.log('drizzle/ matches the schema.');
