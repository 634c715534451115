import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import {
	addUser,
	listUsers,
	setAssignments,
	setDisabled,
	setPassword,
	setRole,
	UserError
} from '$lib/server/auth/users';
import { generatePassword } from '$lib/server/auth/passwords';
import { adminChoices } from '$lib/server/auth/choices';

export const load = (async () => {
	const store = await getStore();
	return { users: await listUsers(store), ...(await adminChoices(store)) };
}) satisfies PageServerLoad;

type Form = FormData;
const field = (f: Form, k: string) => String(f.get(k) ?? '').trim();

/** Run a change; a refused one answers 400 with the message and the field it is about. */
async function change<T extends Record<string, unknown>>(
	user: string,
	work: () => Promise<T>
): Promise<T | ReturnType<typeof fail<{ user: string; message: string; field: string | null }>>> {
	try {
		return await work();
	} catch (e) {
		if (e instanceof UserError)
			return fail(400, { user, message: e.message, field: e.field ?? null });
		throw e;
	}
}

export const actions = {
	add: async ({ request }) => {
		const f = await request.formData();
		const email = field(f, 'email');
		const typed = String(f.get('password') ?? '');
		const password = typed || generatePassword();
		return change(email, async () => {
			const store = await getStore();
			const user = await addUser(store, {
				email,
				name: field(f, 'name'),
				role: field(f, 'role'),
				password
			});
			const accounts = f.getAll('accounts').map(String);
			if (accounts.length) await setAssignments(store, user.email, accounts);
			return {
				done: `Added ${user.email} as ${user.role}.`,
				shown: typed ? null : password,
				user: user.email
			};
		});
	},
	role: async ({ request }) => {
		const f = await request.formData();
		const email = field(f, 'user');
		return change(email, async () => {
			await setRole(await getStore(), email, field(f, 'role'));
			return { done: `${email} is now ${field(f, 'role')}.`, shown: null, user: email };
		});
	},
	assign: async ({ request }) => {
		const f = await request.formData();
		const email = field(f, 'user');
		return change(email, async () => {
			const accounts = f.getAll('accounts').map(String);
			await setAssignments(await getStore(), email, accounts);
			return {
				done: `${email}: ${accounts.length} account(s) assigned.`,
				shown: null,
				user: email
			};
		});
	},
	password: async ({ request }) => {
		const f = await request.formData();
		const email = field(f, 'user');
		const password = generatePassword();
		return change(email, async () => {
			await setPassword(await getStore(), email, password);
			return {
				done: `New password for ${email}; their sessions ended.`,
				shown: password,
				user: email
			};
		});
	},
	disable: async ({ request }) => {
		const f = await request.formData();
		const email = field(f, 'user');
		const disabled = field(f, 'disabled') === 'true';
		return change(email, async () => {
			await setDisabled(await getStore(), email, disabled);
			return { done: `${email} ${disabled ? 'disabled' : 'enabled'}.`, shown: null, user: email };
		});
	}
} satisfies Actions;
