// A generated digest big enough for several messages per platform, and the edits publishers make to it after posting.
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { createArchive } from "../../../src/core/digest/archive.js";
import type { Digest } from "../../../src/core/digest/model.js";
import { openStoryIdStore, STORY_IDS_DIR } from "../../../src/core/digest/story-id-store.js";
import type { Storage } from "../../../src/core/storage/types.js";

export const REVISION_DATE = "2026-03-02";

/** What the publisher did to the digest since the morning post. */
export interface DigestEdits {
  /** "Story 3.2 titel" becomes "Story 3.2 title". */
  fixTypo?: boolean;
  /** Story 5.1's link points elsewhere. */
  changeLink?: boolean;
  /** This many late stories appended to section 1. */
  addStories?: number;
  /** Story 2.3 removed. */
  removeStory?: boolean;
  /** Story 6.4's body reworded. */
  rewordLast?: boolean;
}

const SECTIONS = 6;
const STORIES = 5;

/** The digest Markdown after `edits` (none = as first published). Deterministic. */
export function revisionDigest(edits: DigestEdits = {}): string {
  const lines = [`# AI digest ${REVISION_DATE}`, ""];
  for (let s = 1; s <= SECTIONS; s++) {
    lines.push(`## Section ${s}: models & tools`, "");
    const count = s === 1 ? STORIES + (edits.addStories ?? 0) : STORIES;
    for (let n = 1; n <= count; n++) {
      if (s === 2 && n === 3 && edits.removeStory) continue;
      const title = s === 3 && n === 2 && !edits.fixTypo ? `Story ${s}.${n} titel` : `Story ${s}.${n} title`;
      const late = n > STORIES ? " (late)" : "";
      lines.push(`### ${title}${late}`, "");
      const reworded = s === 6 && n === 4 && edits.rewordLast ? " Reworded after publishing." : "";
      lines.push(
        `Story ${s}.${n} reports that a lab shipped a model with a longer context window and better tool use across many benchmarks.${reworded} ` +
          `A second sentence adds details about pricing, availability and the evaluation set the authors used to compare it.`,
        "",
      );
      const url = s === 5 && n === 1 && edits.changeLink ? "https://example.org/corrected/5-1" : `https://example.com/story/${s}-${n}`;
      lines.push(`> 相关链接：[Source ${s}.${n}](${url})`, "", "---", "");
    }
  }
  return lines.join("\n");
}

/** Waits until `count` revisions exist and none has operations left. */
export async function untilRevisionsSettled(storage: Storage, count: number, timeoutMs = 8000): Promise<void> {
  for (let waited = 0; ; waited += 20) {
    const revisions = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM revisions`.execute(storage.db)).rows[0]?.n ?? 0);
    const open = Number(
      (await sql<{ n: number }>`SELECT count(*) AS n FROM revision_parts WHERE status IN ('pending', 'in-flight')`.execute(storage.db)).rows[0]?.n ?? 0,
    );
    if (revisions >= count && open === 0) return;
    if (waited > timeoutMs) throw new Error(`waited ${timeoutMs} ms for ${count} settled revisions; have ${revisions}, ${open} operations open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a revision should do, position by position: edits where payloads differ, sends for extra parts, deletes for surplus. */
export function expectedOperations(before: readonly unknown[], after: readonly unknown[]): { edits: number; sends: number; deletes: number } {
  let edits = 0;
  for (let i = 0; i < Math.min(before.length, after.length); i++) if (JSON.stringify(before[i]) !== JSON.stringify(after[i])) edits++;
  return { edits, sends: Math.max(0, after.length - before.length), deletes: Math.max(0, before.length - after.length) };
}

/**
 * The digest of `REVISION_DATE` as the bot sees it: read through an archive with the story-id store of `dataDir`,
 * so story ids (and thus deep links and buttons) are the ones the bot assigned. `write` records new assignments.
 */
export async function digestAsTheBotSees(digestDir: string, dataDir: string, write = false): Promise<Digest> {
  const logger = pino({ level: "silent" });
  const ids = openStoryIdStore({ dir: join(dataDir, STORY_IDS_DIR), logger, readOnly: !write });
  const archive = await createArchive({ dir: digestDir, logger, watch: false, ids });
  try {
    const digest = archive.get(REVISION_DATE);
    if (!digest) throw new Error(`no ${REVISION_DATE} digest in ${digestDir}`);
    return digest;
  } finally {
    await ids.flush();
    await archive.close();
  }
}
