// Test helpers: the sample digest parsed by the real parser, and payload limit checks shared by the Discord tests.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Digest } from "../../src/core/digest/model.js";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import type { StoryCard } from "../../src/core/reply.js";
import { embedLength, type DiscordMessagePayload } from "../../src/discord/discord-render.js";

export const SAMPLE_FILE = join(import.meta.dirname, "../../test/fixtures/sample/2026-02-18.md");

export function sampleDigest(): Digest {
  return parseDigest(readFileSync(SAMPLE_FILE, "utf8"), "test/fixtures/sample/2026-02-18.md").digest;
}

/** The story card of a story of the sample, as /story would carry it. */
export function sampleCard(digest: Digest, sectionIndex: number, storyIndex: number): StoryCard {
  const section = digest.sections[sectionIndex]!;
  const story = section.stories[storyIndex]!;
  return { id: story.id, date: digest.date, section: section.title, title: story.title, body: story.body, text: story.text, links: story.links };
}

/** Every Discord limit a message must respect (asserted, so a failure names the broken limit). */
export function expectWithinDiscordLimits(payload: DiscordMessagePayload): void {
  expect(payload.allowed_mentions).toEqual({ parse: [] });
  expect(payload.embeds.length).toBeLessThanOrEqual(10);
  expect(payload.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(6000);
  for (const e of payload.embeds) {
    expect(e.title?.length ?? 0).toBeLessThanOrEqual(256);
    expect(e.description?.length ?? 0).toBeLessThanOrEqual(4096);
    expect(e.fields?.length ?? 0).toBeLessThanOrEqual(25);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
      expect(f.value.length).toBeGreaterThan(0);
    }
    expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(2048);
  }
  expect(payload.components.length).toBeLessThanOrEqual(5);
  for (const row of payload.components) {
    expect(row.components.length).toBeGreaterThan(0);
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const button of row.components) {
      expect((button as { label?: string }).label?.length ?? 0).toBeLessThanOrEqual(80);
      const url = (button as { url?: string }).url;
      if (url !== undefined) {
        expect(url).toMatch(/^https?:\/\//);
        expect(url.length).toBeLessThanOrEqual(512);
      }
      const customId = (button as { custom_id?: string }).custom_id;
      if (customId !== undefined) expect(customId.length).toBeLessThanOrEqual(100);
    }
  }
}

/** All the text a payload shows (embed texts and button labels), for "appears / never appears" checks. */
export function shownText(payload: DiscordMessagePayload): string {
  const parts: string[] = [payload.content ?? ""];
  for (const e of payload.embeds) {
    parts.push(e.title ?? "", e.description ?? "", e.footer?.text ?? "", e.url ?? "");
    for (const f of e.fields ?? []) parts.push(f.name, f.value);
  }
  for (const row of payload.components) for (const b of row.components) parts.push((b as { label?: string }).label ?? "", (b as { url?: string }).url ?? "");
  return parts.join("\n");
}
