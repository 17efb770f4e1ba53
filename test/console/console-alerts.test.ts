// The console's personal alerts: printed under their title; an edit (a changed "…and N more") prints the new title lines again.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createConsoleAlerts } from "../../src/console/console-alerts.js";

describe("console alerts", () => {
  it("an edit prints the alert's new title lines after ↻, not the whole story again", async () => {
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const alerts = createConsoleAlerts({ output });
    const story = { id: "20260218-x-abcde", date: "2026-02-18", section: "S", title: "Quokka report", body: "A quokka was seen.", text: "A quokka was seen.", links: [] };
    const { messageId } = await alerts.sendDirect("local", alerts.planAlert({ story, query: "quokka", locale: "en" }), { idempotencyKey: "k", signal: new AbortController().signal });
    printed = "";
    await alerts.editDirect!("local", messageId, alerts.planAlert({ story, query: "quokka", locale: "en", more: { count: 2, date: "2026-02-18", cap: 5 } }), { signal: new AbortController().signal });
    expect(printed).toBe(
      "\n↻ 🔔 New story for your watch “quokka”\n…and 2 more stories of the 2026-02-18 digest match your watches (at most 5 alerts a digest); /search finds them\n",
    );
  });
});
