import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { port: 3000 },
	ssr: { external: ['@duckdb/node-api'] },
	test: {
		include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
		// A non-UTC zone with DST on the far side of the date line: any hidden dependence on the
		// host's zone shows up as a failing test (see src/lib/domain/wall-clock.ts).
		env: { TZ: 'Pacific/Auckland' },
		testTimeout: 60_000,
		hookTimeout: 120_000,
		pool: 'forks',
		fileParallelism: true,
		maxWorkers: 2
	}
});
