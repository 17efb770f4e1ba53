// Settings that put one test's state on a backend: SQLite in its DATA_DIR, or a fresh schema on the test PostgreSQL server.
import type { StorageDialect } from "../../../src/core/storage/types.js";
import { createTestDatabase } from "./backends.js";

/**
 * Extra settings for `parseConfig` / a child's environment: none for SQLite, `DATABASE_URL` of a new, empty schema
 * for PostgreSQL. `drop()` removes that schema.
 *
 * @example
 * const state = await backendEnv(backend);
 * const config = parseConfig({ ...settings, ...state.env });
 * // … afterwards: await state.drop();
 */
export async function backendEnv(backend: StorageDialect): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (backend === "sqlite") return { env: {}, drop: async () => undefined };
  const database = await createTestDatabase();
  return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
}
