/**
 * Bad values of the adapters' `timeouts` option and the message core's
 * `resolveTimeoutsOption` gives for each (after the `<Class>: ` prefix), so
 * every adapter's suite checks the same mistakes with one table.
 */
export const BAD_TIMEOUTS_OPTIONS: [timeouts: unknown, message: string][] = [
  [{ get: 0 }, 'option "timeouts.get" must be a finite number of ms > 0, got 0'],
  [{ '*': Number.NaN }, 'option "timeouts.*" must be a finite number of ms > 0, got NaN'],
  [{ gett: 5 }, 'option "timeouts.gett" is not an operation; expected one of get, set, '],
  [5, 'option "timeouts" must be an object of ms per operation name or \'*\', got 5'],
];
