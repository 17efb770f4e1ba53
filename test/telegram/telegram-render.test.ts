// Pure Telegram renderers: daily post plan, every reply type, search paging data, the command menu.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defineCommand } from "../../src/core/command.js";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import type { Reply } from "../../src/core/reply.js";
import { buildDailyPost, type DailyPost } from "../../src/core/summaries.js";
import { toTelegramCommands } from "../../src/telegram/telegram-commands.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { decodeSearchCallback, encodeSearchCallback, toTelegramMessage } from "../../src/telegram/telegram-render.js";
import { checkTelegramHtml } from "./html-check.js";

const { digest } = parseDigest(readFileSync("test/fixtures/sample/2026-02-18.md", "utf8"), "2026-02-18.md");
const storyIds = digest.sections.flatMap((s) => s.stories.map((st) => st.id));

describe("planTelegramDailyPost", () => {
  it("sends the seed digest in at most 8 valid messages, every story once with its deep link", () => {
    const messages = planTelegramDailyPost(buildDailyPost(digest), { locale: "zh", botUsername: "DigestBot" });
    expect(messages.length).toBeLessThanOrEqual(8);
    for (const m of messages) {
      expect(checkTelegramHtml(m.text).problems).toEqual([]);
      expect(m.link_preview_options).toEqual({ is_disabled: true });
    }
    const all = messages.map((m) => m.text).join("\n");
    expect(all.startsWith("<b>📰 AI 日报 · 2026-02-18</b>")).toBe(true);
    for (const id of storyIds) expect(all.split(`https://t.me/DigestBot?start=${id}"`).length - 1).toBe(1);
  });

  it("refers to /story <id> when the bot username is unknown (CLI preview)", () => {
    const [first] = planTelegramDailyPost(buildDailyPost(digest, [0]), { locale: "en" });
    expect(first!.text).toContain("📖 /story 20260218-1-1");
    expect(first!.text).not.toContain("t.me");
  });

  it("property: any post plans into valid messages within 4096 characters", () => {
    const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 400 });
    const story = fc.record({ id: fc.constant("20260101-1-1"), title: text, summary: fc.string({ maxLength: 5000 }), link: fc.option(fc.record({ label: text, url: fc.webUrl() }), { nil: undefined }) });
    const post = fc.record({
      date: fc.constant("2026-01-01"),
      header: fc.array(fc.record({ title: text, storyCount: fc.nat(50) }), { maxLength: 12 }),
      sections: fc.array(fc.record({ index: fc.nat(20), title: text, stories: fc.array(story, { minLength: 1, maxLength: 5 }) }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(post, (p) => {
        const sections = p.sections.map((s) => ({ ...s, stories: s.stories.map(({ link, ...rest }) => (link ? { ...rest, link } : rest)) }));
        for (const m of planTelegramDailyPost({ ...p, sections } as DailyPost, { locale: "en", botUsername: "B" })) {
          expect(checkTelegramHtml(m.text).problems).toEqual([]);
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe("toTelegramMessage", () => {
  const hit = { id: "20260218-1-3", date: "2026-02-18", section: "模型 <与> 能力", title: "GLM‑5 & <co>" };
  const replies: Reply[] = [
    { type: "story", story: { ...hit, body: "**bold** <x> [a](javascript:x)", text: "bold <x> a", links: [{ label: "arXiv", url: "https://arxiv.org/abs/1" }] }, alsoMatching: [hit] },
    { type: "links", story: hit, links: [{ label: "a&b", url: "https://a.example/?q=1&r=2" }] },
    { type: "results", query: "<q>", filters: { section: "安全", date: "2026-02-18" }, hits: [hit], page: 2, pageCount: 3, total: 21 },
    { type: "section-summary", date: "2026-02-18", summary: { index: 0, title: "S&S", stories: [{ id: hit.id, title: hit.title, summary: "a < b", link: { label: "l", url: "https://x.example" } }] } },
    { type: "digest-overview", date: "2026-02-18", sections: [{ title: "<S>", stories: [hit] }] },
    { type: "sections", date: "2026-02-18", sections: [{ title: "A&B", storyCount: 3 }] },
    { type: "help", commands: [{ name: "story", description: "Show <story>", usage: "/story <query> [date]", adminOnly: false }] },
    { type: "status", digests: { count: 1, latest: "2026-02-18" }, targets: [{ platform: "telegram", targetId: "-100", enabled: false, disabledReason: "bot was kicked <x>", cron: "0 9 * * *", timezone: "UTC" }] },
    { type: "notice", tone: "success", text: "ok <&>" },
    { type: "error", code: "no-match", message: "No story matches “<x>”.", hint: "Try /digest" },
  ];

  it("renders every reply type as valid HTML", () => {
    for (const reply of replies) {
      for (const m of toTelegramMessage(reply, "en", { botUsername: "DigestBot" })) {
        expect(checkTelegramHtml(m.text).problems, reply.type).toEqual([]);
      }
    }
  });

  it("counts stories in the UI language (1 story) and words the last delivery's result (已发送)", () => {
    const sections = toTelegramMessage({ type: "sections", date: "2026-02-18", sections: [{ title: "A", storyCount: 1 }, { title: "B", storyCount: 4 }] }, "en")[0]!.text;
    expect(sections).toContain("1. A · 1 story\n2. B · 4 stories");
    const status: Reply = {
      type: "status",
      digests: { count: 1, latest: "2026-02-18" },
      targets: [{ platform: "telegram", targetId: "-100", enabled: true, cron: "0 9 * * *", timezone: "UTC", lastDelivery: { date: "2026-02-18", status: "sent", at: "2026-02-18T01:00:00Z" } }],
    };
    expect(toTelegramMessage(status, "zh")[0]!.text).toContain("2026-02-18 已发送");
  });

  it("shows a target's delivery options, a pin that failed and a day nothing matched, escaped (#13)", () => {
    const status: Reply = {
      type: "status",
      digests: { count: 1, latest: "2026-02-18" },
      targets: [
        {
          platform: "telegram",
          targetId: "-100",
          enabled: true,
          cron: "0 9 * * *",
          timezone: "UTC",
          options: { silent: true, pin: true, keywords: ["<b>agent", "安全"] },
          lastDelivery: { date: "2026-02-18", status: "skipped", at: "2026-02-18T01:00:00Z", pinError: "403 <not enough rights>" },
          nothingMatched: { date: "2026-02-18", keywords: ["<b>agent", "安全"] },
        },
      ],
    };
    const [message] = toTelegramMessage(status, "en");
    expect(checkTelegramHtml(message!.text).problems).toEqual([]);
    expect(message!.text).toContain(
      "\n  Options: silent; pins the day's header; only stories matching &lt;b&gt;agent, 安全\n  not pinned: 403 &lt;not enough rights&gt;\n  no story of 2026-02-18 matched the keywords (&lt;b&gt;agent, 安全); nothing was sent that day",
    );
  });

  it("lists pending reposts and manual deliveries under the targets, escaping the platform's error text", () => {
    const status: Reply = {
      type: "status",
      digests: { count: 1, latest: "2026-02-18" },
      targets: [],
      pending: [{ runId: "m20260218-1", kind: "manual", date: "2026-02-18", platform: "telegram", targetId: "-100", open: 1, parts: 3, createdAt: "2026-02-18T01:00:00Z", error: "502 <Bad Gateway>" }],
    };
    const [message] = toTelegramMessage(status, "en");
    expect(checkTelegramHtml(message!.text).problems).toEqual([]);
    expect(message!.text).toContain(
      "<b>Pending reposts and manual deliveries (cancel with digest-bot pending --cancel)</b>\nm20260218-1 · manual · 2026-02-18 → telegram:-100 · 1/3 messages left · 2026-02-18T01:00:00Z (502 &lt;Bad Gateway&gt;)",
    );
  });

  it("previews only a single story; lists and summaries have previews off", () => {
    const previews = replies.map((r) => toTelegramMessage(r, "en")[0]!.link_preview_options.is_disabled);
    expect(previews).toEqual([false, true, true, true, true, true, true, true, true, true]);
  });

  it("pages search results with previous/next buttons carrying the query and filters", () => {
    const [m] = toTelegramMessage(replies[2]!, "en");
    const buttons = m!.reply_markup!.inline_keyboard.flat() as { text: string; callback_data: string }[];
    expect(buttons.map((b) => b.text)).toEqual(["◀ Previous", "Next ▶"]);
    expect(decodeSearchCallback(buttons[1]!.callback_data)).toEqual({ query: "<q>", section: "安全", date: "2026-02-18", page: 3 });
    expect(m!.text).toContain("11. ");
    expect(m!.text).toContain("Page 2/3");
  });

  it("keeps callback data within 64 bytes", () => {
    expect(encodeSearchCallback({ query: "sonnet", page: 2 })).toBe("s|2|||sonnet");
    expect(encodeSearchCallback({ query: "很长的查询".repeat(5), page: 2 })).toBeUndefined();
  });
});

describe("toTelegramCommands", () => {
  const base = { options: [], execute: () => ({ type: "notice", tone: "info", text: "x" }) as const };
  const defs = [
    defineCommand({ ...base, name: "story", description: { zh: "查看报道", en: "Show a story" } }),
    defineCommand({ ...base, name: "repost", adminOnly: true, description: { zh: "重发", en: "Repost" } }),
  ];

  it("lists commands per language, admin ones only on request", () => {
    expect(toTelegramCommands(defs, "zh")).toEqual([{ command: "story", description: "查看报道" }]);
    expect(toTelegramCommands(defs, "en", { includeAdmin: true }).map((c) => c.command)).toEqual(["story", "repost"]);
  });

  it("rejects a name Telegram would refuse", () => {
    expect(() => toTelegramCommands([defineCommand({ ...base, name: "Bad-Name", description: { zh: "x", en: "x" } })], "en")).toThrow(
      'telegram: command name "Bad-Name" is not valid on Telegram; use 1-32 characters of a-z, 0-9 or "_"',
    );
  });
});
