// Vitest settings: tests live in test/, mirror src/, and never touch the network beyond loopback.
import { defineConfig } from "vitest/config";
import { guardMs } from "./test/load-slack.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Guards against hangs, stretched on a loaded machine (see test/load-slack.ts).
    testTimeout: guardMs(20_000),
    hookTimeout: guardMs(30_000),
    pool: "forks",
    // Most tests wait on loopback fakes, child processes and timers, not on the CPU: three forks keep a 2-core
    // machine busy (the whole suite took 9 min with vitest's default of one fork here, under 4 min with three).
    maxWorkers: 3,
    // One PostgreSQL server for the run; the storage tests run on it and on SQLite.
    globalSetup: ["test/postgres.global-setup.ts"],
  },
});
