// The delivery timer: node-cron's warnings reach the JSON log, never raw console output.
import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../src/core/logger.js";
import { scheduleTicks } from "../../../src/core/delivery/tick-timer.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe("scheduleTicks", () => {
  afterEach(() => vi.restoreAllMocks());

  it("runs one tick at a time and logs a skipped overlapping tick through pino, not console", async () => {
    const warn = vi.spyOn(console, "warn");
    const error = vi.spyOn(console, "error");
    const { lines, destination } = capture();
    const logger = createLogger({ level: "debug", destination, pretty: false });
    let running = 0;
    let most = 0;
    let ticks = 0;
    // Every second, a tick that lasts 2.5 s: node-cron must skip the overlapping seconds.
    const task = scheduleTicks(
      async () => {
        ticks++;
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2500));
        running--;
      },
      logger,
      "* * * * * *",
    );
    await new Promise((resolve) => setTimeout(resolve, 4200));
    await task.destroy();
    expect(ticks).toBeGreaterThanOrEqual(1);
    expect(most).toBe(1);
    const skipped = lines.filter((l) => l.msg === "a delivery tick is still running; this minute's tick is skipped");
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped[0]).toMatchObject({ module: "cron", level: 20 });
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });
});
