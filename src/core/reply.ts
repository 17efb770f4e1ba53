// The platform-neutral reply model: what a command answers, as structured data that each platform renders its own way.
import type { PostOptions } from "./delivery/post-options.js";
import type { Link } from "./digest/model.js";
import type { SectionSummary } from "./summaries.js";

/** Where the bot runs. */
export type Platform = "console" | "discord" | "telegram";

/** The short form of a story used in lists: enough to show it and to fetch it by id. */
export interface StoryHit {
  id: string;
  date: string;
  section: string;
  title: string;
}

/** A story in full. `body` is the Markdown source, `text` the plain text. */
export interface StoryCard extends StoryHit {
  body: string;
  text: string;
  links: Link[];
}

/** Why a command could not answer; adapters may style errors (e.g. ephemeral on Discord). */
export type ErrorCode =
  | "empty-query"
  | "query-too-long"
  | "bad-date"
  | "unknown-date"
  | "unknown-section"
  | "no-match"
  | "no-digest"
  | "bad-option"
  | "unknown-command"
  | "not-admin"
  | "unavailable"
  | "internal";

export interface HelpEntry {
  name: string;
  /** Already in the UI locale. */
  description: string;
  /** Usage line, e.g. `/story <query> [date]`. */
  usage: string;
  adminOnly: boolean;
}

/** One delivery target as shown by `/status`. */
export interface TargetStatus {
  platform: Platform;
  targetId: string;
  enabled: boolean;
  disabledReason?: string;
  /** Section titles it receives; undefined = all. */
  sections?: string[];
  cron: string;
  timezone: string;
  nextRun?: string;
  /** `pinError`: the post went out but its header could not be pinned (e.g. a missing permission). */
  lastDelivery?: { date: string; status: string; at: string; error?: string; pinError?: string };
  /** The options its posts are planned with (environment defaults for settings targets, then its own); absent = all default. */
  options?: PostOptions;
  /** The last scheduled post was skipped because no story of that digest matched the keywords. */
  nothingMatched?: { date: string; keywords: string[] };
  /**
   * Messages re-sent after an ambiguous failure or a crash mid-send where the platform cannot de-duplicate
   * (Telegram): each may show twice. Absent when none.
   */
  possibleDuplicates?: number;
  /** The latest correction of a delivered post here, and any part it could not correct. */
  lastRevision?: RevisionStatus;
}

/** One revision of a delivered post at a target, as /status shows it. */
export interface RevisionStatus {
  date: string;
  /** 1, 2, … per delivered run. */
  revision: number;
  at: string;
  edited: number;
  sent: number;
  deleted: number;
  unchanged: number;
  /** Operations still to do (retried on the next tick). */
  open: number;
  failed: { part: number; operation: string; messageId?: string; reason: string }[];
}

/** A repost or manual delivery with messages still to send, as shown by `/status`. */
export interface PendingDelivery {
  runId: string;
  kind: "repost" | "manual";
  date: string;
  platform: Platform;
  targetId: string;
  /** Messages not yet sent, of `parts`. */
  open: number;
  parts: number;
  createdAt: string;
  error?: string;
}

/**
 * Everything a command can answer. Content is structured, never pre-formatted for one platform;
 * UI strings (messages, hints) are already in the asker's locale, digest text is as written.
 *
 * @example
 * const reply: Reply = { type: "notice", tone: "success", text: "已订阅" };
 */
export type Reply =
  | { type: "story"; story: StoryCard; alsoMatching: StoryHit[] }
  | { type: "links"; story: StoryHit; links: Link[] }
  | {
      type: "results";
      query: string;
      filters: { section?: string; date?: string };
      hits: StoryHit[];
      /** 1-based page number of `hits`. */
      page: number;
      pageCount: number;
      total: number;
    }
  | { type: "section-summary"; date: string; summary: SectionSummary }
  | { type: "digest-overview"; date: string; title?: string; sections: { title: string; stories: StoryHit[] }[] }
  | { type: "sections"; date: string; sections: { title: string; storyCount: number }[] }
  | { type: "help"; commands: HelpEntry[] }
  | { type: "status"; digests: { count: number; latest?: string }; targets: TargetStatus[]; pending?: PendingDelivery[] }
  | { type: "notice"; tone: "info" | "success" | "warning"; text: string }
  | { type: "error"; code: ErrorCode; message: string; hint?: string };

export type ReplyType = Reply["type"];
