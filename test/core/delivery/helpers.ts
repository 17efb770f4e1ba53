// Test doubles for the delivery engine: an in-memory archive, a scriptable publisher that fails on demand, a fake clock.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { ArchiveChange, DigestArchive } from "../../../src/core/digest/archive.js";
import { parseConfig, type Config } from "../../../src/core/config.js";
import { createDeliveryEngine, type DeliveryEngine } from "../../../src/core/delivery/engine.js";
import { createPacer, type Pacer } from "../../../src/core/delivery/pacing.js";
import { PublishError, type Publisher, type SendOptions } from "../../../src/core/delivery/publisher.js";
import { planTextDailyPost } from "../../../src/core/delivery/text-plan.js";
import type { Digest, StoryRef } from "../../../src/core/digest/model.js";
import { parseDigest } from "../../../src/core/digest/parse-digest.js";
import type { Platform } from "../../../src/core/reply.js";
import { sql } from "kysely";
import { runOrder } from "../../../src/core/storage/ledger-store.js";
import type { DatabaseClock } from "../../../src/core/storage/database-clock.js";
import type { Storage, StorageDialect } from "../../../src/core/storage/types.js";
import { storageOpener } from "../storage/backends.js";

export const SEED_FILE = "test/fixtures/sample/2026-02-18.md";
export const seedDigest = (): Digest => parseDigest(readFileSync(SEED_FILE, "utf8"), SEED_FILE).digest;

/** The seed under another date (ids follow the date). */
export function digestOn(date: string): Digest {
  const seed = seedDigest();
  const compact = date.replaceAll("-", "");
  return {
    ...seed,
    date,
    sections: seed.sections.map((s) => ({ ...s, stories: s.stories.map((st) => ({ ...st, id: st.id.replace(/^\d{8}/, compact) })) })),
  };
}

export class MemoryArchive implements DigestArchive {
  private digests = new Map<string, Digest>();
  private listeners = new Set<(c: ArchiveChange) => void>();
  constructor(digests: Digest[] = []) {
    for (const d of digests) this.digests.set(d.date, d);
  }
  dates() {
    return [...this.digests.keys()].sort();
  }
  all() {
    return this.dates().map((d) => this.digests.get(d)!);
  }
  get(date: string) {
    return this.digests.get(date);
  }
  latest() {
    return this.all().at(-1);
  }
  findStory(): StoryRef | undefined {
    return undefined;
  }
  onChange(listener: (c: ArchiveChange) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  add(digest: Digest) {
    this.digests.set(digest.date, digest);
    for (const l of this.listeners) l({ type: "upsert", digest, file: `${digest.date}.md` });
  }
}

/** What the scripted publisher does on one send. */
export type Step =
  | "ok"
  | "hang" // never answers: the process "crashes" mid-send
  | "deliver-then-hang" // the platform got it, the answer never came back
  | { status: 429; retryAfterMs: number }
  | { status: 500 }
  /** Posts it, then answers 502: what a platform's 5xx after accepting looks like. */
  | { status: "accept-then-502" }
  | { status: "timeout" }
  | { status: 403; message: string };

export interface Sent {
  target: string;
  text: string;
  key: string;
}

/**
 * An in-memory platform. `script` is consumed one step per send (default "ok"); `scriptFor` holds a target's own
 * steps, taken before `script` (targets of a broadcast are sent side by side, in no fixed order).
 * With `dedupe`, a send with a key seen before returns the first message id (like Discord's enforce_nonce).
 */
export class ScriptedPublisher implements Publisher<string> {
  readonly received: Sent[] = [];
  readonly attempts: Sent[] = [];
  script: Step[] = [];
  readonly scriptFor = new Map<string, Step[]>();
  private byKey = new Map<string, string>();
  readonly deduplicates: boolean;
  constructor(
    readonly platform: Platform,
    private options: { limit?: number; dedupe?: boolean; shared?: Sent[] } = {},
  ) {
    if (options.shared) this.received = options.shared;
    this.deduplicates = options.dedupe ?? false;
  }
  planDailyPost = (post: Parameters<Publisher["planDailyPost"]>[0]) => planTextDailyPost(post, "en", this.options.limit ?? 1500);
  async send(target: string, text: string, options: SendOptions) {
    const key = options.idempotencyKey;
    const step = this.scriptFor.get(target)?.shift() ?? this.script.shift() ?? "ok";
    this.attempts.push({ target, text, key });
    if (step === "hang") return new Promise<never>(() => {});
    if (typeof step === "object") {
      if (step.status === 429) throw new PublishError("rate-limited", "429 Too Many Requests", step.retryAfterMs);
      if (step.status === 500) throw new PublishError("transient", "500 Internal Server Error");
      if (step.status === "accept-then-502") {
        this.received.push({ target, text, key });
        throw new PublishError("transient", "502 Bad Gateway");
      }
      if (step.status === "timeout") throw new PublishError("transient", "request timed out");
      throw new PublishError("permanent", step.message);
    }
    const existing = this.options.dedupe ? this.byKey.get(key) : undefined;
    if (existing) return { messageId: existing };
    const id = `m${this.received.length + 1}`;
    this.received.push({ target, text, key });
    this.byKey.set(key, id);
    if (step === "deliver-then-hang") return new Promise<never>(() => {});
    return { messageId: id };
  }
}

export class FakeClock {
  constructor(public now: Date) {}
  set(iso: string) {
    this.now = new Date(iso);
  }
  read = () => this.now;
}

export const quietLogger = () => pino({ level: "silent" });

/** A logger whose lines can be read back. */
export function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines, messages: () => lines.map((l) => String(l.msg)) };
}

export const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 4, maxAttempts: 3, maxRateLimitWaits: 3, maxRateLimitWaitMs: 1000 };

/** Rows of a raw SQL query on either backend (tests only; `:order` stands for the runs' planning order). */
export async function rows<T = Record<string, unknown>>(storage: Storage, text: string): Promise<T[]> {
  const query = text.replaceAll(":order", runOrder(storage.dialect).compile(storage.db).sql);
  return (await sql.raw<T>(query).execute(storage.db)).rows;
}

/** The first column of each row of a raw SQL query. */
export async function column(storage: Storage, text: string): Promise<unknown[]> {
  return (await rows(storage, text)).map((r) => Object.values(r)[0]);
}

/** A temp data dir (and on PostgreSQL a fresh database) with helpers to open state and engines on it; call `cleanup()` in afterEach. */
export function harness(env: Record<string, string> = {}, backend: StorageDialect = "sqlite") {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-delivery-"));
  const opener = storageOpener(backend, dir);
  const config: Config = parseConfig({ DATA_DIR: dir, POST_TIMEZONE: "UTC", ...env });
  const opened: Storage[] = [];
  const engines: DeliveryEngine[] = [];
  return {
    dir,
    config,
    /** Opens the state store (a new connection each time, as a new process would). */
    async open() {
      const storage = await opener.open();
      opened.push(storage);
      return storage;
    },
    /** An engine on `db`, unpaced unless `pacer` is given (pacing has its own tests), with its settings targets recorded. */
    async engine(opts: {
      db: Storage;
      archive: DigestArchive;
      clock: Pick<FakeClock, "read">;
      logger?: pino.Logger;
      config?: Config;
      retry?: object;
      lease?: { ms?: number; renewMs?: number };
      senderLease?: { ms?: number; renewMs?: number; handoverMs?: number };
      pacer?: Pacer;
      stopGraceMs?: number;
      databaseClock?: DatabaseClock;
    }) {
      const engine = createDeliveryEngine({
        storage: opts.db,
        archive: opts.archive,
        config: opts.config ?? config,
        logger: opts.logger ?? quietLogger(),
        clock: opts.clock.read,
        retry: { ...FAST_RETRY, ...opts.retry },
        useCron: false,
        pacer: opts.pacer ?? createPacer({ limits: {} }),
        stopGraceMs: opts.stopGraceMs ?? 200,
        ...(opts.lease ? { lease: opts.lease } : {}),
        ...(opts.senderLease ? { senderLease: opts.senderLease } : {}),
        ...(opts.databaseClock ? { databaseClock: opts.databaseClock } : {}),
      });
      engines.push(engine);
      await engine.ready;
      return engine;
    },
    async cleanup() {
      for (const db of opened) {
        try {
          await db.close();
        } catch {
          // Already closed by the test.
        }
      }
      opened.length = 0;
      await opener.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
