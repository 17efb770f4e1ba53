// Well-formed text: lone surrogates and NULs never reach a platform, and a payload with none is passed on as it is.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wellFormedFresh, wellFormedPayload, wellFormedText } from "../../../src/core/safety/well-formed.js";

/** Strings rich in the characters the check looks for: lone and paired surrogates, NUL. */
const text = fc.array(fc.oneof(fc.constantFrom("\uD800", "\uDC00", "\uD83D\uDE00", "\u0000", "a", "模型", " "), fc.string({ maxLength: 3 })), { maxLength: 6 }).map((p) => p.join(""));
const payload = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.boolean(), fc.constant(undefined), fc.constant(null), tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(fc.constantFrom("text", "title", "embeds", "label", "custom_id"), tie("value"), { maxKeys: 4, noNullPrototype: true }),
})).value;

describe("wellFormedFresh", () => {
  it("gives what the copy gives, for any payload", () => {
    fc.assert(
      fc.property(payload, (p) => {
        expect(wellFormedFresh(p)).toStrictEqual(wellFormedPayload(p));
      }),
      { numRuns: 1000 },
    );
  });

  it("returns a payload with nothing to replace as it is, and copies one with a lone surrogate or a NUL", () => {
    const clean = { text: "<b>模型</b> 😀", reply_markup: { inline_keyboard: [[{ text: "下一页 ▶", callback_data: "s|2|||agent" }]] } };
    expect(wellFormedFresh(clean)).toBe(clean);
    for (const bad of ["a\uD800b", "\uDC00", "a\u0000b"]) {
      const dirty = { text: "ok", reply_markup: { inline_keyboard: [[{ text: bad, callback_data: "x" }]] } };
      const out = wellFormedFresh(dirty);
      expect(out).not.toBe(dirty);
      expect(out.reply_markup.inline_keyboard[0]![0]!.text).toBe(wellFormedText(bad));
      expect(dirty.reply_markup.inline_keyboard[0]![0]!.text).toBe(bad);
    }
  });
});
