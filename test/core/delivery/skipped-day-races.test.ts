// Two instances on one database: a day skipped for no match that a revision sends, racing the next scheduled slot planned on the other instance — the day's post goes out exactly once.
import { afterEach, describe, expect, it } from "vitest";
import { filterPostByKeywords } from "../../../src/core/delivery/keyword-filter.js";
import { planTextDailyPost } from "../../../src/core/delivery/text-plan.js";
import type { Digest } from "../../../src/core/digest/model.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness, type Sent } from "./helpers.js";
import { PinningPublisher, RevisableArchive } from "./option-doubles.js";

const DAY = "2026-02-18";
const CHAIN = "区块链公司发布链上 Agent 结算协议";
const LIMIT = 400;
/** The slots: 09:00 (skipped, nothing matched) and 21:00 (the next one, within DELIVERY_DEADLINE_HOURS of the first). */
const CRON = "0 9,21 * * *";

/** The day's digest with a late story about 区块链, the subscription's keyword. */
function withChainStory(): Digest {
  const d = structuredClone(digestOn(DAY));
  const model = d.sections[1]!.stories[0]!;
  d.sections[1]!.stories.push({ ...model, id: "20260218-2-9", title: CHAIN, text: "一家区块链公司发布了结算协议。它面向 Agent 之间的小额支付。" });
  return d;
}

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  /** Instances A and B (own connection, clock and platform client; one chat), the 09:00 slot skipped, then the revision saved. */
  async function setup() {
    h = harness({ POST_CRON: CRON, REVISION_QUIET_SECONDS: "60" }, backend);
    const archive = new RevisableArchive([digestOn(DAY)]);
    const received: Sent[] = [];
    const instance = async () => {
      const db = await h.open();
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      const engine = await h.engine({ db, archive, clock });
      engine.registerPublisher(new PinningPublisher({ received, limit: LIMIT }));
      return { db, clock, engine };
    };
    const a = await instance();
    const b = await instance();
    await a.engine.subscribe({ platform: "telegram", id: "-1" });
    await a.db.subscriptions.setOptions("telegram", "-1", { keywords: ["区块链"] }, "2026-02-17T12:00:00Z");
    a.clock.set("2026-02-18T09:00:00Z");
    await a.engine.tick();
    expect(await column(a.db, "SELECT outcome FROM runs")).toEqual(["skipped"]);
    // The editor adds a matching story; the change is recorded as a started engine records it (not started here,
    // so that no tick runs but the ones the test interleaves).
    archive.put(withChainStory());
    await a.db.revisions.request(DAY, "2026-02-18T09:01:00.000Z", "2026-02-18T09:00:00.000Z");
    // A looks at the revision a moment before 21:00 (its quiet period is over); B's clock reaches the 21:00 slot.
    a.clock.set("2026-02-18T20:59:30Z");
    b.clock.set("2026-02-18T21:00:00Z");
    const header = planTextDailyPost(filterPostByKeywords(buildDailyPost(withChainStory()), withChainStory(), ["区块链"]), "en", LIMIT)[0];
    /** How many times the day's post reached the chat (its header). */
    const posts = () => received.filter((r) => r.text === header).length;
    return { a, b, posts };
  }

  it("the revision sends the skipped day between the next slot's read of what was delivered and its planning: the post goes out once", async () => {
    const { a, b, posts } = await setup();
    const slotStates = b.db.ledger.slotStates.bind(b.db.ledger);
    let interleaved = false;
    b.db.ledger.slotStates = async (items, digestDate) => {
      const states = await slotStates(items, digestDate);
      if (!interleaved) {
        interleaved = true;
        // A's revision sends the skipped 09:00 day, and its post goes out, while B holds what it read.
        await a.engine.tick();
        await a.engine.tick();
        expect(posts()).toBe(1);
      }
      return states;
    };
    await b.engine.tick();
    await b.engine.tick();
    await a.engine.tick();
    expect(interleaved).toBe(true);
    expect(posts()).toBe(1);
  });

  it("the next slot is planned and sent between the revision's read of the skipped days and its sending of one: the post goes out once", async () => {
    const { a, b, posts } = await setup();
    const get = a.db.subscriptions.get.bind(a.db.subscriptions);
    let armed = false;
    let interleaved = false;
    // The revision reads the skipped days, then the subscription: B plans the 21:00 slot and sends it in between.
    a.db.subscriptions.get = async (platform, targetId) => {
      if (armed) {
        armed = false;
        interleaved = true;
        await b.engine.tick();
        await b.engine.tick();
        expect(posts()).toBe(1);
      }
      return get(platform, targetId);
    };
    armed = true;
    await a.engine.tick();
    await a.engine.tick();
    await b.engine.tick();
    expect(interleaved).toBe(true);
    expect(posts()).toBe(1);
  });
});
