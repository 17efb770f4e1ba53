// The delivery path's discord.js REST client with each request paced by the engine, so every request draws from the token's 50/s.
import type { AsyncLocalStorage } from "node:async_hooks";
import type { REST } from "discord.js";

/** REST methods that make a request. */
const REQUESTS = new Set(["get", "post", "put", "patch", "delete"]);

/** `rest` with each request waiting first for the current operation's `pace` (none outside an operation). */
export function pacedRest(rest: REST, pacing: AsyncLocalStorage<(() => Promise<void>) | undefined>): REST {
  return new Proxy(rest, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== "string" || !REQUESTS.has(key) || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await pacing.getStore()?.();
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}
