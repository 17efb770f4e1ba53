// Vitest settings: tests live in test/, mirror src/, and never touch the network beyond loopback.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // One PostgreSQL server for the run; the storage tests run on it and on SQLite.
    globalSetup: ["test/postgres.global-setup.ts"],
  },
});
