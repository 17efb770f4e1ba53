// The console's personal alerts: /watch on the console prints each matching story of today's digest once, in the terminal.
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runConsole } from "../../src/console/run-console.js";
import { startHarness, type Harness } from "../commands/app-harness.js";
import { testBackends } from "../core/storage/backends.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each(testBackends())("console personal alerts, state on %s", (backend) => {
  it("/watch prints today's matching stories once, under the alert title; /watch lists and /unwatch removes", async () => {
    h = await startHarness({ locale: "en", backend });
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const done = runConsole({ app: h.app, input, output });
    input.write("/watch sonnet\n");
    input.end();
    await done;
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(printed).toContain("Watching “sonnet”: when a new digest has a matching story, you get it in a private message (1/10).");
    const alerts = printed.split("🔔 New story for your watch “sonnet”\n").slice(1);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatch(/^Anthropic 推出 Claude Sonnet 4\.6/);
    expect(alerts[1]).toMatch(/^Sonnet 4\.6 快速铺货/);
    expect((await h.ask("/watch")).text).toBe("Your watches (1/10); matching new stories come to you in a private message:\n1. sonnet");
    expect((await h.ask("/unwatch sonnet")).text).toBe("Stopped watching “sonnet”.");
  });
});
