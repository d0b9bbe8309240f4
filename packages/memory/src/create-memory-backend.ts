import { MemoryBackend } from './memory-backend.js';
import type { MemoryBackendOptions } from './memory-backend-options.js';

/**
 * Creates a {@link MemoryBackend}, loading its snapshot first when
 * {@link MemoryBackendOptions.snapshot} is set. Same as
 * {@link MemoryBackend.open}.
 * @throws TypeError naming the first invalid option.
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): Promise<MemoryBackend> {
  return MemoryBackend.open(options);
}
