// Plans of real digests against a limit: the seed, an oversized story, and the idempotency keys of parts.
import { describe, expect, it } from "vitest";
import { idempotencyKey } from "../../../src/core/delivery/ledger.js";
import { planTextDailyPost } from "../../../src/core/delivery/text-plan.js";
import { buildDailyPost, type DailyPost } from "../../../src/core/summaries.js";
import { seedDigest } from "./helpers.js";

describe("planTextDailyPost", () => {
  it("keeps every message of the seed within the limit, header first, every story once and in order", () => {
    const post = buildDailyPost(seedDigest());
    for (const limit of [4096, 2000, 900]) {
      const messages = planTextDailyPost(post, "zh", limit);
      for (const m of messages) expect(m.length).toBeLessThanOrEqual(limit);
      expect(messages[0]?.startsWith("AI 日报 · 2026-02-18")).toBe(true);
      const ids = [...messages.join("\n").matchAll(/\/story (\d{8}-\d+-\d+)/g)].map((m) => m[1]);
      expect(ids).toEqual(post.sections.flatMap((s) => s.stories.map((st) => st.id)));
    }
    expect(planTextDailyPost(post, "zh", 4096).length).toBeLessThanOrEqual(3);
  });

  it("splits a story that alone exceeds a message at sentence ends, and only that story", () => {
    const long = Array.from({ length: 40 }, (_, i) => `这是第 ${i + 1} 句，内容很长很长很长很长很长很长。`).join("");
    const post: DailyPost = {
      date: "2026-02-18",
      header: [{ title: "模型", storyCount: 2 }],
      sections: [
        {
          index: 0,
          title: "模型",
          stories: [
            { id: "20260218-1-1", title: "长篇", summary: long },
            { id: "20260218-1-2", title: "短篇", summary: "一句话。" },
          ],
        },
      ],
    };
    const messages = planTextDailyPost(post, "zh", 400);
    expect(messages.length).toBeGreaterThan(2);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(400);
    // Every cut inside the long story falls right after a sentence end.
    for (const m of messages.slice(1, -1)) expect(m.trimEnd()).toMatch(/[。！？.!?]$/);
    expect(messages.at(-1)).toContain("• 短篇\n  一句话。");
    expect(messages.join("").replace(/\s+/g, "")).toContain(long.replace(/\s+/g, ""));
  });
});

describe("idempotencyKey", () => {
  it("is at most 25 chars of [A-Za-z0-9], stable per (run, target, part) and different otherwise", () => {
    const key = idempotencyKey("s20260218-0a1b2c3d", "discord", "123456", 3);
    expect(key).toMatch(/^[A-Za-z0-9]{1,25}$/);
    expect(idempotencyKey("s20260218-0a1b2c3d", "discord", "123456", 3)).toBe(key);
    const others = [
      idempotencyKey("s20260218-0a1b2c3d", "discord", "123456", 4),
      idempotencyKey("s20260218-0a1b2c3d", "discord", "123457", 3),
      idempotencyKey("r20260218-0a1b2c3d", "discord", "123456", 3),
      idempotencyKey("s20260218-0a1b2c3d", "telegram", "123456", 3),
    ];
    expect(new Set([key, ...others]).size).toBe(5);
  });
});
