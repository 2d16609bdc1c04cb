/**
 * A CommonJS library's exports from `await import()`. Node.js gives them as named exports and as
 * `default`; in the bundle (esbuild, split into chunks) only `default` holds them. `default` is
 * right in both, for a CommonJS library only.
 */
export function commonJs<T extends object>(mod: T): T {
  return (mod as {default?: T}).default ?? mod
}
