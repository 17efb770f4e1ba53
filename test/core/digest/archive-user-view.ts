// Test helper: what a user sees of a running bot's archive (/digest, /story, /search answers), compared with a fresh start on the same files.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { guardMs } from "../../load-slack.js";
import { type Harness, startHarness } from "../../commands/app-harness.js";

const SHOWN_MS = guardMs(10_000);

/** Polls `check` until it holds (no fixed sleeps); `what` names the condition in the failure. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = performance.now() + SHOWN_MS;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The one search word of `marker`'s stories: letters only (the tokenizer splits `w02v2` into `w 02 v 2`, found in
 * `w02v0 … 2`), and far from every other marker's (search forgives a typo: `zqacvc` finds `zqacva`).
 */
export const wordOf = (marker: string): string =>
  `zq${[...createHash("sha256").update(marker).digest().subarray(0, 10)].map((b) => "abcdefghijklmnop"[b % 16]).join("")}`;

/** Polls the bot with `line` until its answer contains `wanted`; a timeout names the last answer. */
export async function untilAnswer(h: Harness, line: string, wanted: string): Promise<void> {
  let last = "";
  await until(async () => (last = (await h.ask(line)).text).includes(wanted), `${line} to answer with “${wanted}”`).catch((err: Error) => {
    throw new Error(`${err.message}; its last answer: ${JSON.stringify(last)}`);
  });
}

/** A digest of `date` whose stories carry `marker` in their title and its word (`wordOf`) in their body. */
export function digestOf(date: string, marker: string, stories = 2): string {
  // Bodies far apart, so a story whose title is reworded is still recognised by its body (and keeps its id).
  const about = ["harbour cranes idle through the long winter strike", "a quiet market rally led by small chip makers", "rain"];
  const body = Array.from({ length: stories }, (_, i) => `### Story ${marker} ${i + 1}\n\nBody of ${wordOf(marker)}: ${about[i % about.length]}.\n`);
  return `# ${date}\n\n## News\n\n${body.join("\n")}`;
}

/** Story ids differ between a running bot (ids kept across revisions) and a fresh start; answers are compared without them. */
const withoutIds = (text: string): string => text.replace(/\b\d{8}-[a-z0-9-]+\b/g, "<id>");

/**
 * Everything a user can ask about the archive, as text: each date's /digest, each story's /story by its id, and
 * /search of each word in `words`. Every /story answer must name its own id (an id that resolves to another story is stale).
 */
export async function userView(h: Harness, words: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const dates = h.app.archive.dates();
  out.dates = dates.join(",");
  for (const date of dates) {
    out[`/digest ${date}`] = withoutIds((await h.ask(`/digest ${date}`)).text);
    const digest = h.app.archive.get(date);
    for (const [s, section] of (digest?.sections ?? []).entries()) {
      for (const [i, story] of section.stories.entries()) {
        const text = (await h.ask(`/story ${story.id}`)).text;
        expect(text, `/story ${story.id}`).toContain(story.id);
        out[`/story ${date} ${s + 1}.${i + 1}`] = withoutIds(text);
      }
    }
  }
  for (const word of words) out[`/search ${word}`] = withoutIds((await h.ask(`/search ${word}`)).text);
  out.problems = JSON.stringify(h.app.archive.problems().map((p) => p.message));
  out.warnings = JSON.stringify(h.app.archive.warnings().map((w) => `${w.file}:${w.line}: ${w.message}`));
  return out;
}

/** Asserts the running bot answers as a bot started afresh (new DATA_DIR, no watcher) on the same files does. */
export async function expectSameAsFreshStart(running: Harness, digestDir: string, words: readonly string[]): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "digest-bot-fresh-"));
  const fresh = await startHarness({ digestDir, dataDir, locale: "en" });
  try {
    expect(await userView(running, words)).toEqual(await userView(fresh, words));
  } finally {
    await fresh.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The log lines (messages) at `level` or above (pino: 40 warn, 50 error) written so far. */
export const messagesAt = (h: Harness, level: number): string[] => h.logs.filter((l) => (l.level as number) >= level).map((l) => String(l.msg));
