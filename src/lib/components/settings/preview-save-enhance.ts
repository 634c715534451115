import type { SubmitFunction } from '@sveltejs/kit';
import { tick } from 'svelte';

/**
 * The form enhancement of every /settings editor: mark which action runs (Preview or Save),
 * keep the entered values after the answer, and bring a preview (shown below the form) into view.
 */
export function previewSaveEnhance(
	setBusy: (busy: 'preview' | 'save' | null) => void
): SubmitFunction {
	return ({ action }) => {
		setBusy(action.search.includes('preview') ? 'preview' : 'save');
		return async ({ update, result }) => {
			await update({ reset: false });
			setBusy(null);
			if (result.type === 'success' && result.data && 'preview' in result.data) {
				await tick();
				document.getElementById('preview-heading')?.scrollIntoView({ block: 'start' });
			}
		};
	};
}
