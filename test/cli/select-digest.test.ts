// --date / --section selection shared by `preview` and `deliver`: the digest picked and the exact complaints.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectDigest, SelectionError } from "../../src/cli/select-digest.js";
import { createArchive, type Archive } from "../../src/core/digest/archive.js";
import { createLogger } from "../../src/core/logger.js";

const ROOT = join(import.meta.dirname, "../..");
const now = new Date("2026-02-19T03:00:00Z");
const base = { now, timeZone: "Asia/Shanghai", digestDir: "test/fixtures/sample" };
let archive: Archive;

beforeAll(async () => {
  archive = await createArchive({ dir: join(ROOT, "test/fixtures/sample"), logger: createLogger({ level: "silent" }), watch: false });
});
afterAll(() => archive.close());

function failure(options: { date?: string; section?: string }): SelectionError {
  try {
    selectDigest(archive, { ...base, ...options });
  } catch (err) {
    if (err instanceof SelectionError) return err;
    throw err;
  }
  throw new Error("expected a SelectionError");
}

describe("selectDigest", () => {
  it("picks the latest digest by default, and a date written loosely", () => {
    expect(selectDigest(archive, base).digest.date).toBe("2026-02-18");
    expect(selectDigest(archive, { ...base, date: "yesterday" }).digest.date).toBe("2026-02-18");
    expect(selectDigest(archive, { ...base, date: "02-18" }).sectionIndex).toBeUndefined();
  });

  it("matches a section loosely, 0-based", () => {
    expect(selectDigest(archive, { ...base, section: "安全" }).sectionIndex).toBe(6);
    expect(selectDigest(archive, { ...base, section: "agent" }).sectionIndex).toBe(1);
  });

  it("says which digests exist when the date has none (exit 1)", () => {
    const err = failure({ date: "2026-01-01" });
    expect(err.message).toBe("there is no digest for 2026-01-01; loaded: 2026-02-18");
    expect(err.exitCode).toBe(1);
  });

  it("lists the sections when the section is unknown (exit 2)", () => {
    const err = failure({ section: "体育" });
    expect(err.message).toBe(
      'the 2026-02-18 digest has no section "体育"; sections: 1. 模型与能力, 2. Agent 与工具链, 3. 基础设施与硬件, 4. 研究与方法, 5. 产品与应用落地, 6. 行业与公司动态, 7. 政策、治理与安全',
    );
    expect(err.exitCode).toBe(2);
  });

  it("treats an unreadable date as bad input (exit 2)", () => {
    expect(failure({ date: "someday" }).exitCode).toBe(2);
  });
});
