/** Methods that are safe (RFC 9110 §9.2.1): they never invalidate. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether `method` is unsafe (anything but GET, HEAD, OPTIONS, TRACE, including unknown ones). */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The URLs an unsafe request invalidates once answered with a non-error
 * status (RFC 9111 §4.4): its target, and the `Location` and
 * `Content-Location` of the response when they are on the same origin
 * (scheme, host and port). Empty for an error status (4xx/5xx) or 1xx.
 */
export function invalidationTargets(request: Request, response: Response): string[] {
  if (response.status < 200 || response.status >= 400) return [];
  const target = new URL(request.url);
  const targets = [target.href];
  for (const name of ['location', 'content-location']) {
    const value = response.headers.get(name);
    if (value === null) continue;
    let resolved: URL;
    try {
      resolved = new URL(value, target);
    } catch {
      continue; // a malformed URL invalidates nothing
    }
    if (resolved.origin === target.origin && !targets.includes(resolved.href)) {
      targets.push(resolved.href);
    }
  }
  return targets;
}
