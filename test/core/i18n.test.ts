// UI strings: filling a template's placeholders gives what the one pattern replace over the template gave.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { en } from "../../src/core/i18n-en.js";
import { zh } from "../../src/core/i18n-zh.js";
import { fillTemplate, MESSAGE_KEYS, t, type MessageParams } from "../../src/core/i18n.js";

/** How `t` filled templates before they were compiled: one pattern replace per call. */
function replaced(template: string, params: MessageParams): string {
  return template.replace(/\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g, (whole, name: string, one?: string, other?: string) => {
    if (one !== undefined && other !== undefined) return params[name] === undefined ? whole : Number(params[name]) === 1 ? one : other;
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

const NAMES = ["count", "page", "pageCount", "query", "name", "date", "x"];
/** Templates full of the pattern's edge cases: plurals, unknown names, stray braces and bars, `$` replacement syntax. */
const template = fc
  .array(
    fc.oneof(
      fc.constantFrom(...NAMES).map((n) => `{${n}}`),
      fc.tuple(fc.constantFrom(...NAMES), fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })).map(([n, a, b]) => `{${n}|${a}|${b}}`),
      fc.constantFrom("{", "}", "|", "{}", "{count|", "$&", "$1", "条", "Page ", "{a b}", "{{count}}"),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));
const params: fc.Arbitrary<MessageParams> = fc.dictionary(
  fc.constantFrom(...NAMES),
  fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom("1", "1.0", "$&", "a{count}b", ""), fc.string({ maxLength: 5 })),
);

describe("t / fillTemplate", () => {
  it("fills any template as the pattern replace did, plurals and unfilled placeholders included", () => {
    fc.assert(
      fc.property(template, params, (tpl, p) => {
        expect(fillTemplate(tpl, p)).toBe(replaced(tpl, p));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives every key of both locales as the pattern replace did, called again and again", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGE_KEYS), fc.constantFrom("zh" as const, "en" as const), params, (key, locale, p) => {
        const source = (locale === "zh" ? zh : en)[key];
        expect(t(locale, key, p)).toBe(replaced(source, p));
        expect(t(locale, key, p)).toBe(replaced(source, p));
      }),
      { numRuns: 2000 },
    );
  });

  it("fills a plural and a count in a real string", () => {
    expect(t("en", "label.page", { page: 2, pageCount: 3 })).toBe("Page 2/3");
    expect(t("en", "console.loaded", { count: 1, dates: "2026-02-18" })).toBe("Loaded 1 digest: 2026-02-18");
    expect(t("en", "console.loaded", { count: 2, dates: "2026-02-18, 2026-02-19" })).toBe("Loaded 2 digests: 2026-02-18, 2026-02-19");
  });
});
