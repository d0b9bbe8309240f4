// `pnpm nestjs-cache-module`: one instance of the Nest app.
//   SQLITE_PATH=/tmp/nest-cache.db PORT=3000 node nestjs-cache-module/start.mjs
// Start a second one on another port with the same SQLITE_PATH: each sees the
// other's cached responses and notes. Ctrl+C closes the app and the cache.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from './app.mjs';

const sqlitePath = process.env.SQLITE_PATH ?? join(tmpdir(), 'cachestack-nest-example.db');
const app = await startApp({ sqlitePath, port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${app.url} (cache: memory + ${sqlitePath})`);
console.log(`try: curl ${app.url}/products/1   (twice: the second answer comes from the cache)`);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
