/**
 * One value per server process for things that must not multiply: the database client, the logger,
 * per-connection rate limiters, the token manager (its in-flight refreshes), running syncs, background
 * jobs, connect hooks. Kept on globalThis under a registered symbol so that Next.js dev hot reloads
 * (which re-evaluate modules) and separately bundled copies of one module share the same value.
 */

export type ProcessSlot<T> = {
  get(): T | undefined;
  /** Replace (or, with undefined, forget) the value: tests and scripts inject their own. */
  set(value: T | undefined): void;
  /** The value, created on first use. */
  getOrCreate(create: () => T): T;
};

export function processSlot<T>(name: string): ProcessSlot<T> {
  const key = Symbol.for(`pleo-portal.${name}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  return {
    get: () => store[key],
    set(value) {
      store[key] = value;
    },
    getOrCreate(create) {
      return (store[key] ??= create());
    },
  };
}
