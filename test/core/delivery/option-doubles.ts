// Test doubles for delivery options: a platform that records plans, pins and edits, and an archive whose digests can be revised.
import type { PostOptions } from "../../../src/core/delivery/post-options.js";
import { PublishError, type SendOptions } from "../../../src/core/delivery/publisher.js";
import { planTextDailyPost } from "../../../src/core/delivery/text-plan.js";
import type { ArchiveChange, DigestArchive } from "../../../src/core/digest/archive.js";
import type { Digest, StoryRef } from "../../../src/core/digest/model.js";
import type { DailyPost } from "../../../src/core/summaries.js";
import { ScriptedPublisher, type Sent } from "./helpers.js";

export type PinStep = "ok" | "pin-then-hang" | { status: 403; message: string };

/** A platform that records the options each post was planned with, the earlier ids each send got, pins, edits and deletes. */
export class PinningPublisher extends ScriptedPublisher {
  readonly plannedWith: (PostOptions | undefined)[] = [];
  readonly earlier: (readonly string[] | undefined)[] = [];
  readonly pinCalls: { message: string; unpin?: string }[] = [];
  readonly unpinCalls: string[] = [];
  readonly pinned: Set<string>;
  pinScript: PinStep[] = [];
  unpinScript: PinStep[] = [];
  readonly shown = new Map<string, string>();
  readonly edits: { id: string; text: string }[] = [];
  readonly deletes: string[] = [];
  private readonly limit: number;
  constructor(shared: { received?: Sent[]; pinned?: Set<string>; limit?: number } = {}) {
    super("telegram", shared.received ? { shared: shared.received } : {});
    this.pinned = shared.pinned ?? new Set();
    this.limit = shared.limit ?? 1500;
  }
  override planDailyPost = (post: DailyPost, options?: PostOptions) => {
    this.plannedWith.push(options);
    return planTextDailyPost(post, "en", this.limit);
  };
  override async send(target: string, text: string, options: SendOptions) {
    this.earlier.push(options.earlierMessageIds);
    const result = await super.send(target, text, options);
    this.shown.set(result.messageId, text);
    return result;
  }
  async pin(_target: string, message: string, options: { unpin?: string; signal: AbortSignal }) {
    const step = this.pinScript.shift() ?? "ok";
    this.pinCalls.push(options.unpin ? { message, unpin: options.unpin } : { message });
    if (typeof step === "object") throw new PublishError("permanent", step.message);
    this.pinned.add(message);
    if (options.unpin) this.pinned.delete(options.unpin);
    if (step === "pin-then-hang") return new Promise<never>(() => {});
  }
  async unpin(_target: string, message: string) {
    const step = this.unpinScript.shift() ?? "ok";
    this.unpinCalls.push(message);
    if (typeof step === "object") throw new PublishError("permanent", step.message);
    this.pinned.delete(message);
  }
  async edit(_target: string, id: string, text: string) {
    this.edits.push({ id, text });
    this.shown.set(id, text);
  }
  async delete(_target: string, id: string) {
    this.deletes.push(id);
    this.shown.delete(id);
  }
}

/** An archive whose digests can be revised, emitting `previous` like the real one. */
export class RevisableArchive implements DigestArchive {
  private digests = new Map<string, Digest>();
  private listeners = new Set<(c: ArchiveChange) => void>();
  constructor(digests: Digest[]) {
    for (const d of digests) this.digests.set(d.date, d);
  }
  dates = () => [...this.digests.keys()].sort();
  all = () => this.dates().map((d) => this.digests.get(d)!);
  get = (date: string) => this.digests.get(date);
  latest = () => this.all().at(-1);
  findStory = (): StoryRef | undefined => undefined;
  onChange(listener: (c: ArchiveChange) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  put(digest: Digest) {
    const previous = this.digests.get(digest.date);
    this.digests.set(digest.date, digest);
    for (const l of this.listeners) l(previous ? { type: "upsert", digest, previous, file: `${digest.date}.md` } : { type: "upsert", digest, file: `${digest.date}.md` });
  }
}

/** Titles of the stories a post carries, from what was sent (one `• title` line per story in the text plan). */
export const storyTitles = (texts: string[], digest: Digest) => {
  const all = digest.sections.flatMap((s) => s.stories.map((st) => st.title));
  return all.filter((title) => texts.some((t) => t.includes(title)));
};
