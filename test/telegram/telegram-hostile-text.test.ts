// Telegram payloads from hostile digests: a huge title or section names still plan, no lone surrogate or NUL gets out.
import { describe, expect, it } from "vitest";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import type { StoryCard } from "../../src/core/reply.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { TELEGRAM_MESSAGE_LIMIT, telegramTextLength } from "../../src/telegram/telegram-html.js";
import { toTelegramMessage } from "../../src/telegram/telegram-render.js";
import { checkTelegramHtml } from "./html-check.js";

const LONE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

describe("Telegram daily post with a long title and long section names", () => {
  it("plans within 4096 characters per message, header included", () => {
    const sections = Array.from({ length: 60 }, (_, i) => `## ${"栏目名称很长".repeat(80)} ${i}\n\n### Story ${i}\n\nBody ${i}.\n`).join("\n");
    const { digest } = parseDigest(`---\ndate: 2026-03-02\ntitle: "${"标题".repeat(3000)}"\n---\n\n${sections}`, "2026-03-02.md");
    const messages = planTelegramDailyPost(buildDailyPost(digest), { locale: "en", botUsername: "DigestBot" });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(telegramTextLength(m.text)).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
      expect(checkTelegramHtml(m.text).problems).toEqual([]);
    }
    expect(messages[0]!.text).toMatch(/^<b>📰 AI digest · 2026-03-02<\/b>\n<i>[标题]{299}…<\/i>/);
    expect(messages[0]!.text).toContain("…");
  });
});

describe("lone surrogates and NUL", () => {
  const hostile = "A\uD800B\u0000C\uDC00";
  const card: StoryCard = { id: "20260302-1-1", date: "2026-03-02", section: hostile, title: hostile, body: hostile, text: hostile, links: [{ label: hostile, url: "https://example.com/a" }] };

  it("never reach a reply or a daily post", () => {
    const replies = toTelegramMessage({ type: "story", story: card, alsoMatching: [] }, "en");
    expect(replies[0]!.text).toContain("A\uFFFDBC\uFFFD");
    for (const m of replies) expect(LONE_OR_NUL.test(JSON.stringify(m.reply_markup ?? {}) + m.text)).toBe(false);
    const { digest } = parseDigest('---\ndate: 2026-03-02\ntitle: "T\\ud800\\0"\n---\n\n## S\n\n### Story\n\nBody.\n', "2026-03-02.md");
    for (const m of planTelegramDailyPost(buildDailyPost(digest), { locale: "en" })) expect(LONE_OR_NUL.test(m.text)).toBe(false);
  });
});
