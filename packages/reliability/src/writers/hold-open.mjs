// Keeps a SQLite cache open (so its -wal and -shm files stay) until killed:
// the "another process keeps the WAL open" case of the read-only campaign.
// Usage: node hold-open.mjs <database path>
import { SqliteBackend } from '@cachestack/sqlite';

const [path] = process.argv.slice(2);
const backend = new SqliteBackend({ path, namespace: 'holder', purgeIntervalMs: 0 });
await backend.set('held', Buffer.from('open'));
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
