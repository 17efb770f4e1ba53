// End to end: a delivered post is corrected in place on the emulated Bot API (editMessageText/deleteMessage) as the digest file is edited.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { TELEGRAM_MESSAGE_LIMIT } from "../../src/telegram/telegram-html.js";
import { toTelegramMessage } from "../../src/telegram/telegram-render.js";
import { expectedOperations, REVISION_DATE, revisionDigest, untilRevisionsSettled, type DigestEdits } from "../core/delivery/revision-fixture.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { CHANNEL, startFixture, stopFixture, type Fixture } from "./fixture.js";
import { checkTelegramHtml } from "./html-check.js";
import type { RecordedCall } from "./harness.js";

let f: Fixture;
let source: string;
let edits: DigestEdits = {};
let revisions = 0;
/** Edits, sends and deletes per scenario, for the report. */
const counts: Record<string, { edits: number; sends: number; deletes: number; refused: number }> = {};

const file = () => join(f.dir, "digests", `${REVISION_DATE}.md`);
/** The post as the running bot plans it now (its archive assigns the story ids). */
const planOf = (_e?: DigestEdits) => planTelegramDailyPost(buildDailyPost(f.app.archive.get(REVISION_DATE)!), { locale: "en", botUsername: f.tg.botUsername });
const live = () => f.tg.liveMessages(CHANNEL).map((m) => ({ text: m.text, reply_markup: m.reply_markup }));
const shape = (plan: ReturnType<typeof planOf>) => plan.map((m) => ({ text: m.text, reply_markup: m.reply_markup }));
const toChannel = (c: RecordedCall) => String(c.params.chat_id) === CHANNEL;

async function revise(scenario: string, more: DigestEdits): Promise<RecordedCall[]> {
  const mark = f.tg.calls().length;
  edits = { ...edits, ...more };
  writeFileSync(file(), revisionDigest(edits));
  await f.app.archive.reload();
  await untilRevisionsSettled(f.app.storage, ++revisions);
  const calls = f.tg.calls().slice(mark).filter(toChannel);
  counts[scenario] = {
    edits: calls.filter((c) => c.method === "editMessageText" && c.status === 200).length,
    sends: calls.filter((c) => c.method === "sendMessage" && c.status === 200).length,
    deletes: calls.filter((c) => c.method === "deleteMessage" && c.status === 200).length,
    refused: calls.filter((c) => c.status === 400).length,
  };
  for (const c of calls.filter((x) => x.method !== "deleteMessage")) {
    // Telegram counts the text after entity parsing.
    const check = checkTelegramHtml(String(c.params.text));
    expect(check.plain.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    expect(check.problems).toEqual([]);
  }
  expect(f.tg.htmlViolations).toEqual([]);
  return calls;
}

let state: Awaited<ReturnType<typeof backendEnv>> | undefined;
describe.each(testBackends())("Telegram: corrections reach the channel, state on %s", (backend) => {
  beforeAll(async () => {
    edits = {};
    revisions = 0;
    source = mkdtempSync(join(tmpdir(), "digest-bot-tg-rev-"));
    writeFileSync(join(source, `${REVISION_DATE}.md`), revisionDigest());
    state = await backendEnv(backend);
    f = await startFixture(source, `${REVISION_DATE}T00:30:00Z`, { REVISION_QUIET_SECONDS: "0", ...state.env });
    await f.app.start();
    f.clock.now = new Date(`${REVISION_DATE}T01:00:30Z`);
    await f.app.delivery.tick();
  });

  afterAll(async () => {
    await stopFixture(f);
    await state?.drop();
    rmSync(source, { recursive: true, force: true });
    process.stdout.write(`telegram revision counts (${backend}): ${JSON.stringify(counts)}\n`);
  });

  it("delivers the generated digest as several messages", () => {
    expect(live()).toEqual(shape(planOf({})));
    expect(live().length).toBeGreaterThanOrEqual(2);
  });

  it("a fixed typo edits exactly one message, keeping parse_mode, link previews off and the planned keyboard", async () => {
    const calls = await revise("typo", { fixTypo: true });
    expect(counts.typo).toEqual({ edits: 1, sends: 0, deletes: 0, refused: 0 });
    const edit = calls.find((c) => c.method === "editMessageText")!;
    expect(edit.params.parse_mode).toBe("HTML");
    expect(edit.params.link_preview_options).toEqual({ is_disabled: true });
    // The planned keyboard, or an empty one that removes buttons the old message had.
    const planned = planOf(edits).find((m) => m.text === edit.params.text)!;
    expect(edit.params.reply_markup).toEqual(planned.reply_markup ?? { inline_keyboard: [] });
    expect(String(edit.params.text)).toContain("Story 3.2 title");
    expect(live()).toEqual(shape(planOf(edits)));
  });

  it("a changed link edits only the message that shows it", async () => {
    await revise("link", { changeLink: true });
    expect(counts.link).toEqual({ edits: 1, sends: 0, deletes: 0, refused: 0 });
    expect(live().map((m) => m.text).join("")).toContain("https://example.org/corrected/5-1");
  });

  it("late stories edit the messages whose content moved and send the extra ones after the last", async () => {
    const before = planOf(edits);
    await revise("add", { addStories: 25 });
    const after = planOf(edits);
    const expected = expectedOperations(before, after);
    expect(expected.sends).toBeGreaterThan(0);
    expect(counts.add).toEqual({ edits: expected.edits, sends: expected.sends, deletes: 0, refused: 0 });
    expect(live()).toEqual(shape(after));
  });

  it("removed stories delete the surplus messages", async () => {
    const before = planOf(edits);
    await revise("remove", { addStories: 0, removeStory: true });
    const after = planOf(edits);
    const expected = expectedOperations(before, after);
    expect(expected.deletes).toBeGreaterThan(0);
    expect(counts.remove).toEqual({ edits: expected.edits, sends: 0, deletes: expected.deletes, refused: 0 });
    expect(live()).toEqual(shape(after));
  });

  it("a message an admin deleted is recorded as not corrected, the others still are, and /status says so", async () => {
    const messages = f.tg.liveMessages(CHANNEL);
    const last = messages.at(-1)!;
    f.tg.deleteAsAdmin(CHANNEL, last.messageId);
    await revise("refused", { rewordLast: true, fixTypo: false });
    expect(counts.refused).toEqual({ edits: 1, sends: 0, deletes: 0, refused: 1 });
    const status = await f.app.delivery.status();
    const target = status.targets.find((t) => t.targetId === CHANNEL)!;
    expect(target.enabled).toBe(true);
    expect(target.lastRevision!.failed).toEqual([
      {
        part: messages.length,
        operation: "edit",
        messageId: String(last.messageId),
        reason: `telegram editMessageText of message ${last.messageId} in ${CHANNEL}: the message was deleted (Bad Request: message to edit not found)`,
      },
    ]);
    const reply = await f.app.run("status", {}, { platform: "telegram", isAdmin: true, adminScope: { kind: "operator" }, locale: "zh" });
    const shown = toTelegramMessage(reply, "zh").map((m) => checkTelegramHtml(m.text).plain).join("\n");
    expect(shown).toContain(`最近更正: ${REVISION_DATE} 第 5 次修订`);
    expect(shown).toContain(`第 ${messages.length} 条消息未能更正（edit，消息 ${last.messageId}）`);
  });
});
