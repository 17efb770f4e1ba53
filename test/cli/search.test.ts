// `digest-bot search`: ranked output, --json shape, filters, exit codes and clear usage errors.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSearch } from "../../src/cli/search.js";
import { parseConfig } from "../../src/core/config.js";
import { SAVED_INDEX_FILE } from "../../src/core/search/saved-index.js";

let root: string;
let config: ReturnType<typeof parseConfig>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "digest-cli-search-"));
  mkdirSync(join(root, "digests"));
  copyFileSync("test/fixtures/sample/2026-02-18.md", join(root, "digests/2026-02-18.md"));
  config = parseConfig({ DIGEST_DIR: join(root, "digests"), DATA_DIR: join(root, "state"), LOG_LEVEL: "silent" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runSearch(args, {
    config,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    now: new Date("2026-02-20T04:00:00Z"),
  });
  return { code, out, err };
}

describe("digest-bot search", () => {
  it("prints ranked stories with id, date and section", async () => {
    const { code, out } = await cli("glm-5", "--limit", "1");
    expect(code).toBe(0);
    expect(out).toMatch(/^ 1\. GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练\n    20260218-glm-5-dsa-rl-agent-m7vrh · 2026-02-18 · 模型与能力 · score \d+\.\d\d\n$/);
    expect(existsSync(join(root, "state", SAVED_INDEX_FILE))).toBe(true);
  });

  it("prints [{ id, date, section, title, score }] with --json, multi-word queries joined", async () => {
    const { code, out } = await cli("開源", "聽寫", "--json");
    expect(code).toBe(0);
    const hits = JSON.parse(out) as Record<string, unknown>[];
    expect(hits[0]).toEqual({
      id: "20260218-speaktype-mac-whisper-svhwj",
      date: "2026-02-18",
      section: "产品与应用落地",
      title: "SpeakType：Mac 上完全本地的开源听写应用，Whisper 系列的又一实现",
      score: expect.any(Number) as unknown,
    });
    expect(Object.keys(hits[0]!)).toEqual(["id", "date", "section", "title", "score"]);
  });

  it("puts the Sonnet 4.6 launch story above its same-day follow-up", async () => {
    const hits = JSON.parse((await cli("sonnet", "--json")).out) as { id: string }[];
    expect(hits.map((h) => h.id)).toEqual(["20260218-anthropic-claude-sonnet-65waa", "20260218-sonnet-4-6-cursor-nw4xx"]);
  });

  it("filters by section and by a date typed the short way", async () => {
    const bySection = JSON.parse((await cli("sonnet 4.6", "--section", "产品", "--json")).out) as { id: string }[];
    expect(bySection.map((h) => h.id)).toEqual(["20260218-sonnet-4-6-cursor-nw4xx"]);
    const byDate = await cli("sonnet", "--date", "02-19", "--json");
    expect(JSON.parse(byDate.out)).toEqual([]);
    expect(byDate.code).toBe(1);
  });

  it("says so and exits 1 when nothing matches", async () => {
    const { code, out } = await cli("天气预报");
    expect(code).toBe(1);
    expect(out).toBe('No stories match "天气预报" among 1 digest.\n');
  });

  it("rejects bad options with a message that says how to fix them, exit 2", async () => {
    const limit = await cli("glm", "--limit", "0");
    expect(limit.code).toBe(2);
    expect(limit.err).toContain('search: --limit must be a whole number of 1 or more (got "0")');
    const date = await cli("glm", "--date", "soon");
    expect(date.code).toBe(2);
    expect(date.err).toContain('search: --date cannot read "soon"; use 2026-02-18, 02-18, 2/18, today or yesterday');
    const range = await cli("glm", "--from", "02-19", "--to", "02-18");
    expect(range.code).toBe(2);
    expect(range.err).toContain("search: no day is both on/after 2026-02-19 and on/before 2026-02-18; check --date, --from and --to");
    const empty = await cli();
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('search: give a QUERY, e.g. digest-bot search "glm-5"');
    expect(empty.err).toContain("Usage: digest-bot search QUERY");
  });

  it("leaves no temp file behind when the disk refuses a save mid-write, and the saved index stays the last good one", () => {
    // A real process (dist/) whose files may not grow past 4 KiB (`ulimit -f 8`: the write fails with EFBIG, as on a
    // full disk with ENOSPC): the saved index of the fixtures is ~7 KiB, so the save fails in the middle.
    const dir = mkdtempSync(join(tmpdir(), "digest-cli-search-full-"));
    try {
      const digests = join(dir, "digests");
      const state = join(dir, "state");
      mkdirSync(digests);
      copyFileSync("test/fixtures/digests/zh-h1-title.md", join(digests, "zh-h1-title.md"));
      const run = (limit: string) =>
        spawnSync("sh", ["-c", `ulimit -f ${limit}; exec node bin/digest-bot.js search 模型 --limit 1 --json`], {
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DIGEST_BOT_ENV_FILE: "/dev/null", DIGEST_DIR: digests, DATA_DIR: state, LOG_LEVEL: "warn" },
        });
      expect(run("unlimited").status).toBe(0);
      const good = readFileSync(join(state, SAVED_INDEX_FILE));
      for (const file of readdirSync("test/fixtures/digests").filter((f) => f.endsWith(".md"))) copyFileSync(join("test/fixtures/digests", file), join(digests, file));
      for (let i = 0; i < 2; i++) {
        const refused = run("8");
        expect(refused.status, refused.stderr).toBe(0);
        expect(JSON.parse(refused.stdout)).toEqual([expect.objectContaining({ id: "20260220-deepseek-v4-80vwi" })]);
        expect(refused.stderr).toContain("could not save the search index; it will be rebuilt at the next start");
        expect(readdirSync(state)).toEqual([SAVED_INDEX_FILE]);
        expect(readFileSync(join(state, SAVED_INDEX_FILE)).equals(good)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
