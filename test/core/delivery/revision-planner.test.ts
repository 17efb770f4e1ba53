// The revision planner: position-by-position comparison of delivered messages with the re-planned post, by payload hash.
import { describe, expect, it } from "vitest";
import { countOperations, planRevision, sectionsOfRun } from "../../../src/core/delivery/revision-planner.js";
import { hashPayload } from "../../../src/core/storage/part-keys.js";

const delivered = (...texts: string[]) => texts.map((t, i) => ({ messageId: `m${i + 1}`, hash: hashPayload(JSON.stringify(t)) }));

describe("planRevision", () => {
  it("is undefined when every message already shows the new post", () => {
    expect(planRevision(delivered("a", "b"), ["a", "b"])).toBeUndefined();
  });

  it("edits only the changed message, keeping the others with their hashes", () => {
    const ops = planRevision(delivered("a", "b", "c"), ["a", "B", "c"])!;
    expect(ops.map((o) => [o.operation, o.messageId])).toEqual([
      ["keep", "m1"],
      ["edit", "m2"],
      ["keep", "m3"],
    ]);
    expect(ops[1]).toMatchObject({ oldHash: hashPayload('"b"'), newHash: hashPayload('"B"'), payload: "B" });
    expect(ops[0]).not.toHaveProperty("payload");
  });

  it("sends parts beyond the delivered ones after the last, and deletes surplus messages", () => {
    expect(planRevision(delivered("a"), ["a", "b", "c"])!.map((o) => [o.partIndex, o.operation, o.messageId])).toEqual([
      [0, "keep", "m1"],
      [1, "send", undefined],
      [2, "send", undefined],
    ]);
    const shrink = planRevision(delivered("a", "b", "c"), ["x"])!;
    expect(shrink.map((o) => [o.partIndex, o.operation, o.messageId])).toEqual([
      [0, "edit", "m1"],
      [1, "delete", "m2"],
      [2, "delete", "m3"],
    ]);
    expect(countOperations(shrink)).toEqual({ keep: 0, edit: 1, send: 0, delete: 2 });
  });
});

describe("sectionsOfRun", () => {
  it("uses the run's recorded filter, 'all' meaning every section, and for older runs its single section or the subscription's", () => {
    expect(sectionsOfRun({ sections: [1, 3] }, [0])).toEqual([1, 3]);
    expect(sectionsOfRun({ sections: "all" }, [0])).toBeUndefined();
    expect(sectionsOfRun({ sectionIndex: 2 }, [0])).toEqual([2]);
    expect(sectionsOfRun({}, [0])).toEqual([0]);
  });
});
