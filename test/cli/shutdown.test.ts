// Signal handling: the first signal stops gracefully and exits 0, a second one exits at once.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { FORCED_EXIT_CODE, handleShutdownSignals } from "../../src/cli/shutdown.js";
import { createLogger } from "../../src/core/logger.js";

const logger = createLogger({ level: "silent" });

function setup(stop: () => Promise<void>) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const shutdown = handleShutdownSignals({ logger, stop, signals, exit: (code) => exits.push(code) });
  return { signals, exits, shutdown };
}

describe("handleShutdownSignals", () => {
  it("runs the graceful stop once and exits 0", async () => {
    let stops = 0;
    const { signals, exits, shutdown } = setup(async () => {
      stops++;
    });
    signals.emit("SIGTERM");
    await shutdown("again");
    expect(stops).toBe(1);
    expect(exits).toEqual([0]);
  });

  it("exits at once on a second signal while the stop is still running", async () => {
    let finish!: () => void;
    const { signals, exits } = setup(() => new Promise<void>((resolve) => (finish = resolve)));
    signals.emit("SIGINT");
    signals.emit("SIGINT");
    expect(exits).toEqual([FORCED_EXIT_CODE]);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([FORCED_EXIT_CODE, 0]);
  });

  it("exits 1 when the stop fails", async () => {
    const { exits, shutdown } = setup(() => Promise.reject(new Error("db busy")));
    await shutdown("test");
    expect(exits).toEqual([1]);
  });
});
