// Stable ids through the archive: revisions while running, restarts on the same DATA_DIR, old position ids, removed ids.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Archive, createArchive } from "../../../src/core/digest/archive.js";
import { openStoryIdStore } from "../../../src/core/digest/story-id-store.js";
import { createLogger } from "../../../src/core/logger.js";
import { writerTag } from "../../../src/core/temp-files.js";
import { startHarness } from "../../commands/app-harness.js";

const logger = createLogger({ level: "silent" });
const story = (title: string, body = `About ${title}, in some detail.`) => `### ${title}\n\n${body}\n`;
const digest = (...titles: string[]) => `# 2026-02-18\n\n## News\n\n${titles.map((t) => story(t)).join("\n")}`;
const A = "OpenAI ships GPT-5.5 to everyone";
const B = "Anthropic 推出 Claude Sonnet 4.6";
const C = "Mistral 收购 Koyeb";

let root: string;
let file: string;
let opened: Archive[] = [];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-ids-"));
  fs.mkdirSync(path.join(root, "digests"));
  file = path.join(root, "digests", "2026-02-18.md");
});
afterEach(async () => {
  for (const a of opened) await a.close();
  opened = [];
  fs.rmSync(root, { recursive: true, force: true });
});

async function open(): Promise<Archive> {
  const ids = openStoryIdStore({ dir: path.join(root, "state", "story-ids"), logger });
  const archive = await createArchive({ dir: path.join(root, "digests"), logger, watch: false, ids });
  opened.push(archive);
  return archive;
}

const idOf = (a: Archive, title: string) => a.get("2026-02-18")?.sections.flatMap((s) => s.stories).find((s) => s.title === title)?.id;

describe("stable ids in the archive", () => {
  it("removes the temp files of id writes a dead process left (kill -9 mid-write), and keeps a running one's", async () => {
    const dir = path.join(root, "state", "story-ids");
    fs.mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const left = path.join(dir, `2026-02-17.json.${writerTag(gone)}.tmp`);
    const running = path.join(dir, `2026-02-16.json.${writerTag(process.ppid)}.tmp`);
    for (const f of [left, running]) fs.writeFileSync(f, "{ half");
    fs.writeFileSync(file, digest(A, B));
    await (await open()).close();
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(running), "2026-02-18.json"]);
  });

  it("carry a typo-fixed story's id across a restart, from files private to the bot's user", async () => {
    fs.writeFileSync(file, digest(A, B));
    const first = await open();
    const original = idOf(first, B);
    fs.writeFileSync(file, digest(A, "Anthropic 推出 Claude Sonnet 4.6!"));
    await first.reload();
    expect(idOf(first, "Anthropic 推出 Claude Sonnet 4.6!")).toBe(original);
    await first.close();

    const second = await open();
    expect(idOf(second, "Anthropic 推出 Claude Sonnet 4.6!")).toBe(original);
    expect(second.findStory(original!)?.story.title).toBe("Anthropic 推出 Claude Sonnet 4.6!");
    const idFile = path.join(root, "state", "story-ids", "2026-02-18.json");
    expect(fs.statSync(idFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(idFile)).mode & 0o777).toBe(0o700);
  });

  it("load the digest with fresh ids when the story-ids file was hand-edited into a wrong shape", async () => {
    fs.writeFileSync(file, digest(A, B));
    const idFile = path.join(root, "state", "story-ids", "2026-02-18.json");
    fs.mkdirSync(path.dirname(idFile), { recursive: true });
    const stories = { "20260218-x": null, "20260218-y": { title: 5 } };
    fs.writeFileSync(idFile, JSON.stringify({ format: 1, date: "2026-02-18", stories, positions: { "1-1": 7 } }));
    const a = await open();
    expect(a.findStory("20260218-1-1")?.story.title).toBe(A);
    expect(idOf(a, B)).toMatch(/^20260218-anthropic-claude-sonnet-[0-9a-z]{5}$/);
  });

  it("keep a typo-fixed story's id across a restart when the story-ids folder was deleted while running", async () => {
    fs.writeFileSync(file, digest(A, B));
    const running = await open();
    const original = idOf(running, B);
    fs.writeFileSync(file, digest(A, B, C));
    await running.reload(); // the running bot has written its folder once
    fs.writeFileSync(file, digest(A, B));
    fs.rmSync(path.join(root, "state", "story-ids"), { recursive: true, force: true }); // an operator's cleanup
    fs.writeFileSync(file, digest(A, "Anthropic 推出 Claude Sonnet 4.6!"));
    await running.reload();
    expect(idOf(running, "Anthropic 推出 Claude Sonnet 4.6!")).toBe(original);
    await running.close();

    const restarted = await open();
    expect(idOf(restarted, "Anthropic 推出 Claude Sonnet 4.6!")).toBe(original);
  });

  it("open an old position id on the story that held the position when first seen, after an insert at the top", async () => {
    fs.writeFileSync(file, digest(A, B));
    const a = await open();
    expect(a.findStory("20260218-1-1")?.story.title).toBe(A);
    fs.writeFileSync(file, digest(C, A, B));
    await a.reload();
    expect(a.findStory("20260218-1-1")?.story.title).toBe(A);
    expect(a.findStory("20260218-1-2")?.story.title).toBe(B);
    // 1-3 was first seen holding B (the revision moved it there).
    expect(a.findStory("20260218-1-3")?.story.title).toBe(B);
    await a.close();
    const again = await open();
    expect(again.findStory("20260218-1-1")?.story.title).toBe(A);
  });

  it("answer a removed story's id as removed, not with another story, also after a restart", async () => {
    fs.writeFileSync(file, digest(A, B, C));
    const a = await open();
    const gone = idOf(a, B)!;
    fs.writeFileSync(file, digest(A, C));
    await a.reload();
    expect(a.findStory(gone)).toBeUndefined();
    expect(a.lookUpStory(gone)).toEqual({ kind: "removed", date: "2026-02-18", title: B });
    expect(a.lookUpStory("20260218-1-2")).toEqual({ kind: "removed", date: "2026-02-18", title: B });
    expect(a.lookUpStory("20260218-nothing-00000")).toEqual({ kind: "unknown" });
    await a.close();
    expect((await open()).lookUpStory(gone)).toEqual({ kind: "removed", date: "2026-02-18", title: B });
  });
});

describe("/story with a removed story's id", () => {
  it("says the story was removed from that digest, in Chinese and in English", async () => {
    fs.writeFileSync(file, digest(A, B));
    for (const locale of ["zh", "en"] as const) {
      const h = await startHarness({ locale, digestDir: path.join(root, "digests") });
      try {
        const gone = h.app.archive.get("2026-02-18")!.sections[0]!.stories[1]!.id;
        expect((await h.ask(`/story ${gone}`)).reply).toMatchObject({ type: "story", story: { title: B } });
        fs.writeFileSync(file, digest(A));
        await h.app.archive.reload();
        const { reply } = await h.ask(`/story ${gone}`);
        expect(reply).toEqual(
          locale === "zh"
            ? { type: "error", code: "no-match", message: "这条报道已从 2026-02-18 的日报中删除。", hint: `它当时的标题是「${B}」；发送 /digest 2026-02-18 查看这一期现在的报道。` }
            : { type: "error", code: "no-match", message: "This story was removed from the 2026-02-18 digest.", hint: `Its title was \u201c${B}\u201d; send /digest 2026-02-18 to see that digest's stories now.` },
        );
        expect((await h.ask(`/links 20260218-1-1`)).reply).toMatchObject({ type: "links", story: { title: A } });
      } finally {
        fs.writeFileSync(file, digest(A, B));
        await h.close();
      }
    }
  });
});
