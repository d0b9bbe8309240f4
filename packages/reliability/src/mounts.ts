import { execFileSync } from 'node:child_process';

/** The message every disk-fault scenario fails with when it cannot mount. */
export const MOUNT_HINT =
  'run as root: needs mount for tmpfs/bind mounts (the disk-fault campaign mounts a small tmpfs and a read-only bind mount; install util-linux `mount` and run the suite as root or with CAP_SYS_ADMIN)';

function mount(args: string[]): void {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `${MOUNT_HINT}. \`mount ${args.join(' ')}\` failed: ${stderr || String(error)}`,
    );
  }
}

/**
 * Throws an `Error` with {@link MOUNT_HINT} unless this process runs as root
 * (disk faults need `mount`; they are never skipped quietly).
 */
export function requireMountPrivileges(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${MOUNT_HINT} (running as uid ${process.getuid?.() ?? 'unknown'})`);
  }
}

/**
 * Mounts made by one scenario, undone in reverse order by
 * {@link Mounts.unmountAll} (lazily, so an open file cannot keep one behind).
 */
export class Mounts {
  readonly #points: string[] = [];

  /** Mounts a tmpfs of `bytes` bytes (rounded up to pages by the kernel) on the directory `point`. */
  tmpfs(point: string, bytes: number): void {
    requireMountPrivileges();
    mount(['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', point]);
    this.#points.push(point);
  }

  /** Makes the directory `point` read-only by bind-mounting it on itself and remounting that read-only. */
  readOnly(point: string): void {
    requireMountPrivileges();
    mount(['--bind', point, point]);
    this.#points.push(point);
    mount(['-o', 'remount,ro,bind', point]);
  }

  /** Unmounts everything this instance mounted, newest first. */
  unmountAll(): void {
    for (const point of this.#points.splice(0).reverse()) {
      execFileSync('umount', ['-l', point], { stdio: 'pipe' });
    }
  }
}
