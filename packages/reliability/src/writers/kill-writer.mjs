// A writer process for the kill campaign: writes its own keys w<id>:<seq>
// (each once) and overwrites the shared hot keys, forever. After each own
// key's set resolves it appends "<seq>\n" to the ack file (one write(2), so
// a kill never leaves half a line that parses). Prints "ready" once it has
// written its first entry; the campaign then kills it with SIGKILL.
// Usage: node kill-writer.mjs <file|sqlite> <location> <writer id> <first sequence> <ack file>
import { appendFileSync } from 'node:fs';
import { checkedValue, HOT_KEYS, ownKey } from './checked-value.mjs';

const [adapter, location, writerArg, firstArg, ackFile] = process.argv.slice(2);
const writer = Number(writerArg);
const namespace = 'kill';
let backend;
if (adapter === 'file') {
  const { FileBackend } = await import('@cachestack/file');
  backend = new FileBackend({ directory: location, namespace, sweepIntervalMs: 0 });
} else if (adapter === 'sqlite') {
  const { SqliteBackend } = await import('@cachestack/sqlite');
  backend = new SqliteBackend({ path: location, namespace, purgeIntervalMs: 0 });
} else {
  throw new Error(`unknown adapter ${adapter}`);
}

for (let sequence = Number(firstArg); ; sequence++) {
  await backend.set(ownKey(writer, sequence), checkedValue(writer, sequence));
  appendFileSync(ackFile, `${sequence}\n`);
  if (sequence % 3 === 0) {
    await backend.set(HOT_KEYS[sequence % HOT_KEYS.length], checkedValue(writer, sequence));
  }
  if (sequence % 5 === 0) {
    await backend.setMany([
      { key: `${ownKey(writer, sequence)}:a`, value: checkedValue(writer, sequence + 1) },
      { key: `${ownKey(writer, sequence)}:b`, value: checkedValue(writer, sequence + 2) },
    ]);
  }
  if (sequence === Number(firstArg)) process.stdout.write('ready\n');
}
