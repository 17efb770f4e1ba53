// An /unsubscribe that lands while the bot's pin of the day's header is on its way to the emulated Bot API: nothing stays pinned.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REVISION_DATE, revisionDigest } from "../core/delivery/revision-fixture.js";
import { testBackends } from "../core/storage/backends.js";
import { CHANNEL, startFixture, stopFixture, type Fixture } from "./fixture.js";

describe.each(testBackends())("Telegram: unsubscribing while the header is being pinned, state on %s", (backend) => {
  let f: Fixture | undefined;
  let source: string | undefined;
  afterEach(async () => {
    await stopFixture(f);
    if (source) rmSync(source, { recursive: true, force: true });
  });

  it("the unsubscribe waits for the pin and unpins that header: the chat is left with nothing pinned", async () => {
    source = mkdtempSync(join(tmpdir(), "digest-bot-tg-unpin-"));
    writeFileSync(join(source, `${REVISION_DATE}.md`), revisionDigest());
    f = await startFixture(source, `${REVISION_DATE}T00:30:00Z`, { DELIVERY_PIN: "true" }, { backend });
    const fixture = f;
    // The pin request reaches the Bot API and its answer is held back there.
    const hold = fixture.tg.holdNext("pinChatMessage");
    fixture.clock.now = new Date(`${REVISION_DATE}T01:00:30Z`);
    const tick = fixture.app.delivery.tick();
    await hold.arrived;
    const header = fixture.tg.liveMessages(CHANNEL)[0]!.messageId;
    let answered = false;
    const unsubscribed = fixture.app.delivery.unsubscribe({ platform: "telegram", id: CHANNEL }).finally(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false); // Waiting for the pin, not answering over it.
    hold.release();
    expect(await unsubscribed).toEqual({ unpinned: String(header) });
    await tick;
    expect(fixture.tg.pinned(Number(CHANNEL))).toEqual([]);
    const target = (await fixture.app.delivery.status()).targets.find((t) => t.targetId === CHANNEL);
    expect(target).toMatchObject({ enabled: false, disabledReason: "unsubscribed by an admin" });
    // Nothing is pinned again later.
    await fixture.app.delivery.tick();
    expect(fixture.tg.pinned(Number(CHANNEL))).toEqual([]);
  });
});
