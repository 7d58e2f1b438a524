// `npm run bench`: every benchmark, one after another (each prints its own figures).
await import('./redirect.mjs');
