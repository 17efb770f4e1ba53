// kill -9 in the middle of a revision, in a real child process: the restarted bot finishes it, nothing lost, nothing sent twice.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage } from "../../src/core/storage/open-storage.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { digestAsTheBotSees, expectedOperations, REVISION_DATE, revisionDigest, type DigestEdits } from "../core/delivery/revision-fixture.js";
import { CHILD_WAIT_MS, startBot as startProcess, whileAlive } from "../core/delivery/bot-process.js";
import { rows } from "../core/delivery/helpers.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { TOKEN } from "./fixture.js";
import { startTelegramHarness, type RecordedCall, type TelegramHarness } from "./harness.js";

const CHANNEL = "-1009876543210";
let tg: TelegramHarness | undefined;
let dir: string | undefined;
let state: Awaited<ReturnType<typeof backendEnv>> | undefined;
const children: ChildProcess[] = [];
const startBot = (env: Record<string, string>, line: string) => startProcess(join(import.meta.dirname, "revision-child.ts"), env, line, children);

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await tg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  children.length = 0;
  await state?.drop();
  tg = undefined;
  dir = undefined;
  state = undefined;
});

describe.each(testBackends())("kill -9 during a revision (child process, Telegram), state on %s", (backend) => {
  it("the restarted bot completes the revision: every edit lands once, the extra part is sent once", async () => {
    tg = await startTelegramHarness();
    dir = mkdtempSync(join(tmpdir(), "digest-bot-rev-crash-"));
    state = await backendEnv(backend);
    mkdirSync(join(dir, "digests"));
    const file = join(dir, "digests", `${REVISION_DATE}.md`);
    writeFileSync(file, revisionDigest());
    const env = {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      DIGEST_DIR: join(dir, "digests"),
      DATA_DIR: join(dir, "state"),
      BOT_LOCALE: "en",
      POST_CRON: "0 0 1 1 *",
      REVISION_QUIET_SECONDS: "0",
      ...state.env,
    };
    // The post as the bot plans it, with the story ids it recorded in DATA_DIR.
    const planNow = async () =>
      planTelegramDailyPost(buildDailyPost(await digestAsTheBotSees(join(dir!, "digests"), join(dir!, "state"))), { locale: "en", botUsername: tg!.botUsername });
    const toChannel = (c: RecordedCall) => String(c.params.chat_id) === CHANNEL;
    const first = await startBot({ ...env, CHILD_DELIVER_TO: CHANNEL }, "READY");
    const before = await planNow();
    expect(tg.liveMessages(CHANNEL).map((m) => m.text)).toEqual(before.map((m) => m.text));

    // The publisher adds late stories: two messages change and one more is needed.
    const edits: DigestEdits = { addStories: 25, fixTypo: true };
    const held = tg.holdNext("editMessageText");
    writeFileSync(file, revisionDigest(edits));
    await whileAlive(first, held.arrived);
    first.kill("SIGKILL"); // Dies with the edit in flight; Telegram then applies it, the answer is lost.
    await new Promise((r) => first.once("exit", r));
    held.release();

    const second = await startBot(env, "READY");
    await whileAlive(second, tg.waitForCalls("sendMessage", before.length + 1, toChannel, CHILD_WAIT_MS));
    second.kill("SIGTERM");
    await new Promise((r) => second.once("exit", r));

    const after = await planNow();
    const expected = expectedOperations(before, after);
    expect(expected).toEqual({ edits: 2, sends: 1, deletes: 0 });
    expect(tg.liveMessages(CHANNEL).map((m) => m.text)).toEqual(after.map((m) => m.text));
    const sends = tg.calls("sendMessage").filter((c) => toChannel(c) && c.status === 200);
    expect(sends).toHaveLength(before.length + expected.sends);
    const editCalls = tg.calls("editMessageText").filter(toChannel);
    // The interrupted edit is made again after the restart; Telegram answers "not modified", which counts as done.
    expect(editCalls.map((c) => c.status)).toEqual([200, 400, 200]);
    expect(JSON.stringify(editCalls[1]!.response)).toContain("message is not modified");
    const storage = await openStorage({ dataDir: env.DATA_DIR, databaseUrl: state.env.DATABASE_URL });
    try {
      const parts = await rows<{ operation: string; status: string }>(storage, "SELECT operation, status FROM revision_parts ORDER BY part_index");
      expect(parts).toEqual([
        { operation: "edit", status: "sent" },
        { operation: "edit", status: "sent" },
        { operation: "send", status: "sent" },
      ]);
    } finally {
      await storage.close();
    }
  }, 90_000);
});
