// /search paging and filters, /section, /digest, /today, /sections and /help through the console path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reply } from "../../src/core/reply.js";
import { startHarness, type Harness } from "./app-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Results = Extract<Reply, { type: "results" }>;
async function results(line: string): Promise<{ reply: Results; text: string }> {
  const { reply, text } = await h.ask(line);
  if (reply.type !== "results") throw new Error(`expected results, got: ${text}`);
  return { reply, text };
}

describe("/search", () => {
  it("pages results ten at a time, with the total and a next-page hint", async () => {
    const first = await results("/search agent");
    expect(first.reply.total).toBeGreaterThan(10);
    expect(first.reply.hits).toHaveLength(10);
    expect(first.reply.page).toBe(1);
    const pageCount = Math.ceil(first.reply.total / 10);
    expect(first.reply.pageCount).toBe(pageCount);
    expect(first.text.split("\n")[0]).toBe(`“agent”的搜索结果（共 ${first.reply.total} 条）`);
    expect(first.text).toContain(`\n\n第 1/${pageCount} 页\n发送 /search agent page:2 查看下一页`);
    const hit = first.reply.hits[0]!;
    expect(first.text).toContain(`\n1. ${hit.title}\n   ${hit.section} · ${hit.date} · ${hit.id}\n`);

    const second = await results("/search agent page:2");
    expect(second.reply.page).toBe(2);
    expect(second.reply.hits).toHaveLength(Math.min(10, first.reply.total - 10));
    // No story on two pages; numbering continues.
    const firstIds = new Set(first.reply.hits.map((x) => x.id));
    expect(second.reply.hits.some((x) => firstIds.has(x.id))).toBe(false);
    expect(second.text).toContain(`\n11. ${second.reply.hits[0]!.title}\n`);
    expect(second.text).toContain("发送 /search agent page:1 查看上一页");
    expect(first.text).not.toContain("上一页");
  });

  it("refuses a page past the end and says which is the last", async () => {
    const { pageCount } = (await results("/search agent")).reply;
    const { reply } = await h.ask("/search agent page:9");
    expect(reply).toEqual({
      type: "error",
      code: "bad-option",
      message: `只有 ${pageCount} 页结果，没有第 9 页。`,
      hint: `发送 /search agent page:${pageCount} 查看最后一页。`,
    });
  });

  it("filters by a loosely named section and by date", async () => {
    const { reply, text } = await results("/search agent section:安全 02-18");
    expect(reply.filters).toEqual({ section: "政策、治理与安全", date: "2026-02-18" });
    expect(reply.hits.length).toBeGreaterThan(0);
    for (const hit of reply.hits) expect(hit.section).toBe("政策、治理与安全");
    expect(text.split("\n")[1]).toBe("筛选：栏目：政策、治理与安全、日期：2026-02-18");
    expect(reply.hits.map((x) => x.id)).toContain("20260218-openclaw-oauth-anthropic-5ci7r");
  });

  it("answers no match with a hint to drop the filters", async () => {
    expect((await h.ask("/search Koyeb section:安全")).reply).toEqual({
      type: "error",
      code: "no-match",
      message: "没有找到与“Koyeb”相关的报道。",
      hint: "去掉栏目和日期再搜一次：/search Koyeb",
    });
  });
});

describe("/section", () => {
  it.each(["agent", "Agent 与工具链", "2", "ＡＧＥＮＴ"])("matches %s loosely to Agent 与工具链", async (name) => {
    const { reply } = await h.ask(`/section ${name}`);
    expect(reply).toMatchObject({ type: "section-summary", date: "2026-02-18", summary: { index: 1, title: "Agent 与工具链" } });
  });

  it("shows each story's title, short summary, first link and how to read it in full", async () => {
    const { text } = await h.ask("/section 安全");
    const lines = text.split("\n");
    expect(lines.slice(0, 2)).toEqual(["政策、治理与安全 · 2026-02-18", ""]);
    expect(lines.slice(2, 6)).toEqual([
      "• OpenClaw + OAuth 引发封号：Anthropic 被指把第三方桌面 Agent 视作“逆向”",
      "  OpenClaw 用户反馈，使用 Claude 账号 OAuth 接入后被官方封号，有人贴出 TOS 解释：用 OAuth 接第三方桌面控制工具，被视为“逆向网络/未授权第三方软件”，违反条款。",
      "  OpenClaw Discord 中的 TOS 讨论：https://discord.com/channels/1456350064065904867/1456350065223270435",
      "  发送 /story 20260218-openclaw-oauth-anthropic-5ci7r 查看全文",
    ]);
    expect(lines.filter((l) => l.startsWith("• "))).toHaveLength(4);
  });
});

describe("/digest, /today, /sections", () => {
  it("/digest lists every section with its story titles and ids", async () => {
    const { reply, text } = await h.ask("/digest 02-18");
    if (reply.type !== "digest-overview") throw new Error(text);
    expect(reply.sections.map((s) => [s.title, s.stories.length])).toEqual([
      ["模型与能力", 4],
      ["Agent 与工具链", 4],
      ["基础设施与硬件", 4],
      ["研究与方法", 4],
      ["产品与应用落地", 5],
      ["行业与公司动态", 4],
      ["政策、治理与安全", 4],
    ]);
    expect(text.split("\n").slice(0, 4)).toEqual([
      "AI 日报 · 2026-02-18",
      "",
      "1. 模型与能力（4 条）",
      "   • Anthropic 推出 Claude Sonnet 4.6：1M 上下文，逼近 Opus，成本与质量新权衡  [20260218-anthropic-claude-sonnet-65waa]",
    ]);
  });

  it("/today is the digest of today in the bot's time zone", async () => {
    expect((await h.ask("/today")).reply).toEqual((await h.ask("/digest")).reply);
  });

  it("/sections counts stories per section", async () => {
    expect((await h.ask("/sections")).text).toBe(
      [
        "2026-02-18 日报的栏目",
        "",
        "1. 模型与能力（4 条）",
        "2. Agent 与工具链（4 条）",
        "3. 基础设施与硬件（4 条）",
        "4. 研究与方法（4 条）",
        "5. 产品与应用落地（5 条）",
        "6. 行业与公司动态（4 条）",
        "7. 政策、治理与安全（4 条）",
      ].join("\n"),
    );
  });
});

describe("/help", () => {
  it("lists every command with usage, marking admin ones", async () => {
    const { reply, text } = await h.ask("/help");
    if (reply.type !== "help") throw new Error(text);
    expect(reply.commands.map((c) => c.usage)).toEqual([
      "/story <query> [date]",
      "/links <query> [date]",
      "/search <query> [section:…] [date] [page:…]",
      "/section <name> [date]",
      "/digest [date]",
      "/today",
      "/sections [date]",
      "/help",
      "/status",
      "/subscribe [sections] [cron:…] [timezone:…] [mode:…] [silent:…] [pin:…] [role:…] [preview:…] [keywords:…]",
      "/unsubscribe",
      "/repost [date] [section] [all:…]",
    ]);
    expect(text).toContain("\n/story <query> [date]\n    查看最匹配的一条报道全文（可用关键词或编号）\n");
    expect(text).toContain("\n/status（管理员）\n");
  });
});
