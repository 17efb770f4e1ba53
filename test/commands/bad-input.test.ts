// Every bad-input case of issue 4 gets a short error with what was wrong and what to try — never a stack trace.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./app-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const SECTIONS_HINT =
  "可选的栏目：1 模型与能力、2 Agent 与工具链、3 基础设施与硬件、4 研究与方法、5 产品与应用落地、6 行业与公司动态、7 政策、治理与安全（可以只写一部分，如 agent，或写序号 1）";

describe("bad input", () => {
  it.each([
    ["/story", { code: "empty-query", message: "请输入要查找的内容。", hint: "例如：/story sonnet" }],
    ["/links   ", { code: "empty-query", message: "请输入要查找的内容。", hint: "例如：/links sonnet" }],
    ["/search", { code: "empty-query", message: "请输入要查找的内容。", hint: "例如：/search sonnet" }],
    [
      `/story ${"长".repeat(201)}`,
      { code: "query-too-long", message: "查询太长了（201 个字符，最多 200 个）。", hint: "换成几个关键词再试，例如：/story sonnet" },
    ],
    [
      "/story sonnet date:tomorrow",
      { code: "bad-date", message: "看不懂日期“tomorrow”。", hint: "日期可以写成 2026-02-18、02-18、2/18、today（今天）或 yesterday（昨天）。" },
    ],
    [
      "/digest 02-30",
      { code: "bad-date", message: "日历上没有“02-30”这一天。", hint: "日期可以写成 2026-02-18、02-18、2/18、today（今天）或 yesterday（昨天）。" },
    ],
    ["/story sonnet 2026-02-17", { code: "unknown-date", message: "没有 2026-02-17 的日报。", hint: "已有的日期：2026-02-18" }],
    ["/digest yesterday", { code: "unknown-date", message: "没有 2026-02-17 的日报。", hint: "已有的日期：2026-02-18" }],
    ["/section 体育", { code: "unknown-section", message: "没有叫“体育”的栏目。", hint: SECTIONS_HINT }],
    ["/section 9", { code: "unknown-section", message: "没有叫“9”的栏目。", hint: SECTIONS_HINT }],
    ["/search agent section:体育", { code: "unknown-section", message: "没有叫“体育”的栏目。", hint: SECTIONS_HINT }],
    [
      "/story zzzqqqxxx",
      { code: "no-match", message: "没有找到与“zzzqqqxxx”相关的报道。", hint: "换个关键词试试，或发送 /digest 浏览当天全部报道。" },
    ],
    [
      "/links zzzqqqxxx 02-18",
      { code: "no-match", message: "2026-02-18 的日报里没有与“zzzqqqxxx”相关的报道。", hint: "去掉日期在全部日报里找：/links zzzqqqxxx" },
    ],
    [
      "/story 20260218-9-9",
      { code: "no-match", message: "没有编号为 20260218-9-9 的报道。", hint: "编号形如 20260218-glm-5-k3f9a 或 20260218-1-3；发送 /search 找到报道的编号。" },
    ],
    ["/weather", { code: "unknown-command", message: "没有 /weather 这个命令。", hint: "发送 /help 查看所有命令。" }],
    ["/today please", { code: "bad-option", message: "/today 不需要“please”这段内容。", hint: "用法：/today" }],
    [
      "/search sonnet page:0",
      { code: "bad-option", message: "选项 page 不正确：最小是 1", hint: "用法：/search <query> [section:…] [date] [page:…]" },
    ],
  ])("%s", async (line, expected) => {
    const { reply, text } = await h.ask(line);
    expect(reply).toEqual({ type: "error", ...expected });
    expect(text).toBe(`${expected.message}\n${expected.hint}`);
  });

  it("/today before today's digest is out points to the latest one", async () => {
    const later = await startHarness({ now: new Date("2026-02-20T03:00:00Z") });
    try {
      expect((await later.ask("/today")).reply).toEqual({
        type: "error",
        code: "unknown-date",
        message: "今天（2026-02-20）的日报还没有发布。",
        hint: "最新一期是 2026-02-18：发送 /digest 2026-02-18",
      });
      // "yesterday" and month-days are read in the bot's time zone, from the app clock.
      expect((await later.ask("/digest 2/18")).reply.type).toBe("digest-overview");
    } finally {
      await later.close();
    }
  });

  it("says how to add digests when none is loaded", async () => {
    const empty = mkdtempSync(join(tmpdir(), "digest-bot-empty-"));
    const none = await startHarness({ digestDir: empty });
    try {
      for (const line of ["/story sonnet", "/digest", "/today", "/search agent", "/section agent"]) {
        expect((await none.ask(line)).reply).toEqual({
          type: "error",
          code: "no-digest",
          message: "还没有加载任何日报。",
          hint: `把日报 Markdown 文件放进 ${empty} 目录，机器人会自动加载。`,
        });
      }
    } finally {
      await none.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
