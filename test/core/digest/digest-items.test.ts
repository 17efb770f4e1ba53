// Title cleaning: template text left in by a generator is dropped exactly as the template regex dropped it, in one pass.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanTitle, dropTemplates } from "../../../src/core/digest/digest-items.js";

const TEMPLATE = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

describe("dropTemplates", () => {
  it("gives what the template regex gives, on any text of braces, percents and letters", () => {
    const text = fc.array(fc.constantFrom("{", "}", "%", "{{", "}}", "{%", "%}", "a", " ", "\n"), { maxLength: 40 }).map((parts) => parts.join(""));
    fc.assert(fc.property(text, (t) => {
        expect(dropTemplates(t)).toBe(t.replace(TEMPLATE, " "));
      }), { numRuns: 5000 });
  });

  it("drops a generator's template from a title", () => {
    expect(cleanTitle("AI Submissions {{ 'date': '2024-03-20' }}")).toBe("AI Submissions");
    expect(cleanTitle("{% if x %}Weekly{% endif %} news")).toBe("Weekly news");
  });
});
