// The local console end to end: startup summary, commands from stdin, scheduled posts printed by the console publisher.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runConsole } from "../../src/console/run-console.js";
import { startHarness, type Harness } from "../commands/app-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Runs the console over the given lines; `printed()` is everything it wrote so far (later posts included). */
async function open(harness: Harness, lines: string[], options: { prompt?: boolean } = {}): Promise<() => string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const done = runConsole({ app: harness.app, input, output, ...options });
  for (const line of lines) input.write(`${line}\n`);
  input.end();
  await done;
  return () => printed;
}

async function session(harness: Harness, lines: string[], options: { prompt?: boolean } = {}): Promise<string> {
  return (await open(harness, lines, options))();
}

describe("console", () => {
  it("prints what it loaded and what it will do on schedule, then answers commands", async () => {
    h = await startHarness();
    const out = await session(h, ["/links glm-5", "", "hello", "/weather"]);
    const lines = out.split("\n");
    expect(lines.slice(0, 6)).toEqual([
      "已加载 1 期日报：2026-02-18",
      "  2026-02-18：7 个栏目，29 条报道",
      "定时投递：console:local 下次 2026-02-19 09:00（0 9 * * *，Asia/Shanghai）",
      `日报目录：${h.app.config.DIGEST_DIR}；状态目录：${h.app.config.DATA_DIR}`,
      "输入命令，如 /story sonnet；发送 /help 查看所有命令，Ctrl+D 退出。",
      "相关链接 · GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练",
    ]);
    expect(out).toContain("1. GLM‑5 技术报告 arXiv:2602.15763：https://arxiv.org/abs/2602.15763\n");
    expect(out).toContain("\n命令以 / 开头，例如 /story sonnet；发送 /help 查看所有命令。\n");
    expect(out).toContain("\n没有 /weather 这个命令。\n发送 /help 查看所有命令。\n");
    // The console subscribed itself once; the state persists in DATA_DIR.
    const { targets } = await h.app.delivery.status();
    expect(targets.filter((t) => t.platform === "console").map((t) => t.targetId)).toEqual(["local"]);
  });

  it("treats the local operator as admin", async () => {
    h = await startHarness();
    const out = await session(h, ["/status"]);
    expect(out).toContain("投递状态\n\n已加载日报：1 期（最新 2026-02-18）\n\n投递目标：\n• console:local — 启用 — 全部栏目\n");
  });

  it("keeps a /unsubscribe across restarts instead of subscribing again", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-console-"));
    try {
      h = await startHarness({ dataDir });
      await session(h, ["/unsubscribe"]);
      await h.close();
      h = await startHarness({ dataDir });
      const out = await session(h, []);
      expect(out).toContain("定时投递：没有启用的投递目标。\n");
    } finally {
      await h?.close();
      h = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("prints the daily post when it is due", async () => {
    // 08:30 in Shanghai on the digest's day; the post is due at 09:00.
    h = await startHarness({ now: new Date("2026-02-18T00:30:00Z") });
    const printed = await open(h, []);
    expect(printed()).toContain("定时投递：console:local 下次 2026-02-18 09:00（0 9 * * *，Asia/Shanghai）\n");
    expect(printed()).not.toContain("—— 投递到");
    h.setNow(new Date("2026-02-18T01:00:30Z"));
    await h.app.delivery.tick();
    const all = printed();
    expect(all).toMatch(/—— 投递到 console:local（2026-02-18，第 1\/8 部分）——\nAI 日报 · 2026-02-18\n\n1\. 模型与能力（4 条）/);
    expect(all).toContain("—— 投递到 console:local（2026-02-18，第 8/8 部分）——\n政策、治理与安全 · 2026-02-18\n");
  });

  it("shows a prompt on a terminal", async () => {
    h = await startHarness({ locale: "en" });
    const out = await session(h, ["/sections"], { prompt: true });
    expect(out).toContain("Type a command such as /story sonnet; /help lists every command, Ctrl+D quits.\n> Sections of the 2026-02-18 digest\n");
    expect(out.endsWith("> \nBye.\n")).toBe(true);
  });
});

describe("strict input on the console", () => {
  it("refuses an unknown option with the command's usage instead of folding it into the query", async () => {
    h = await startHarness();
    const out = await session(h, ["/story sonnet foo:bar"]);
    expect(out).toMatch(/\n\/story 没有 foo 选项；用法：\/story /);
    expect(out).not.toContain("相关链接");
  });
});
