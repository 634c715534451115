// Serves the built app (build/, made by `npm run build`). Lifts adapter-node's 512 KB body limit:
// uploads are streamed to disk under Peil's own limit (PEIL_UPLOAD_LIMIT), with a clear message.
process.env.BODY_SIZE_LIMIT ??= 'Infinity';
process.env.PORT ??= '3000';
const { storePath } = await import('./store-path.js');
console.log(`Peil: store ${storePath()}; serving on http://localhost:${process.env.PORT}`);
await import('../build/index.js');
