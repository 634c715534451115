// Serves the built app (build/, made by `npm run build`). Lifts adapter-node's 512 KB body limit:
// uploads are streamed to disk under Peil's own limit (PEIL_UPLOAD_LIMIT), with a clear message.
process.env.BODY_SIZE_LIMIT ??= 'Infinity';
process.env.PORT ??= '3000';
// SvelteKit checks the Origin of form posts against the site's address; behind no proxy that is
// this server itself (set ORIGIN when Peil is served under another address).
process.env.ORIGIN ??= `http://localhost:${process.env.PORT}`;
const { storePath } = await import('./store-path.js');
console.log(`Peil: store ${storePath()}; serving on http://localhost:${process.env.PORT}`);
await import('../build/index.js');
