// Plain buttons and rows: the objects discord.js's builders make of the same buttons, key for key, and the same refusals.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from "discord.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toRows } from "../../src/discord/discord-render.js";
import { linkButtons, pageButton, storyButton, cutText, DISCORD_BUTTON_LABEL_LIMIT } from "../../src/discord/discord-text.js";

/** The builder chain `pageButton` used before. */
const builtPageButton = (customId: string, label: string) =>
  new ButtonBuilder().setStyle(ButtonStyle.Secondary).setCustomId(customId).setLabel(cutText(label, DISCORD_BUTTON_LABEL_LIMIT)).toJSON();
/** The builder chain `toRows` used before. */
const builtRows = (buttons: ReturnType<typeof pageButton>[]) => {
  const rows = [];
  const usable = buttons.slice(0, 25);
  for (let i = 0; i < usable.length; i += 5) rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(usable.slice(i, i + 5).map((b) => ButtonBuilder.from(b))).toJSON());
  return rows;
};
const outcome = (make: () => unknown) => {
  try {
    const value = make();
    return { ok: true, keys: JSON.stringify(value, (_k, v: unknown) => (v === undefined ? "(undefined)" : v)), value };
  } catch {
    return { ok: false };
  }
};
const text = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ minLength: 78, maxLength: 102 }), fc.constantFrom("", "◀ 上一页", "下一页 ▶", "s|2|2026-02-18|安全|sonnet"));

describe("pageButton", () => {
  it("is the builder's button for any id and label, keys in the same order, or throws where the builder throws", () => {
    fc.assert(
      fc.property(text, text, (id, label) => {
        const ours = outcome(() => pageButton(id, label));
        const theirs = outcome(() => builtPageButton(id, label));
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok) {
          expect(ours.keys).toBe(theirs.keys);
          expect(ours.value).toStrictEqual(theirs.value);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("toRows", () => {
  const button = fc.oneof(
    fc.tuple(fc.string({ minLength: 1, maxLength: 100 }), fc.string({ minLength: 1, maxLength: 90 })).map(([id, label]) => pageButton(id, label)),
    fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ minLength: 1, maxLength: 90 })).map(([id, label]) => storyButton(id, label)),
    fc.constantFrom(...linkButtons([{ label: "论文", url: "https://arxiv.org/abs/2602.15763" }, { label: "", url: "https://z.ai/blog" }], 5)),
  );

  it("gives the builder's rows for any buttons the renderers make, key for key", () => {
    fc.assert(
      fc.property(fc.array(button, { maxLength: 28 }), (buttons) => {
        const ours = toRows(buttons);
        const theirs = builtRows(buttons);
        expect(outcome(() => ours).keys).toBe(outcome(() => theirs).keys);
        expect(ours).toStrictEqual(theirs);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a button the builder refuses: a link button without a URL, a button without a label", () => {
    const noUrl = { type: 2, style: ButtonStyle.Link, label: "x" } as never;
    const noLabel = { type: 2, style: ButtonStyle.Secondary, custom_id: "x" } as never;
    for (const bad of [noUrl, noLabel]) {
      expect(() => builtRows([bad])).toThrow(RangeError);
      expect(() => toRows([bad])).toThrow(RangeError);
    }
  });

  it("passes a button with an emoji through the builder", () => {
    const withEmoji = { type: 2, style: ButtonStyle.Secondary, custom_id: "x", label: "y", emoji: { name: "👍" } } as never;
    expect(toRows([withEmoji])).toStrictEqual(builtRows([withEmoji]));
  });
});
