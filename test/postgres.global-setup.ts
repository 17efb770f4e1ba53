// Vitest global setup: one PostgreSQL server for the whole run (tests create a database each), stopped at the end.
import type { TestProject } from "vitest/node";
import { startPostgres } from "./core/storage/postgres-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The test server's superuser URL, or why there is none. */
    postgres: { url: string } | { error: string };
  }
}

export default async function setup(project: TestProject) {
  try {
    const server = await startPostgres();
    project.provide("postgres", { url: server.url });
    return () => server.stop();
  } catch (err) {
    project.provide("postgres", { error: (err as Error).message });
    return undefined;
  }
}
