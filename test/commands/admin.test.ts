// Admin commands: refused for non-admins; for admins they act through the delivery engine (repost, subscriptions, status).
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsolePublisher } from "../../src/console/console-publisher.js";
import { createTestDatabase, testBackends } from "../core/storage/backends.js";
import { startHarness, type Harness } from "./app-harness.js";

let h: Harness;
const printed: string[] = [];

const member = { platform: "telegram", isAdmin: false, target: { platform: "telegram", id: "-100777" } } as const;

describe.each(testBackends())("admin commands on %s", (backend) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    // Subscriptions and runs in the backend under test; the rest of the app is the same.
    database = backend === "postgres" ? await createTestDatabase() : undefined;
    h = await startHarness(database ? { env: { DATABASE_URL: database.url } } : {});
    printed.length = 0;
    const output = new PassThrough();
    output.on("data", (chunk: Buffer) => printed.push(chunk.toString()));
    h.app.delivery.registerPublisher(createConsolePublisher({ output, locale: "zh" }));
  });
  afterAll(async () => {
    await h.close();
    await database?.drop();
  });

  it("keeps its state in the backend under test", () => {
    expect(h.app.storage.dialect).toBe(backend);
  });

  it.each(["/repost", "/repost 02-18 agent all:true", "/subscribe", "/unsubscribe", "/status"])("%s is refused for a non-admin", async (line) => {
    const name = line.split(" ")[0]!.slice(1);
    const { reply } = await h.ask(line, member);
    expect(reply).toEqual({ type: "error", code: "not-admin", message: `/${name} 只有管理员可以使用。`, hint: "请联系服务器或群组的管理员。" });
  });

  it("a refused /subscribe changes nothing", async () => {
    await h.ask("/subscribe", member);
    const { targets } = await h.app.delivery.status();
    expect(targets.some((t) => t.targetId === "-100777")).toBe(false);
  });

  it("/subscribe with loose section names, then /status shows the target", async () => {
    const { reply } = await h.ask("/subscribe agent, 安全");
    expect(reply).toEqual({ type: "notice", tone: "success", text: "已订阅：本频道将在每天定时收到日报（Agent 与工具链、政策、治理与安全）。" });
    const status = await h.ask("/status");
    if (status.reply.type !== "status") throw new Error(status.text);
    expect(status.reply.digests).toEqual({ count: 1, latest: "2026-02-18" });
    const target = status.reply.targets.find((t) => t.platform === "console" && t.targetId === "local");
    expect(target).toMatchObject({ enabled: true, cron: "0 9 * * *", timezone: "Asia/Shanghai" });
    expect(status.text).toContain("已加载日报：1 期（最新 2026-02-18）");
    expect(status.text).toContain("• console:local — 启用 — ");
  });

  it("/subscribe with a section name that has spaces, and with an unknown one", async () => {
    expect((await h.ask("/subscribe Agent 与工具链")).reply).toMatchObject({ tone: "success", text: expect.stringContaining("（Agent 与工具链）") });
    expect((await h.ask("/subscribe agent 体育")).reply).toMatchObject({ type: "error", code: "unknown-section", message: "没有叫“体育”的栏目。" });
  });

  it("/subscribe with its own schedule, shown by /status in the target's zone", async () => {
    const { reply } = await h.ask('/subscribe agent cron:"0 8 * * *" timezone:Europe/Berlin');
    expect(reply).toEqual({
      type: "notice",
      tone: "success",
      text: "已订阅：本频道将在每天定时收到日报（Agent 与工具链）。\n计划：0 8 * * *（Europe/Berlin）",
    });
    // Now is 2026-02-18 03:00 in Berlin.
    expect((await h.ask("/status")).text).toContain(
      "• console:local — 启用 — Agent 与工具链\n  计划：0 8 * * *（Europe/Berlin）\n  下次运行：2026-02-18 08:00\n  最近投递：尚未投递",
    );
  });

  it("/subscribe again changes only what it is given and says what the subscription now is", async () => {
    // The test above left: Agent 与工具链, 0 8 * * * in Europe/Berlin.
    expect((await h.ask("/subscribe")).reply).toEqual({
      type: "notice",
      tone: "success",
      text: "已订阅：本频道将在每天定时收到日报（Agent 与工具链）。\n计划：0 8 * * *（Europe/Berlin）",
    });
    expect((await h.ask('/subscribe cron:"30 7 * * *"')).reply).toMatchObject({
      text: "已订阅：本频道将在每天定时收到日报（Agent 与工具链）。\n计划：30 7 * * *（Europe/Berlin）",
    });
    expect((await h.ask("/subscribe 全部")).reply).toMatchObject({
      text: "已订阅：本频道将在每天定时收到日报（全部栏目）。\n计划：30 7 * * *（Europe/Berlin）",
    });
    const { targets } = await h.app.delivery.status();
    expect(targets.find((t) => t.targetId === "local")).toMatchObject({ cron: "30 7 * * *", timezone: "Europe/Berlin" });
    expect(targets.find((t) => t.targetId === "local")?.sections).toBeUndefined();
  });

  it.each([
    ["/subscribe cron:nope", "计划不正确：“nope” 不是有效的 cron 表达式；请用五个字段，如 “0 9 * * *”（分 时 日 月 星期）"],
    ['/subscribe cron:"61 8 * * *"', "计划不正确：“61 8 * * *” 不是有效的 cron 表达式；请用五个字段，如 “0 9 * * *”（分 时 日 月 星期）"],
    ["/subscribe timezone:Mars/Base", "计划不正确：不认识时区 Mars/Base；请用 IANA 名称，例如 Asia/Shanghai 或 UTC"],
    [
      "/subscribe timezone:CST",
      "计划不正确：时区缩写 CST 有歧义；请用 IANA 名称，例如 Asia/Shanghai 或 America/Chicago 或 America/Havana",
    ],
  ])("%s is refused before anything changes", async (line, message) => {
    const before = await h.app.delivery.status();
    expect((await h.ask(line)).reply).toEqual({
      type: "error",
      code: "bad-option",
      message,
      hint: '例如：/subscribe cron:"0 8 * * *" timezone:Europe/Berlin（分 时 日 月 星期；时区用 IANA 名称）',
    });
    expect(await h.app.delivery.status()).toEqual(before);
  });

  it("/repost of one section prints it through the publisher and reports the count", async () => {
    printed.length = 0;
    const { reply } = await h.ask("/repost 02-18 agent");
    expect(reply).toEqual({
      type: "notice",
      tone: "success",
      text: expect.stringMatching(/^已重新发送 2026-02-18 的日报（栏目：Agent 与工具链）：\d+ 条消息，发往 1 个目标。$/),
    });
    const out = printed.join("");
    expect(out).toContain("—— 投递到 console:local（2026-02-18，第 1/2 部分）——\nAI 日报 · 2026-02-18");
    expect(out).toContain("Agent 与工具链 · 2026-02-18\n\n• OpenClaw 爆红也爆雷：强力多 Agent 框架，引发封号与安全争议");
    expect(out).not.toContain("模型与能力 · 2026-02-18");
  });

  it("/repost without a channel asks to be used in one", async () => {
    const { reply } = await h.ask("/repost", { target: undefined });
    expect(reply).toEqual({
      type: "error",
      code: "bad-option",
      message: "这个命令要在一个频道或群组里使用。",
      hint: "在要接收日报的频道里发送 /repost。",
    });
  });

  it("/repost all:true goes to every subscription with its own section filter", async () => {
    await h.ask("/subscribe 安全");
    printed.length = 0;
    const { reply } = await h.ask("/repost all:true", { locale: "en" });
    expect(reply).toMatchObject({ type: "notice", tone: "success", text: expect.stringMatching(/^Reposted the 2026-02-18 digest: \d+ messages to 1 target\.$/) });
    expect(printed.join("")).toContain("政策、治理与安全 · 2026-02-18");
    expect(printed.join("")).not.toContain("Agent 与工具链 · 2026-02-18");
  });

  it("/unsubscribe, twice", async () => {
    expect((await h.ask("/unsubscribe")).reply).toEqual({ type: "notice", tone: "success", text: "已取消订阅：本频道不再接收日报。" });
    expect((await h.ask("/unsubscribe")).reply).toEqual({ type: "notice", tone: "info", text: "本频道本来就没有订阅。\n发送 /subscribe 订阅。" });
  });

  it("/repost all:true with no subscription left says nothing was sent and what to do", async () => {
    printed.length = 0;
    expect((await h.ask("/repost all:true")).reply).toEqual({
      type: "notice",
      tone: "warning",
      text: "没有发出：没有启用的订阅。先在频道里用 /subscribe 订阅，或去掉 all 只发到这里。",
    });
    expect(printed).toEqual([]);
  });

  it("a refusal from the delivery engine is answered with its reason and logged as a warning, without a stack", async () => {
    const before = h.logs.length;
    // No telegram publisher is registered in this app: the engine refuses and says what to set.
    const { reply } = await h.ask("/repost", { platform: "telegram", target: { platform: "telegram", id: "-100777" } });
    expect(reply).toEqual({
      type: "error",
      code: "unavailable",
      message: "没能完成：no telegram publisher is running; set TELEGRAM_BOT_TOKEN to deliver there",
    });
    const logged = h.logs.slice(before);
    const refusal = logged.filter((l) => l.msg === "delivery refused the request");
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatchObject({ level: 40, reason: "no telegram publisher is running; set TELEGRAM_BOT_TOKEN to deliver there", target: "-100777" });
    expect(JSON.stringify(refusal[0])).not.toContain("stack");
    expect(logged.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it("a refusal is answered in the asker's language", async () => {
    const { reply } = await h.ask("/repost", { locale: "en", platform: "telegram", target: { platform: "telegram", id: "-100777" } });
    expect(reply).toMatchObject({ message: "Could not do that: no telegram publisher is running; set TELEGRAM_BOT_TOKEN to deliver there" });
  });

  it("any other delivery failure is logged as an error with its stack and answered as unavailable", async () => {
    const before = h.logs.length;
    const status = h.app.services.delivery.status;
    h.app.services.delivery.status = () => Promise.reject(new Error("SQLITE_BUSY: database is locked"));
    try {
      const { reply } = await h.ask("/status");
      expect(reply).toEqual({
        type: "error",
        code: "unavailable",
        message: "暂时无法完成：SQLITE_BUSY: database is locked",
        hint: "稍后再试；如果一直失败，请告诉管理员。",
      });
    } finally {
      h.app.services.delivery.status = status;
    }
    const failed = h.logs.slice(before).find((l) => l.msg === "delivery call failed") as { level: number; err: { stack: string } };
    expect(failed.level).toBe(50);
    expect(failed.err.stack).toContain("SQLITE_BUSY: database is locked");
  });

  it("/status lists reposts and manual deliveries still pending, and drops one once it is cancelled", async () => {
    // A manual delivery to Telegram while no Telegram publisher runs: it waits in the ledger.
    const at = "2026-02-18T02:00:00.000Z";
    await h.app.storage.ledger.planRun({ runId: "m20260218-aa11", kind: "manual", platform: "telegram", targetId: "-100999", digestDate: "2026-02-18", payloads: ["a", "b"], now: at });
    const { reply, text } = await h.ask("/status");
    if (reply.type !== "status") throw new Error(text);
    expect(reply.pending).toEqual([
      { runId: "m20260218-aa11", kind: "manual", date: "2026-02-18", platform: "telegram", targetId: "-100999", open: 2, parts: 2, createdAt: at },
    ]);
    expect(text).toContain("待发送的补发与手动投递（可用 digest-bot pending --cancel 取消）");
    expect(text).toContain(`m20260218-aa11 · manual · 2026-02-18 → telegram:-100999 · 还剩 2/2 条 · ${at}`);
    await h.app.storage.ledger.cancelRun("m20260218-aa11", "cancelled by an admin", at);
    const after = await h.ask("/status");
    expect(after.reply).not.toHaveProperty("pending");
    expect(after.text).not.toContain("m20260218-aa11");
  });
});
