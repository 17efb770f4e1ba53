// Telegram: a link whose text names another site shows its real target on every surface (story, links, summary, daily post, buttons, body).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import type { StoryCard } from "../../src/core/reply.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { toTelegramMessage, type TelegramMessage } from "../../src/telegram/telegram-render.js";

const FILE = join(import.meta.dirname, "../fixtures/deceptive-links/2026-03-01.md");
const { digest } = parseDigest(readFileSync(FILE, "utf8"), "2026-03-01.md");
const section = digest.sections[0]!;
const story = section.stories[0]!;
const card: StoryCard = { id: story.id, date: digest.date, section: section.title, title: story.title, body: story.body, text: story.text, links: story.links };

/** Every `<a href>` and URL button of the messages, as [shown text, url]. */
function shownLinks(messages: TelegramMessage[]): [string, string][] {
  const out: [string, string][] = [];
  for (const m of messages) {
    for (const a of m.text.matchAll(/<a href="([^"]+)">(.*?)<\/a>/g)) out.push([a[2]!.replace(/<[^>]+>/g, ""), a[1]!.replace(/&amp;/g, "&")]);
    for (const b of m.reply_markup?.inline_keyboard.flat() ?? []) if ("url" in b && b.url) out.push([b.text, b.url]);
  }
  return out;
}

function expectHonest(links: [string, string][]) {
  expect(links.some(([, url]) => url.startsWith("https://evil.example"))).toBe(true);
  for (const [text, url] of links) {
    if (url.startsWith("https://evil.example")) {
      expect(text).not.toContain("good.example");
      expect(text).toContain("evil.example");
    }
  }
}

describe("deceptive link labels on Telegram", () => {
  it("/story: the links list, the buttons and a link inside the body", () => {
    const messages = toTelegramMessage({ type: "story", story: card, alsoMatching: [] }, "en");
    const links = shownLinks(messages);
    expectHonest(links);
    expect(links).toContainEqual(["https://evil.example/steal", "https://evil.example/steal"]);
    expect(links).toContainEqual(["论文", "https://arxiv.org/abs/2603.00001"]);
  });

  it("/story: an image in the body whose alt text names another site shows its target", () => {
    const body = "看图 ![https://good.example/logo](https://evil.example/x.png) 和 ![示意图](https://arxiv.org/fig.png)";
    const links = shownLinks(toTelegramMessage({ type: "story", story: { ...card, body, text: body, links: [] }, alsoMatching: [] }, "en"));
    expect(links).toContainEqual(["https://evil.example/x.png", "https://evil.example/x.png"]);
    expect(links).toContainEqual(["示意图", "https://arxiv.org/fig.png"]);
    expectHonest(links);
  });

  it("/links and the section summary", () => {
    expectHonest(shownLinks(toTelegramMessage({ type: "links", story: card, links: card.links }, "en")));
    const summary = buildDailyPost(digest).sections[0]!;
    expectHonest(shownLinks(toTelegramMessage({ type: "section-summary", date: digest.date, summary }, "en", { botUsername: "DigestBot" })));
  });

  it("the daily post", () => {
    const messages = planTelegramDailyPost(buildDailyPost(digest), { locale: "en", botUsername: "DigestBot" });
    expectHonest(shownLinks(messages));
  });
});
