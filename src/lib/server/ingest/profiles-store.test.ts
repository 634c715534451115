import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import {
	deleteProfile,
	listProfiles,
	previewFile,
	ProfileError,
	saveProfile
} from './profiles-store.ts';
import { importFile, userProfile } from './run-import.ts';

let store: Store;
let dir: string;
beforeEach(async () => {
	({ store, dir } = await freshStore());
});
afterEach(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('saved mappings', () => {
	it('previews a file, saves a mapping built from it, detects it next time and imports with it', async () => {
		const file = path.join(dir, 'list.csv');
		fs.writeFileSync(
			file,
			'Nr;Klant;Gemeld op;Urgentie\r\nA1;Café Zoë;05-03-2024 14:30;Hoog\r\nA2;Café Zoë;06-03-2024 09:00;Laag\r\n'
		);
		const preview = await previewFile(store, file, 'list.csv');
		expect(preview).toMatchObject({
			delimiter: ';',
			header: ['Nr', 'Klant', 'Gemeld op', 'Urgentie'],
			detected: null
		});
		expect(preview.rows).toEqual([
			['A1', 'Café Zoë', '05-03-2024 14:30', 'Hoog'],
			['A2', 'Café Zoë', '06-03-2024 09:00', 'Laag']
		]);
		expect(preview.fields.tickets.find((f) => f.field === 'created_at')).toMatchObject({
			required: true,
			type: 'instant'
		});
		await saveProfile(store, {
			name: 'cafe-list',
			kind: 'tickets',
			fields: {
				external_id: { column: 'Nr' },
				organisation: { column: 'Klant' },
				created_at: { column: 'Gemeld op', format: 'dd-mm-yyyy HH:mm' },
				final_priority: { column: 'Urgentie', map: { hoog: 'P2', laag: 'P4' } }
			}
		});
		expect((await listProfiles(store)).map((p) => p.name)).toContain('cafe-list');
		expect((await previewFile(store, file, 'list.csv')).detected?.profile).toBe('cafe-list');
		const r = await importFile(store, { file, source: 'cafe' });
		expect(r.profile).toBe('cafe-list');
		expect(r.counts.tickets).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
		expect(await deleteProfile(store, 'cafe-list')).toBe(true);
	});

	it('refuses a mapping without the required fields, with derived SQL, or under a built-in name', async () => {
		await expect(
			saveProfile(store, { name: 'x', kind: 'tickets', fields: { external_id: { column: 'Nr' } } })
		).rejects.toThrow(/created_at" is required/);
		await expect(
			saveProfile(store, {
				name: 'x',
				kind: 'tickets',
				fields: { external_id: { column: 'a' }, created_at: { column: 'b' } },
				derived: { type: { sql: 'DROP TABLE tickets', uses: [] } }
			})
		).rejects.toThrow(ProfileError);
		await expect(
			saveProfile(store, {
				name: 'zendesk',
				kind: 'tickets',
				fields: { external_id: { column: 'a' }, created_at: { column: 'b' } }
			})
		).rejects.toThrow(/built-in/);
	});

	it('ships example mapping files that check out', () => {
		for (const f of fs.readdirSync('data/profiles').filter((x) => x.endsWith('.json'))) {
			expect(() =>
				userProfile(JSON.parse(fs.readFileSync(path.join('data/profiles', f), 'utf8')), f)
			).not.toThrow();
		}
	});
});
