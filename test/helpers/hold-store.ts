// Holds a store open (as another process would) until killed.
import { Store } from '../../src/lib/server/db/index.ts';

await Store.open(process.argv[2]);
process.stdout.write('holding\n');
setInterval(() => {}, 1000);
