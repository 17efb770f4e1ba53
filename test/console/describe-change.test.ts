// The console's line for an archive change: what was loaded or revised, in numbers, in the UI language.
import { describe, expect, it } from "vitest";
import { describeChange } from "../../src/console/run-console.js";
import { summarizeChange } from "../../src/core/digest/change-summary.js";
import { parseDigest } from "../../src/core/digest/parse-digest.js";

const day = (stories: string[]) =>
  parseDigest(`## 模型\n\n${stories.map((s) => `### ${s}\n\n${s} 的正文。\n`).join("\n")}`, "2026-02-19.md").digest;

describe("describeChange", () => {
  it("says a new digest was loaded, with its sections and stories", () => {
    const digest = day(["A 发布", "B 发布"]);
    const change = { type: "upsert" as const, digest, file: "d/2026-02-19.md", summary: summarizeChange(undefined, digest) };
    expect(describeChange("zh", change)).toBe("已加载 2026-02-19 的日报：1 个栏目，2 条报道（d/2026-02-19.md）");
    expect(describeChange("en", change)).toBe("Loaded the 2026-02-19 digest: 1 sections, 2 stories (d/2026-02-19.md)");
  });

  it("says what a revision changed, added and removed", () => {
    const before = day(["A 发布", "B 发布"]);
    const after = day(["A 发布", "B 发布了新版", "C 发布"]);
    const change = { type: "upsert" as const, digest: after, previous: before, file: "d/2026-02-19.md", summary: summarizeChange(before, after) };
    expect(describeChange("zh", change)).toBe("2026-02-19 的日报已修订：1 条改动，1 条新增，0 条删除；现有 1 个栏目，3 条报道（d/2026-02-19.md）");
  });

  it("says a digest was removed", () => {
    expect(describeChange("en", { type: "remove", date: "2026-02-19", file: "d/2026-02-19.md" })).toBe("The 2026-02-19 digest was removed (d/2026-02-19.md)");
  });
});
