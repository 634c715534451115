/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function progressBar(label: string): {
	update: (phase: string, fraction: number) => void;
	done: () => void;
} {
	const tty = process.stderr.isTTY;
	let last = '';
	return {
		update(phase, fraction) {
			if (!tty) return;
			const width = 30;
			const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
			const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${phase}`;
			if (line !== last) process.stderr.write(`\r${line}\x1b[K`);
			last = line;
		},
		done() {
			if (tty && last) process.stderr.write('\r\x1b[K');
		}
	};
}
