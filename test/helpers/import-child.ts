// Runs one import and prints its phases, so a test can kill it at a known point.
import { Store } from '../../src/lib/server/db/index.ts';
import { importFile } from '../../src/lib/server/ingest/run-import.ts';

const [file, db] = process.argv.slice(2);
const store = await Store.open(db);
let last = '';
await importFile(store, {
	file,
	source: 'zendesk',
	onProgress: (phase) => {
		if (phase !== last) process.stdout.write(`phase ${phase}\n`);
		last = phase;
	}
});
process.stdout.write('finished\n');
await store.close();
