// `digest-bot preview --revision`: for a changed digest, which delivered messages a revision would edit, send or delete, and how.
import type { Config, Locale } from "../core/config.js";
import type { Digest } from "../core/digest/model.js";
import { planRevision, sectionsOfRun } from "../core/delivery/revision-planner.js";
import type { Platform } from "../core/reply.js";
import type { Storage } from "../core/storage/types.js";
import { filterPostByKeywords, NO_KEYWORD_MATCH_NOTE } from "../core/delivery/keyword-filter.js";
import { effectiveOptions } from "../core/delivery/effective-options.js";
import type { PostOptions } from "../core/delivery/post-options.js";
import { hashPayload } from "../core/storage/part-keys.js";
import { skippedDays } from "../core/storage/skipped-days.js";
import { buildDailyPost } from "../core/summaries.js";
import { planDiscordDailyPost } from "../discord/discord-daily-post.js";
import { messageBody } from "../discord/discord-native.js";
import { embedLength, type DiscordMessagePayload } from "../discord/discord-render.js";
import { DISCORD_MESSAGE_EMBED_TOTAL_LIMIT } from "../discord/discord-text.js";
import { planTelegramDailyPost } from "../telegram/telegram-daily.js";
import { TELEGRAM_MESSAGE_LIMIT, telegramTextLength } from "../telegram/telegram-html.js";

/** One delivered run at one target and what a revision would do to it now. */
export interface RevisionPreview {
  target: string;
  runId: string;
  kind: string;
  operations: { part: number; operation: string; messageId?: string; oldHash?: string; newHash?: string; size?: string; payload?: unknown }[];
  /** A day skipped because no story matched its keywords, which this revision would send (keyword-revisions.ts). */
  skippedDay?: true;
}

/** Platforms whose delivered posts are corrected (the console prints; it cannot edit). */
const EDITABLE: readonly Platform[] = ["discord", "telegram"];

function sizeOf(platform: Platform, payload: unknown): string {
  if (platform === "discord") {
    const p = payload as DiscordMessagePayload;
    return `${p.embeds.length} embeds, ${p.embeds.reduce((n, e) => n + embedLength(e), 0)}/${DISCORD_MESSAGE_EMBED_TOTAL_LIMIT} embed chars`;
  }
  return `${telegramTextLength((payload as { text: string }).text)}/${TELEGRAM_MESSAGE_LIMIT} chars as shown`;
}

/**
 * What a revision of `digest` would do to each post delivered from it, per the ledger in `storage`. Reads only.
 *
 * @example
 * const previews = await previewRevisions(storage, digest, { locale: "zh", botUsername: "MyDigestBot" });
 */
export async function previewRevisions(
  storage: Storage,
  digest: Digest,
  options: { locale: Locale; botUsername?: string | undefined; target?: string | undefined; now?: Date; deadlineHours?: number; config?: Config },
): Promise<RevisionPreview[]> {
  const previews: RevisionPreview[] = [];
  const plan = (platform: Platform, post: ReturnType<typeof buildDailyPost>, runOptions: PostOptions | undefined): unknown[] =>
    platform === "discord"
      ? planDiscordDailyPost(post, options.locale, runOptions)
      : planTelegramDailyPost(post, options.botUsername ? { locale: options.locale, botUsername: options.botUsername } : { locale: options.locale });
  const body = (platform: Platform, payload: unknown) => ({ size: sizeOf(platform, payload), payload: platform === "discord" ? messageBody(payload as DiscordMessagePayload) : payload });
  for (const run of await storage.revisions.deliveredRuns(digest.date)) {
    const target = `${run.platform}:${run.targetId}`;
    if (!EDITABLE.includes(run.platform) || (options.target && options.target !== target)) continue;
    const sub = await storage.subscriptions.get(run.platform, run.targetId);
    // The run's keywords too, as the revision desk re-plans it (its other options are the platform planners' part).
    const post = filterPostByKeywords(buildDailyPost(digest, sectionsOfRun(run, sub?.sections)), digest, run.options?.keywords);
    const payloads = plan(run.platform, post, run.options);
    const planned = planRevision(await storage.revisions.currentMessages(run), payloads) ?? [];
    previews.push({
      target,
      runId: run.runId,
      kind: run.kind,
      operations: planned.map((op) => ({
        part: op.partIndex + 1,
        operation: op.operation,
        ...(op.messageId ? { messageId: op.messageId } : {}),
        ...(op.oldHash ? { oldHash: op.oldHash } : {}),
        ...(op.newHash ? { newHash: op.newHash } : {}),
        // The request body as sent: a Discord part's placement marker is the planner's note to the publisher.
        ...(op.payload !== undefined ? body(run.platform, op.payload) : {}),
      })),
    });
  }
  // Days skipped because nothing matched, that a story of this version matches: the revision sends them (once).
  const deadlineMs = (options.deadlineHours ?? Infinity) * 3_600_000;
  for (const day of await skippedDays(storage.db, digest.date, NO_KEYWORD_MATCH_NOTE)) {
    const target = `${day.platform}:${day.targetId}`;
    if (!EDITABLE.includes(day.platform) || (options.target && options.target !== target)) continue;
    if (options.now && options.now.getTime() - Date.parse(day.slot) > deadlineMs) continue;
    const sub = await storage.subscriptions.get(day.platform, day.targetId);
    if (!sub?.enabled) continue;
    // With the subscription's options as they are now, as the revision desk sends the day (keyword-revisions.ts).
    const dayOptions = options.config ? effectiveOptions(sub, options.config) : sub.options;
    const post = filterPostByKeywords(buildDailyPost(digest, sub.sections), digest, dayOptions?.keywords);
    if (post.sections.length === 0) continue;
    const operations = plan(day.platform, post, dayOptions).map((payload, i) => ({ part: i + 1, operation: "send", newHash: hashPayload(JSON.stringify(payload)), ...body(day.platform, payload) }));
    previews.push({ target, runId: day.runId, kind: "scheduled", operations, skippedDay: true });
  }
  return previews;
}

/** The previews as readable lines: one block per delivered post, one line per message. */
export function renderRevisionPreviews(date: string, previews: readonly RevisionPreview[]): string {
  if (previews.length === 0) return `No post of ${date} has been delivered (per the ledger); nothing to correct.\n`;
  const out: string[] = [];
  for (const p of previews) {
    if (p.skippedDay) {
      out.push(`──── ${p.target} · day skipped for no keyword match, run ${p.runId} · ${date} ────`);
      for (const op of p.operations) out.push(`  message ${op.part}: send (a story matches its keywords now): ${op.newHash}, ${op.size}`);
      out.push(`  → the day's post is sent: ${p.operations.length} message${p.operations.length === 1 ? "" : "s"}`, "");
      continue;
    }
    out.push(`──── ${p.target} · ${p.kind} run ${p.runId} · ${date} ────`);
    if (p.operations.length === 0) {
      out.push("  unchanged: every message already shows this version", "");
      continue;
    }
    const counts = { keep: 0, edit: 0, send: 0, delete: 0 } as Record<string, number>;
    for (const op of p.operations) {
      counts[op.operation] = (counts[op.operation] ?? 0) + 1;
      const id = op.messageId ? ` (message ${op.messageId})` : "";
      const line =
        op.operation === "keep"
          ? "unchanged"
          : op.operation === "edit"
            ? `edit in place: ${op.oldHash} → ${op.newHash}, ${op.size}`
            : op.operation === "send"
              ? `send as a new message after the last: ${op.newHash}, ${op.size}`
              : "delete (no longer part of the post)";
      out.push(`  message ${op.part}${id}: ${line}`);
    }
    out.push(`  → ${counts.edit} to edit, ${counts.send} to send, ${counts.delete} to delete, ${counts.keep} unchanged`, "");
  }
  return out.join("\n");
}
