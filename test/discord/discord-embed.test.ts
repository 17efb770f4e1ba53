// Plain embeds: the object discord.js's EmbedBuilder builds from the same parts, key for key, and the same refusals.
import { EmbedBuilder } from "discord.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plainEmbed, type EmbedParts } from "../../src/discord/discord-embed.js";

/** The builder chain the renderer used before, in the renderer's order of setters. */
function built(parts: EmbedParts): unknown {
  const b = new EmbedBuilder().setColor(parts.color);
  if (parts.title !== undefined) b.setTitle(parts.title);
  if (parts.description !== undefined) b.setDescription(parts.description);
  if (parts.footer !== undefined) b.setFooter({ text: parts.footer });
  if (parts.url !== undefined) b.setURL(parts.url);
  if (parts.fields !== undefined) b.addFields([...parts.fields]);
  return b.toJSON();
}

const outcome = (make: () => unknown) => {
  try {
    const value = make();
    return { ok: true, json: JSON.stringify(value), value };
  } catch {
    return { ok: false };
  }
};

const text = (max: number) => fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: max - 2, maxLength: max + 2 }));
const parts: fc.Arbitrary<EmbedParts> = fc.record(
  {
    color: fc.oneof(fc.constantFrom(0x5865f2, 0x57f287, 0xfee75c, 0xed4245), fc.integer({ min: -1, max: 0x1000000 })),
    title: text(256),
    description: text(4096),
    footer: text(2048),
    url: fc.constantFrom("https://arxiv.org/abs/2602.15763", "http://example.com/a%20b"),
    fields: fc.array(fc.record({ name: text(256), value: text(1024) }), { maxLength: 27 }),
  },
  { requiredKeys: ["color"] },
);

describe("plainEmbed", () => {
  it("is the builder's embed for the renderer's parts, the same JSON in the same key order", () => {
    const embed = plainEmbed({ color: 0x5865f2, title: "GLM‑5", description: "正文", footer: "2026-02-18 · 模型 · 20260218-1-3", url: "https://z.ai/" });
    expect(embed).toStrictEqual(built({ color: 0x5865f2, title: "GLM‑5", description: "正文", footer: "2026-02-18 · 模型 · 20260218-1-3", url: "https://z.ai/" }));
    expect(Object.keys(embed)).toEqual(["color", "title", "description", "footer", "url"]);
  });

  it("for any parts gives the builder's object, or throws where the builder throws", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const ours = outcome(() => plainEmbed(p));
        const theirs = outcome(() => built(p));
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok) {
          expect(ours.json).toBe(theirs.json);
          expect(ours.value).toStrictEqual(theirs.value);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("refuses an empty title, as Discord does, naming the part", () => {
    expect(() => plainEmbed({ color: 0, title: "" })).toThrow("discord embed: title must be 1–256 characters, got 0");
  });
});
