// The message planner: whole sections per message, header first, stories split only when they alone exceed a message.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PackError, planMessages, splitAtSentences, type PackInput } from "../../../src/core/delivery/pack.js";

const joinFits = (limit: number) => (blocks: readonly string[]) => blocks.join("\n\n").length <= limit;

function digest(sections: number[][]): PackInput<string> {
  return {
    header: "H",
    sections: sections.map((lengths, s) => ({
      heading: `S${s}`,
      stories: lengths.map((n, i) => `${s}.${i}:`.padEnd(n, "x")),
    })),
  };
}

describe("planMessages", () => {
  it("puts everything in one message when it fits", () => {
    const plan = planMessages(digest([[10, 10], [10]]), { fits: joinFits(1000) });
    expect(plan).toEqual([["H", "S0", "0.0:xxxxxx", "0.1:xxxxxx", "S1", "1.0:xxxxxx"]]);
  });

  it("starts a new message for a section that does not fit in the rest of the current one", () => {
    // H + S0 + 2×40 ≈ 89 chars; S1 with 2×40 would make ~175 > 120, but fits alone.
    const plan = planMessages(digest([[40, 40], [40, 40]]), { fits: joinFits(120) });
    expect(plan.map((m) => m[0])).toEqual(["H", "S1"]);
    expect(plan[1]).toHaveLength(3);
  });

  it("fills the current message story by story when a section is larger than one message, heading with its first story", () => {
    const plan = planMessages(digest([[10], [50, 50, 50]]), { fits: joinFits(120) });
    // Message 1: H, S0, 0.0, S1, 1.0 (heading travels with its first story); message 2: 1.1 and 1.2.
    expect(plan).toEqual([
      ["H", "S0", "0.0:xxxxxx", "S1", "1.0:".padEnd(50, "x")],
      ["1.1:".padEnd(50, "x"), "1.2:".padEnd(50, "x")],
    ]);
  });

  it("never leaves a heading alone at the end of a message", () => {
    const plan = planMessages(digest([[90], [50, 50, 50]]), { fits: joinFits(120) });
    for (const message of plan) expect(message[message.length - 1]).not.toMatch(/^S\d+$/);
    expect(plan[1]?.[0]).toBe("S1");
  });

  it("repeats a continued heading when asked", () => {
    const plan = planMessages(digest([[50, 50, 50]]), {
      fits: joinFits(120),
      continuedHeading: (h) => `${h} (cont.)`,
    });
    expect(plan[1]?.[0]).toBe("S0 (cont.)");
  });

  it("splits only a story that alone exceeds a message, at sentence ends", () => {
    const long = "第一句很长很长很长很长。第二句也很长很长很长！Third sentence here. Fourth?";
    const input: PackInput<string> = { header: "H", sections: [{ heading: "S", stories: ["short.", long, "after."] }] };
    const plan = planMessages(input, { fits: joinFits(30), splitStory: (s) => splitAtSentences(s, 30) });
    const all = plan.flat();
    expect(all.filter((b) => b !== "H" && b !== "S").join("|")).toBe(
      ["short.", "第一句很长很长很长很长。第二句也很长很长很长！", "Third sentence here. Fourth?", "after."].join("|"),
    );
    for (const m of plan) expect(joinFits(30)(m)).toBe(true);
  });

  it("rejects an oversized story loudly when the platform gave no splitStory", () => {
    expect(() => planMessages(digest([[500]]), { fits: joinFits(100) })).toThrow(
      new PackError("planMessages: a story does not fit in one message and no splitStory was given"),
    );
  });

  it("rejects a header that cannot fit", () => {
    expect(() => planMessages({ header: "x".repeat(50), sections: [] }, { fits: joinFits(10) })).toThrow(
      "planMessages: the header alone does not fit in one message; shorten it",
    );
  });

  it("works with structured blocks and a multi-limit measure (Discord-like: ≤ 3 fields, ≤ 100 chars total)", () => {
    type Field = { name: string; value: string };
    const fits = (blocks: readonly Field[]) =>
      blocks.length <= 3 && blocks.reduce((n, b) => n + b.name.length + b.value.length, 0) <= 100;
    const f = (name: string, n: number): Field => ({ name, value: "v".repeat(n) });
    const plan = planMessages(
      { header: f("header", 4), sections: [{ heading: f("A", 0), stories: [f("a1", 5), f("a2", 5), f("a3", 5)] }] },
      { fits },
    );
    expect(plan.map((m) => m.map((b) => b.name))).toEqual([["header", "A", "a1"], ["a2", "a3"]]);
  });
});

describe("splitAtSentences", () => {
  it("cuts after fullwidth and ASCII sentence ends and keeps the text whole", () => {
    const text = "第一句。第二句！Third one.";
    expect(splitAtSentences(text, 6)).toEqual(["第一句。", "第二句！", "Third ", "one."]);
    expect(splitAtSentences(text, 8)).toEqual(["第一句。第二句！", "Third ", "one."]);
  });

  it("keeps closing quotes with their sentence and does not cut inside a Latin word", () => {
    expect(splitAtSentences("他说“好。”然后走了。", 6)).toEqual(["他说“好。”", "然后走了。"]);
    const pieces = splitAtSentences("supercalifragilistic expialidocious words", 25);
    expect(pieces).toEqual(["supercalifragilistic ", "expialidocious words"]);
  });

  it("never splits a surrogate pair", () => {
    const pieces = splitAtSentences("😀".repeat(10), 5);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(5);
    expect(pieces.join("")).toBe("😀".repeat(10));
    expect(pieces.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });
});

describe("planMessages over generated digests", () => {
  const LIMIT = 400;
  const sentence = fc
    .tuple(fc.string({ unit: fc.constantFrom("字", "a", "b", " ", "é", "GLM‑5", "😀"), minLength: 1, maxLength: 120 }), fc.constantFrom("。", "！", "？", ". ", "!", "?", ""))
    .map(([body, end]) => body + end);
  const story = fc.array(sentence, { minLength: 1, maxLength: 12 }).map((s) => s.join(""));
  const section = fc.array(story, { minLength: 1, maxLength: 8 });
  const digests = fc.array(section, { minLength: 1, maxLength: 6 });

  it("plans every message within the limit, header first, every story exactly once and in order", () => {
    fc.assert(
      fc.property(digests, (sections) => {
        const input: PackInput<string> = {
          header: "HEADER",
          sections: sections.map((stories, s) => ({
            heading: `#S${s}#`,
            stories: stories.map((text, i) => `«${s}.${i}»${text}«/»`),
          })),
        };
        const plan = planMessages(input, {
          fits: joinFits(LIMIT),
          splitStory: (s) => splitAtSentences(s, LIMIT),
        });
        expect(plan[0]?.[0]).toBe("HEADER");
        for (const message of plan) {
          expect(message.length).toBeGreaterThan(0);
          expect(message.join("\n\n").length).toBeLessThanOrEqual(LIMIT);
        }
        // Re-assemble: pieces of one story are consecutive; concatenated they give back each story once, in order.
        const expected = input.sections.flatMap((s) => [s.heading, ...s.stories]);
        const flat = plan.flat().slice(1);
        const rebuilt: string[] = [];
        for (const block of flat) {
          const last = rebuilt[rebuilt.length - 1];
          if (last !== undefined && last.startsWith("«") && !last.endsWith("«/»")) rebuilt[rebuilt.length - 1] = last + block;
          else rebuilt.push(block);
        }
        expect(rebuilt).toEqual(expected);
        // A story that fits alone is never split.
        for (const s of input.sections.flatMap((x) => x.stories)) {
          if (s.length <= LIMIT) expect(flat).toContain(s);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps Discord-like multi-limit messages (≤ 10 blocks, ≤ 6000 total, each ≤ 4096) within every limit", () => {
    const fits = (blocks: readonly string[]) =>
      blocks.length <= 10 && blocks.every((b) => b.length <= 4096) && blocks.reduce((n, b) => n + b.length, 0) <= 6000;
    fc.assert(
      fc.property(digests, fc.integer({ min: 1, max: 40 }), (sections, scale) => {
        const input: PackInput<string> = {
          header: "HEADER",
          sections: sections.map((stories, s) => ({ heading: `#S${s}#`, stories: stories.map((text) => text.repeat(scale)) })),
        };
        const plan = planMessages(input, { fits, splitStory: (story) => splitAtSentences(story, 4096) });
        for (const message of plan) expect(fits(message)).toBe(true);
        expect(plan.flat().join("")).toBe(["HEADER", ...input.sections.flatMap((s) => [s.heading, ...s.stories])].join(""));
      }),
      { numRuns: 150 },
    );
  });
});
