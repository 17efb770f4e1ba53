// A channel-mode daily post plans byte-for-byte as before modes existed, so revising an older delivered post makes no needless edit.
import { describe, expect, it } from "vitest";
import { planRevision } from "../../src/core/delivery/revision-planner.js";
import { hashPayload } from "../../src/core/storage/part-keys.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { partCountOf, planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { sampleDigest } from "./sample.js";

const post = buildDailyPost(sampleDigest());
/**
 * Hashes the ledger holds for the sample post delivered by the planner before thread/forum modes (commit aa31458,
 * `planDiscordDailyPost(post, locale)` with no options), per locale.
 */
const DELIVERED_BEFORE_MODES = { en: ["a3cffddf0e36c36e", "d943f887f1ecf53f"], zh: ["4b11c90cfd6bf18a", "5b69bdfce520e4a3"] } as const;

describe("channel-mode payload hashes", () => {
  for (const locale of ["en", "zh"] as const) {
    it(`a post delivered before modes existed compares equal to its re-plan (${locale}): no edit is planned`, () => {
      const delivered = DELIVERED_BEFORE_MODES[locale].map((hash, i) => ({ partIndex: i, messageId: String(900 + i), hash }));
      const replanned = planDiscordDailyPost(post, locale);
      expect(replanned.map((p) => hashPayload(JSON.stringify(p)))).toEqual(DELIVERED_BEFORE_MODES[locale]);
      expect(planRevision(delivered, replanned)).toBeUndefined();
    });
  }

  it("options that change nothing in channel mode (channel, no ping, not silent) leave the payloads unmarked", () => {
    for (const p of planDiscordDailyPost(post, "en", { mode: "channel", pin: true, linkPreview: false })) expect(p).not.toHaveProperty("digest_placement");
  });

  it("the part count a channel-mode part is crossposted by is read from its footer", () => {
    const planned = planDiscordDailyPost(post, "en");
    expect(planned.map(partCountOf)).toEqual(planned.map(() => planned.length));
    const single = planDiscordDailyPost({ ...post, sections: post.sections.slice(0, 1) }, "en");
    expect(single.map(partCountOf)).toEqual(single.map(() => single.length));
  });
});
