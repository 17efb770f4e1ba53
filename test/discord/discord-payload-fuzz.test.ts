// Hostile digests (seeded fast-check samples plus extremes) through the real app, delivery and discord.js client to the fake Discord: what it receives never pings, links only http(s), and stays within Discord's limits.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DISCORD_AUTOCOMPLETE_CHOICES,
  DISCORD_BUTTON_LABEL_LIMIT,
  DISCORD_CHOICE_NAME_LIMIT,
  DISCORD_CHOICE_VALUE_LIMIT,
  DISCORD_BUTTON_URL_LIMIT,
  DISCORD_CONTENT_LIMIT,
  DISCORD_EMBED_DESCRIPTION_LIMIT,
  DISCORD_EMBED_FIELDS_LIMIT,
  DISCORD_EMBED_TITLE_LIMIT,
  DISCORD_EMBED_URL_LIMIT,
  DISCORD_EMBEDS_PER_MESSAGE,
  DISCORD_FIELD_NAME_LIMIT,
  DISCORD_FIELD_VALUE_LIMIT,
  DISCORD_FOOTER_LIMIT,
  DISCORD_MESSAGE_EMBED_TOTAL_LIMIT,
} from "../../src/discord/discord-text.js";
import { embedLength, type DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { guardMs } from "../load-slack.js";
import { capturingLogger, type DiscordApp, startDiscordApp } from "./discord-app.js";
import type { RecordedRequest } from "./fake-discord.js";
import { untilRevisionsSettled } from "../core/delivery/revision-fixture.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.fuzz-discord-token-for-tests_xyz";
const SUBSCRIBED = "700000000000000001";
const ROLE = "810000000000000042";
const MANAGE_GUILD = "32";
const SAMPLED = 8;
const DATES = Array.from({ length: SAMPLED + 4 }, (_, i) => `2026-03-${String(i + 1).padStart(2, "0")}`);
/** One channel per digest to repost into (Discord allows 5 messages per 5 s per channel: one channel would pace the test). */
const CHANNELS = DATES.map((_, i) => String(700000000000000100n + BigInt(i)));

/** Mentions, disguised links, Markdown and invisible characters, as a publisher's scraped text might carry them. */
const HOSTILE = [
  "@everyone", "@here", "@EveryOne", "＠everyone", "@\u200beveryone", "<@123456789012345678>", "<@!123456789012345678>",
  "<@&223456789012345678>", "<#323456789012345678>", "</ban:423456789012345678>", "@@everyone", "<<@&223456789012345678>>",
  "[free nitro](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](data:text/html,<b>hi</b>)", "<javascript:alert(1)>",
  "<javascript://%0aalert(1)>", "<data:text/html;base64,PGI+>", "[x](<javascript:alert(1)>)", "[a](\u200bjavascript:alert(1))",
  "[discord.gg/nitro](https://evil.example/nitro)", "[https://good.example](https://evil.example/a)", "[ｇｏｏｄ.example](https://evil.example/b)",
  "[good\u200b.example](https://evil.example/c)", "[good。example](https://evil.example/d)", "[\u202eelpmaxe.doog](https://evil.example/e)",
  "[login](https://good.example@evil.example/)", "discord://-/channels/1/2", "steam://run/10", "https://discord.gg/invite", "<https://evil.example/x>",
  "||spoiler||", "**bold**", "__u__", "~~s~~", "`code`", "```js", "> quote", "-# small", "# Big", "\\", "\\[x](javascript:alert(1))",
  "\u200b", "\u2060", "\u00ad", "\ufeff", "\u202e", "𝐁𝐨𝐥𝐝", "👍🏽", "中文。", "Ünïcödé", ")", "](", "[", "<", "@",
];

const fragment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE) }, { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }) });
/** One line of hostile text: fragments and words, no line break (a heading must stay one line). */
const line = (max: number) => fc.array(fc.oneof(fragment, fc.constantFrom("news", "model", "agent", "release")), { minLength: 1, maxLength: max }).map((parts) => parts.join(" ").replace(/[\r\n]+/g, " "));
const story = fc.record({
  title: line(6),
  body: fc.array(line(14), { minLength: 1, maxLength: 4 }),
  links: fc.array(fc.record({ label: line(3), url: fc.constantFrom("https://example.com/a", "https://evil.example/@everyone", "javascript:alert(1)", "data:text/html,x", "https://good.example@evil.example/", `https://example.com/${"p".repeat(600)}`, `https://example.com/${"q".repeat(2100)}`, "https://example.com/(x)") }), { maxLength: 4 }),
  long: fc.nat(9),
});
const digest = fc.array(fc.record({ title: line(5), stories: fc.array(story, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 5 });

type Story = { title: string; body: string[]; links: { label: string; url: string }[]; long: number };
type Section = { title: string; stories: Story[] };

/** The digest as a Markdown file of the sample's dialect (section `##`, story `###`, a links quote). */
function markdownOf(date: string, sections: Section[]): string {
  const out = [`# ${date}`, ""];
  for (const section of sections) {
    out.push(`## ${section.title}`, "");
    for (const s of section.stories) {
      out.push(`### ${s.title}`, "", ...s.body.flatMap((p) => [p, ""]));
      // Now and then a story far over a message (split at sentence ends) or a word longer than any limit.
      if (s.long === 0) out.push(`${"Long @everyone sentence with [x](javascript:alert(1)). ".repeat(160)}`, "");
      if (s.long === 1) out.push("a".repeat(5000), "");
      if (s.links.length) out.push(` > 相关链接：${s.links.map((l) => `[${l.label.replace(/[[\]]/g, "")}](${l.url})`).join("｜")}`, "");
    }
  }
  return out.join("\n");
}

/** Extremes a sample rarely reaches: many sections (a long header), long section and story titles. */
function extremes(): Section[][] {
  const plain = (title: string): Story => ({ title, body: ["Body @everyone <@&223456789012345678>."], links: [{ label: "a", url: "https://example.com/a" }], long: 9 });
  // Its header lists more sections than a description holds (a digest like this could never be posted once).
  const many = Array.from({ length: 36 }, (_, i) => ({ title: `Section ${i + 1} on a long topic, @here ${"t".repeat(100)}`, stories: [plain(`Story ${i + 1}`)] }));
  const longTitles = Array.from({ length: 30 }, (_, i) => ({ title: `${i} ${"长".repeat(260)} @everyone`, stories: [plain(`${"**@everyone** ".repeat(40)}${i}`)] }));
  const manyStories = [{ title: "Busy", stories: Array.from({ length: 40 }, (_, i) => plain(`Story ${i} <@123456789012345678> ${"x".repeat(300)}`)) }];
  // Every part of a /story embed at its limit at once (a section name as long as a paragraph shows in the footer).
  const links = Array.from({ length: 14 }, (_, i) => ({ label: `${"**@here** ".repeat(6)}${i}`, url: `https://example.com/${"l".repeat(60)}/${i}` }));
  const full = (i: number): Story => ({ title: `${"*_".repeat(150)} ${i}`, body: [`${"Words @everyone and more. ".repeat(220)}`], links, long: 9 });
  const bulky = [{ title: `${"Section name as long as a paragraph. ".repeat(40)}`, stories: [full(1), full(2)] }];
  return [many, longTitles, manyStories, bulky];
}

let bot: DiscordApp;
let samples: Section[][] = [];
/** 08:30 in Shanghai on the last day, before its 09:00 post. */
const clock = { now: new Date(`${DATES.at(-1)}T00:30:00Z`) };
const { logger, logs } = capturingLogger("info");
const callbackOf = (id: string) => bot.fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`), guardMs(10_000));

/** Every message body the fake received: posts, edits, interaction responses and their follow-ups/edits. */
function bodiesOf(requests: readonly RecordedRequest[]): { where: string; body: DiscordMessagePayload }[] {
  const out: { where: string; body: DiscordMessagePayload }[] = [];
  for (const r of requests) {
    const raw = /\/interactions\/\d+\/[^/]+\/callback$/.test(r.path) ? (r.body as { data?: unknown })?.data : r.body;
    if (!raw || typeof raw !== "object" || !("embeds" in raw || "content" in raw)) continue;
    out.push({ where: `${r.method} ${r.path}`, body: raw as DiscordMessagePayload });
  }
  return out;
}

/** Masked links `[label](url)` whose `[` is not escaped (an odd run of backslashes before it escapes it). */
const maskedLinks = (text: string) => [...text.matchAll(/(?<!\\)((?:\\\\)*)\[([^\]]*)\]\(([^)\s]*)\)/g)].map((m) => ({ label: m[2]!, url: m[3]! }));
/** What a reader sees of a label: compatibility forms folded, invisible characters and `。` dots read as dots. */
const readAs = (label: string) => label.normalize("NFKC").replace(/[\u200b-\u200f\u2060\u00ad\ufeff\u202a-\u202e\\]/g, "").replace(/。/g, ".").toLowerCase();

/** Asserts one body: no ping, links http(s) only and honest, every limit kept. */
function expectSafe(where: string, body: DiscordMessagePayload, pingRole?: string): void {
  const at = `${where}: ${JSON.stringify(body).slice(0, 300)}`;
  const allowed = body.allowed_mentions as { parse: unknown[]; roles?: string[]; users?: string[]; replied_user?: boolean } | undefined;
  if (body.content !== undefined && body.content !== "") {
    expect(body.content, at).toBe(`<@&${pingRole}>`);
    // An edit of the header keeps its mention but pings nobody again.
    if (where.startsWith("PATCH")) expect([JSON.stringify({ parse: [] }), JSON.stringify({ parse: [], roles: [pingRole] })], at).toContain(JSON.stringify(allowed));
    else expect(allowed, at).toEqual({ parse: [], roles: [pingRole] });
  } else expect(allowed, at).toEqual({ parse: [] });
  expect((body.content ?? "").length, at).toBeLessThanOrEqual(DISCORD_CONTENT_LIMIT);
  const embeds = body.embeds ?? [];
  expect(embeds.length, at).toBeLessThanOrEqual(DISCORD_EMBEDS_PER_MESSAGE);
  expect(embeds.reduce((n, e) => n + embedLength(e), 0), at).toBeLessThanOrEqual(DISCORD_MESSAGE_EMBED_TOTAL_LIMIT);
  /** Texts Discord renders as Markdown (links, mentions); button labels are plain text, checked for mentions only. */
  const texts: string[] = [];
  const labels: string[] = [];
  const urls: string[] = [];
  for (const e of embeds) {
    expect(e.title?.length ?? 0, at).toBeLessThanOrEqual(DISCORD_EMBED_TITLE_LIMIT);
    expect(e.description?.length ?? 0, at).toBeLessThanOrEqual(DISCORD_EMBED_DESCRIPTION_LIMIT);
    expect(e.footer?.text.length ?? 0, at).toBeLessThanOrEqual(DISCORD_FOOTER_LIMIT);
    expect(e.fields?.length ?? 0, at).toBeLessThanOrEqual(DISCORD_EMBED_FIELDS_LIMIT);
    for (const f of e.fields ?? []) {
      expect(f.name.length, at).toBeLessThanOrEqual(DISCORD_FIELD_NAME_LIMIT);
      expect(f.value.length, at).toBeLessThanOrEqual(DISCORD_FIELD_VALUE_LIMIT);
      texts.push(f.name, f.value);
    }
    if (e.url !== undefined) {
      expect(e.url.length, at).toBeLessThanOrEqual(DISCORD_EMBED_URL_LIMIT);
      urls.push(e.url);
    }
    // A footer renders neither Markdown nor mentions: its text is shown as it is, escaped or not.
    texts.push(e.title ?? "", e.description ?? "");
  }
  for (const row of body.components ?? []) {
    for (const b of row.components as { label?: string; url?: string }[]) {
      expect(b.label?.length ?? 0, at).toBeLessThanOrEqual(DISCORD_BUTTON_LABEL_LIMIT);
      labels.push(b.label ?? "");
      if (b.url !== undefined) {
        expect(b.url.length, at).toBeLessThanOrEqual(DISCORD_BUTTON_URL_LIMIT);
        urls.push(b.url);
      }
    }
  }
  for (const text of texts) {
    const links = maskedLinks(text);
    urls.push(...links.map((l) => l.url));
    // A label naming a site names the one the link opens (`discord.gg/nitro` over evil.example would not).
    for (const l of links) for (const [host] of readAs(l.label).matchAll(/(?:[a-z0-9-]+\.)+(?:example|gg|com|org)\b/g)) expect(new URL(l.url).hostname, at).toBe(host);
    // Outside link targets (a URL path may hold `@everyone`; it never pings from there), no live mention.
    const shown = links.reduce((t, l) => t.replace(`(${l.url})`, "()"), text);
    expect(shown, at).not.toMatch(/@(everyone|here)|<[@#/]/i);
    // An autolink `<scheme:/…>` renders as a link: only http(s) ones may stand unescaped.
    for (const m of shown.matchAll(/(?<!\\)<([^: >]+):\/[^ >]+>/g)) expect(m[1], at).toMatch(/^https?$/i);
  }
  for (const label of labels) expect(label, at).not.toMatch(/@(everyone|here)|<[@#/]/i);
  for (const url of urls) {
    expect(url, at).toMatch(/^https?:\/\//);
    expect(new URL(url).username + new URL(url).password, at).toBe("");
  }
}

beforeAll(async () => {
  samples = fc.sample(digest, { seed: 20261206, numRuns: SAMPLED }) as Section[][];
  bot = await startDiscordApp({
    token: TOKEN,
    name: "payload-fuzz",
    fake: { channelIds: [SUBSCRIBED, ...CHANNELS] },
    digests: (into) => [...samples, ...extremes()].forEach((sections, i) => writeFileSync(join(into, `${DATES[i]}.md`), markdownOf(DATES[i]!, sections))),
    settings: () => ({ DISCORD_CHANNEL_IDS: SUBSCRIBED, DISCORD_PING_ROLE_ID: ROLE, REVISION_QUIET_SECONDS: "0" }),
    logger,
    clock: () => clock.now,
    start: true,
  });
}, guardMs(60_000));
afterAll(async () => {
  await bot?.close();
});

describe("hostile digests through the real Discord adapter", () => {
  it("every digest loaded (the hostile text is a digest's, not a parse failure)", () => {
    expect(bot.app.archive.problems()).toEqual([]);
    expect(bot.app.archive.dates()).toEqual(DATES);
  });

  it("the scheduled post pings exactly the configured role, once, in the header; nothing else pings, links or overflows", async () => {
    clock.now = new Date(`${DATES.at(-1)}T01:00:30Z`); // 09:00:30 in Shanghai: the last day's post is due
    await bot.app.delivery.tick();
    const posts = bot.fake.requests.filter((r) => r.method === "POST" && r.path === `/channels/${SUBSCRIBED}/messages`);
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.map((r) => r.status)).toEqual(posts.map(() => 200));
    expect(posts.map((r) => (r.body as DiscordMessagePayload).content ?? "")).toEqual([`<@&${ROLE}>`, ...posts.slice(1).map(() => "")]);
    for (const { where, body } of bodiesOf(posts)) expectSafe(where, body, ROLE);
  });

  it("a hostile revision of the delivered post: every edit, send and delete is safe, the role is not pinged again", async () => {
    const date = DATES.at(-1) as string;
    const from = bot.fake.requests.length;
    writeFileSync(join(bot.dir, "digests", `${date}.md`), markdownOf(date, [...(samples[0] as Section[]), ...(samples[1] as Section[])]));
    await bot.app.archive.reload();
    await untilRevisionsSettled(bot.app.storage, 1, guardMs(15_000));
    const requests = bot.fake.requests.slice(from).filter((r) => r.path.startsWith(`/channels/${SUBSCRIBED}/messages`));
    expect(requests.filter((r) => r.method === "PATCH").length).toBeGreaterThan(0);
    expect(requests.map((r) => r.status)).toEqual(requests.map((r) => (r.method === "DELETE" ? 204 : 200)));
    for (const { where, body } of bodiesOf(requests)) expectSafe(where, body, ROLE);
    expect(bot.fake.liveMessages(SUBSCRIBED)[0]?.body.content).toBe(`<@&${ROLE}>`);
  });

  it("/repost of every digest: each is delivered whole, and every message is safe", async () => {
    for (const [i, date] of DATES.entries()) {
      const from = bot.fake.requests.length;
      const { id, token } = bot.fake.interact({ kind: "command", name: "repost", member: { permissions: MANAGE_GUILD }, channelId: CHANNELS[i], options: [{ name: "date", type: 3, value: date }] });
      await callbackOf(id);
      const done = await bot.fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${token}/messages/@original`), guardMs(30_000));
      const confirmation = (done.body as DiscordMessagePayload).embeds[0]?.description ?? "";
      expect(confirmation, date).toMatch(new RegExp(`^Reposted the ${date} digest: \\d+ messages? to 1 target\\.$`));
      const posts = bot.fake.requests.slice(from).filter((r) => r.method === "POST" && r.path === `/channels/${CHANNELS[i]}/messages`);
      expect(posts.map((r) => r.status), date).toEqual(posts.map(() => 200));
      for (const { where, body } of bodiesOf(bot.fake.requests.slice(from))) expectSafe(`${date} ${where}`, body);
      const sections = bot.app.archive.get(date)!.sections.length;
      const header = (posts[0]!.body as DiscordMessagePayload).embeds[0]!.description!.split("\n");
      // The header lists every section, or as many whole lines as fit and "…".
      expect(header.length === sections || (header.at(-1) === "…" && header.length < sections), `${date}'s header: ${header.length} lines, ${sections} sections`).toBe(true);
    }
    expect(bot.app.archive.get(DATES[SAMPLED]!)!.sections).toHaveLength(36);
  }, guardMs(120_000));

  it("/story, /links, /search, /digest, /sections and /section of hostile digests answer safely", async () => {
    const from = bot.fake.requests.length;
    const text = (name: string, value: string) => ({ name, type: 3, value });
    const asks: { name: string; options: ReturnType<typeof text>[] }[] = [];
    for (const d of bot.app.archive.all()) {
      for (const s of d.sections.flatMap((x) => x.stories).slice(0, 6)) asks.push({ name: "story", options: [text("query", s.id)] }, { name: "links", options: [text("query", s.id)] });
      asks.push({ name: "digest", options: [text("date", d.date)] }, { name: "sections", options: [text("date", d.date)] });
      for (const n of ["1", "2"].slice(0, d.sections.length)) asks.push({ name: "section", options: [text("name", n), text("date", d.date)] });
    }
    for (const q of ["@everyone", "<@&223456789012345678>", "javascript:alert(1)", "[x](javascript:alert(1))", "good.example", "news model", "长长长"]) {
      asks.push({ name: "search", options: [text("query", q)] }, { name: "story", options: [text("query", q)] });
    }
    for (const ask of asks) {
      const { id } = bot.fake.interact({ kind: "command", name: ask.name, options: ask.options });
      const answer = (await callbackOf(id)).body as { type: number; data: DiscordMessagePayload };
      expect(answer.type, `${ask.name} ${JSON.stringify(ask.options)}`).toBe(4);
      // Answered with the content asked for, not an error (only the hostile /story queries may find nothing).
      if (ask.name !== "story" || /^\d{8}-/.test(ask.options[0]!.value)) expect(answer.data.embeds[0]?.title, `${ask.name} ${JSON.stringify(ask.options)}`).not.toBe("Error");
    }
    const bodies = bodiesOf(bot.fake.requests.slice(from));
    expect(bodies).toHaveLength(asks.length);
    for (const { where, body } of bodies) expectSafe(where, body);
  }, guardMs(60_000));

  it("/story and /links autocomplete over hostile titles: at most 25 choices, names and values of 1–100 characters", async () => {
    for (const name of ["story", "links"]) {
      for (const value of ["news", "model", "@everyone", "长", "x"]) {
        const { id } = bot.fake.interact({ kind: "autocomplete", name, options: [{ name: "query", type: 3, value, focused: true }] });
        const answer = (await callbackOf(id)).body as { type: number; data: { choices: { name: string; value: string }[] } };
        expect(answer.type).toBe(8);
        expect(answer.data.choices.length).toBeLessThanOrEqual(DISCORD_AUTOCOMPLETE_CHOICES);
        for (const c of answer.data.choices) {
          expect(c.name.length, c.name).toBeGreaterThan(0);
          expect(c.name.length, c.name).toBeLessThanOrEqual(DISCORD_CHOICE_NAME_LIMIT);
          expect(c.value.length, c.value).toBeLessThanOrEqual(DISCORD_CHOICE_VALUE_LIMIT);
        }
      }
    }
  });

  it("logged no error on the way (warnings name the digests' dropped links)", () => {
    expect(logs.filter((l) => (l.level as number) >= 50).map((l) => String(l.msg))).toEqual([]);
  });
});
