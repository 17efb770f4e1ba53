// Discord: a link whose text names another site shows its real target on every surface (story, links, summary, daily post, buttons).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { toDiscordPayload, type DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { sampleCard } from "./sample.js";

const FILE = join(import.meta.dirname, "../fixtures/deceptive-links/2026-03-01.md");
const { digest } = parseDigest(readFileSync(FILE, "utf8"), "2026-03-01.md");
const card = sampleCard(digest, 0, 0);

/** Every masked link `[label](url)` and link button in a payload, as [label, url]. */
function shownLinks(payload: DiscordMessagePayload): [string, string][] {
  const text = JSON.stringify(payload.embeds);
  const masked = [...JSON.parse(text).flatMap((e: { description?: string; fields?: { value: string }[] }) => [e.description ?? "", ...(e.fields ?? []).map((f) => f.value)]).join("\n").matchAll(/\[([^\]]*)\]\((https?:[^)]+)\)/g)].map(
    (m) => [m[1]!.replace(/\\/g, ""), m[2]!] as [string, string],
  );
  const buttons = payload.components.flatMap((r) => r.components).filter((b) => "url" in b).map((b) => [(b as { label: string }).label, (b as { url: string }).url] as [string, string]);
  return [...masked, ...buttons];
}

function expectHonest(links: [string, string][]) {
  expect(links.length).toBeGreaterThan(0);
  for (const [label, url] of links) {
    if (url.startsWith("https://evil.example")) {
      expect(label).not.toContain("good.example");
      expect(label).toContain("evil.example");
    }
  }
}

describe("deceptive link labels on Discord", () => {
  it("the story embed and its buttons show evil.example, not good.example", () => {
    const payload = toDiscordPayload({ type: "story", story: card, alsoMatching: [] }, "en");
    const links = shownLinks(payload);
    expectHonest(links);
    expect(links).toContainEqual(["https://evil.example/a", "https://evil.example/a"]);
    expect(links).toContainEqual(["arxiv.org 论文", "https://arxiv.org/abs/2603.00001"]);
  });

  it("a story embed's title is not a link to another site than the one it names", () => {
    const links = [{ label: "https://good.example/news", url: "https://evil.example/steal" }];
    const deceptive = toDiscordPayload({ type: "story", story: { ...card, title: "https://good.example/news", links }, alsoMatching: [] }, "en");
    expect(deceptive.embeds[0]!.title).toBe("https://good.example/news");
    expect(deceptive.embeds[0]!.url).toBeUndefined();
    expectHonest(shownLinks(deceptive));
    const honest = toDiscordPayload({ type: "story", story: { ...card, title: "arxiv.org 论文", links: [{ label: "论文", url: "https://arxiv.org/abs/1" }] }, alsoMatching: [] }, "en");
    expect(honest.embeds[0]!.url).toBe("https://arxiv.org/abs/1");
  });

  it("/links and the section summary too", () => {
    expectHonest(shownLinks(toDiscordPayload({ type: "links", story: card, links: card.links }, "en")));
    const post = buildDailyPost(digest);
    expectHonest(shownLinks(toDiscordPayload({ type: "section-summary", date: digest.date, summary: post.sections[0]! }, "en")));
  });

  it("the daily post", () => {
    const messages = planDiscordDailyPost(buildDailyPost(digest), "en");
    const links = messages.flatMap(shownLinks);
    expectHonest(links);
    expect(JSON.stringify(messages)).not.toContain("[https://good.example]");
  });
});
