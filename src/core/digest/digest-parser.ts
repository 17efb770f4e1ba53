// Runs the digest parser for the archive: in a worker thread with a time limit per file, or inline (one-shot CLIs).
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { DigestParseError, type ParseOptions, type ParsedDigest, parseDigest, parseDigestIfPlain } from "./parse-digest.js";

/** Longest a file may take to parse; a slower file is reported and skipped (its last good version kept). */
export const PARSE_TIME_LIMIT_MS = 5000;

/** What parsing one file gave: the digest, or a message ready to show (`file:line: …` or `file: …`). */
export type ParseOutcome = { ok: true; parsed: ParsedDigest } | { ok: false; message: string };

/** The JSON text a worker sent for a parse (kept so the parse cache writes it without serialising again). */
const jsonByParse = new WeakMap<ParsedDigest, string>();

/**
 * The parse as JSON: the text the worker made (forgotten now: the archive keeps the parse for as long as the file
 * is loaded, and its text must not stay alive with it); `undefined` for a parse made on this thread.
 *
 * @example
 * cache.set(key, outcome.parsed, takeParseJson(outcome.parsed));
 */
export function takeParseJson(parsed: ParsedDigest): string | undefined {
  const json = jsonByParse.get(parsed);
  jsonByParse.delete(parsed);
  return json;
}

function fromJson(json: string): ParsedDigest {
  const parsed = JSON.parse(json) as ParsedDigest;
  jsonByParse.set(parsed, json);
  return parsed;
}

export interface DigestParser {
  /** `options` carry the file's mtime and time zone, for a file that names no date. */
  parse(source: string, file: string, options?: ParseOptions): Promise<ParseOutcome>;
  /** Stops the worker, if any. Idempotent. */
  close(): Promise<void>;
}

/** Messages between the archive and `parse-worker.ts`. */
export interface ParseJob {
  id: number;
  source: string;
  file: string;
  options?: ParseOptions;
}
export type ParseReply =
  /** `json`: the parse as JSON, made in the worker (the parse cache stores that text; the bot's thread only reads it). */
  | { id: number; ok: true; json: string }
  | { id: number; ok: false; typed: boolean; message: string; line?: number };

/** Any failure as the archive reports it: the parser's own `file:line: …`, or `file: …` for anything else. */
export function describeParseFailure(file: string, err: unknown): string {
  if (err instanceof DigestParseError) return err.message;
  return `${file}: ${err instanceof Error ? err.message : String(err)}`;
}

/** Parses on the calling thread: fine for a one-shot command, where nothing else waits on the event loop. */
export function createInlineParser(): DigestParser {
  return {
    async parse(source, file, options) {
      try {
        return { ok: true, parsed: parseDigest(source, file, options) };
      } catch (err) {
        return { ok: false, message: describeParseFailure(file, err) };
      }
    },
    close: async () => undefined,
  };
}

/**
 * Starts the worker. Running from TypeScript sources (tsx, vitest) the worker registers tsx itself first, as
 * `bin/digest-bot.js` does for the main thread.
 */
function startWorker(youngGenerationMb: number): Worker {
  const url = new URL(import.meta.url.endsWith(".ts") ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
  const resourceLimits = { maxYoungGenerationSizeMb: youngGenerationMb };
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { resourceLimits });
  const api = createRequire(import.meta.url).resolve("tsx/esm/api").replace(/index\.cjs$/, "index.mjs");
  const boot = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

export interface WorkerParserOptions {
  /** Default {@link PARSE_TIME_LIMIT_MS}; counted from when the worker starts on the file. */
  timeLimitMs?: number;
  /** Worker threads parsing side by side. Default: 2, or 1 on a single core. */
  workers?: number;
  /** How long the first worker stays up with nothing to parse. Default {@link WORKER_IDLE_MS}. */
  idleMs?: number;
  /** A parse on the bot's own thread longer than this sends the file's next versions to a worker. Default {@link INLINE_SLOW_MS}. */
  inlineSlowMs?: number;
}

/**
 * Young generation of the worker that parses edits, in MiB: small, as it is resident for as long as edits keep
 * coming (a 64 MiB one held ~40 MiB more RSS while a digest was being edited), and one file's parse needs little.
 */
const EDIT_YOUNG_GENERATION_MB = 8;

/**
 * Young generation of an extra worker, in MiB, started only when files queue up (a cold start): parsing makes heaps
 * of short-lived nodes, and with a young generation this big ~35 % less CPU goes to scavenges in the full Markdown
 * parser (measured 39 → 25 ms of CPU per synthetic digest with 32 MiB semi-spaces), for a few tens of MiB of RSS
 * for the few seconds the burst lasts.
 */
const BURST_YOUNG_GENERATION_MB = 64;

/**
 * Largest text read on the bot's own thread when it is plain Markdown (the fast reader's subset), in characters: a
 * daily digest is 20–60 KB; its Markdown reads in one pass of the fast reader, the whole parse (layout, stories,
 * links, date) of a 40–50 KB one took 9–60 ms at load 1.3 (a file over {@link INLINE_SLOW_MS} is sent to a worker
 * from then on). Bigger files, and any file outside the subset, go to a worker (the full parser's worst cases take
 * seconds, and there the time limit holds).
 */
export const INLINE_PARSE_MAX_CHARS = 64 * 1024;

/** A plain file whose parse on the bot's thread took longer than this (ms) is parsed in a worker from then on. */
export const INLINE_SLOW_MS = 50;

/** A file asked for sooner than this after the previous one is part of a burst, parsed in a worker. */
const BURST_GAP_MS = 50;

/** Files waiting for the first worker before a second one is started. */
const QUEUE_BEFORE_EXTRA_WORKER = 4;

/** How long an extra worker (beyond the first) stays up with nothing to parse: a cold start needs it, an edit does not. */
const EXTRA_WORKER_IDLE_MS = 5000;

/**
 * How long the first worker stays up with nothing to parse. A publisher saving again and again keeps it up (a
 * start costs ~0.2 s of CPU); a bot left alone holds no worker (~15–25 MiB of RSS), and the next edit starts one.
 */
export const WORKER_IDLE_MS = 20_000;

/** One worker and its queue; `pending` counts files given to it and not yet answered. */
interface Lane extends DigestParser {
  pending: number;
  /** Stops the worker (it restarts on the next file) without closing the lane. */
  rest(): void;
  /** Its worker has started (a file given to it now does not wait for a worker start). */
  isUp(): boolean;
  /** Starts its worker ahead of the files to come. */
  warm(): void;
}

/**
 * Parses in worker threads (two by default), each one file at a time; a file goes to the worker with the fewest
 * files waiting, so a cold start parses on both cores while an edit uses one (the second worker stops after 5 s
 * idle, the first after {@link WORKER_IDLE_MS}: a bot nobody edits digests for holds no worker). A file that takes longer than the limit is answered with `file: parsing took longer than N ms; skipped`
 * and its worker is replaced (it may be stuck in a pathological input); a worker that dies answers its file the
 * same way. Workers never keep the process alive.
 *
 * @example
 * const parser = createWorkerParser();
 * const outcome = await parser.parse(text, "data/digests/2026-02-18.md");
 * await parser.close();
 */
export function createWorkerParser(options: WorkerParserOptions = {}): DigestParser {
  const limit = options.timeLimitMs ?? PARSE_TIME_LIMIT_MS;
  const idleMs = options.idleMs ?? WORKER_IDLE_MS;
  const count = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
  const lanes = Array.from({ length: count }, (_, i) => createLane(limit, i === 0 ? EDIT_YOUNG_GENERATION_MB : BURST_YOUNG_GENERATION_MB));
  const timers: (NodeJS.Timeout | undefined)[] = lanes.map(() => undefined);
  let lastCallAt = -Infinity;
  const slowMs = options.inlineSlowMs ?? INLINE_SLOW_MS;
  /** Files whose parse on this thread took longer than `slowMs`: parsed in a worker from then on. */
  const slowHere = new Set<string>();
  let closed = false;
  return {
    parse(source, file, opts) {
      if (closed) return Promise.resolve({ ok: false, message: `${file}: not parsed, the archive is closing` });
      // A plain digest of a usual size is read here: no worker start (~0.2 s of CPU, ~30 MiB of RSS while it is up),
      // no copy of the text to a thread and of the parse back. Files queued for the workers keep their turn.
      // Files coming in a burst (a cold start, a folder copied in) go to the workers, both cores at once.
      const now = performance.now();
      const alone = now - lastCallAt >= BURST_GAP_MS;
      lastCallAt = now;
      if (alone && !slowHere.has(file) && source.length <= INLINE_PARSE_MAX_CHARS && lanes.every((l) => (l as Lane).pending === 0)) {
        const inline = parsePlainHere(source, file, opts);
        // A plain file that still took long here (some path of the parse is slower than the fast reader) costs the
        // bot's thread that once: its next versions go to a worker, where the time limit holds.
        if (now + slowMs < performance.now()) slowHere.add(file);
        if (inline) return Promise.resolve(inline);
      }
      // An extra worker starts once files queue up, and takes files only once it is up: a worker start costs more
      // than a few parses, so a burst of edits stays on the first worker.
      let index = 0;
      for (let i = 1; i < lanes.length; i++) {
        const extra = lanes[i] as Lane;
        if (!extra.isUp()) {
          if ((lanes[0] as Lane).pending >= QUEUE_BEFORE_EXTRA_WORKER && extra.pending === 0) {
            extra.warm();
            clearTimeout(timers[i]);
            // Started but given nothing (the queue emptied meanwhile): stopped after a longer while.
            timers[i] = setTimeout(() => extra.rest(), 12 * EXTRA_WORKER_IDLE_MS);
            timers[i]?.unref();
          }
          continue;
        }
        if (extra.pending < (lanes[index] as Lane).pending) index = i;
      }
      const lane = lanes[index] as Lane;
      clearTimeout(timers[index]);
      return lane.parse(source, file, opts).finally(() => {
        if (lane.pending > 0) return;
        timers[index] = setTimeout(() => lane.rest(), index === 0 ? idleMs : EXTRA_WORKER_IDLE_MS);
        timers[index]?.unref();
      });
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(lanes.map((lane) => lane.close()));
    },
  };
}

/**
 * A run of spaces (tabs, NBSP, U+3000) within a line this long sends the file to a worker. The patterns found
 * quadratic in such a run (line ends, a trailing colon, a label line: 20,000 spaces held the bot's thread ~1.5 s)
 * are linear now; no digest is written so, and the worker's time limit bounds any such pattern left.
 */
const LONG_BLANK_RUN = 256;

/** Whether `text` has a run of {@link LONG_BLANK_RUN} blanks within a line; one pass (a regex retried every start). */
function hasLongBlankRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // What `\s` matches but a line break: ASCII blanks, NBSP, the Unicode spaces, U+3000, BOM.
    const blank = c === 32 || (c >= 9 && c <= 13 && c !== 10) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
    if (blank) {
      if (++run >= LONG_BLANK_RUN) return true;
    } else run = 0;
  }
  return false;
}

/** The outcome of a plain text parsed on this thread; `undefined` when the text needs the full parser (a worker). */
function parsePlainHere(source: string, file: string, options: ParseOptions | undefined): ParseOutcome | undefined {
  if (hasLongBlankRun(source)) return undefined;
  try {
    const parsed = parseDigestIfPlain(source, file, options);
    return parsed && { ok: true, parsed };
  } catch (err) {
    // The digest's own mistakes are told as the worker tells them; anything else is left to the worker to find.
    return err instanceof DigestParseError ? { ok: false, message: err.message } : undefined;
  }
}

/** One worker thread parsing one file at a time. */
function createLane(limit: number, youngGenerationMb: number): Lane {
  let worker: Worker | undefined;
  let ready: Promise<void> | undefined;
  /** The current worker has started and takes files. */
  let up = false;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const stop = (): void => {
    const w = worker;
    worker = undefined;
    ready = undefined;
    up = false;
    void w?.terminate();
  };

  const ensure = (): Promise<void> => {
    if (ready && worker) return ready;
    const w = startWorker(youngGenerationMb);
    w.unref();
    worker = w;
    // A worker that fails between files must not crash the bot (an 'error' event without a listener would).
    w.on("error", () => undefined);
    w.on("exit", () => {
      if (worker === w) {
        worker = undefined;
        ready = undefined;
        up = false;
      }
    });
    ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        if (worker === w) up = true;
        w.off("message", onMessage);
        w.off("error", reject);
        resolve();
      };
      w.on("message", onMessage);
      w.once("error", reject);
      // Stopped while starting (a close, a time limit): the file waiting for it must not wait for good.
      w.once("exit", () => reject(new Error("the parser stopped while starting")));
    });
    ready.catch(() => undefined);
    return ready;
  };

  const run = async (source: string, file: string, options: ParseOptions | undefined): Promise<ParseOutcome> => {
    if (closed) return { ok: false, message: `${file}: not parsed, the archive is closing` };
    try {
      await ensure();
    } catch (err) {
      stop();
      if (closed) return { ok: false, message: `${file}: not parsed, the archive is closing` };
      return { ok: false, message: `${file}: the parser could not start (${err instanceof Error ? err.message : String(err)})` };
    }
    const w = worker as Worker;
    const id = nextId++;
    return new Promise<ParseOutcome>((resolve) => {
      const done = (outcome: ParseOutcome): void => {
        clearTimeout(timer);
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        resolve(outcome);
      };
      const onMessage = (reply: ParseReply) => {
        if (reply.id !== id) return;
        done(reply.ok ? { ok: true, parsed: fromJson(reply.json) } : { ok: false, message: reply.typed ? reply.message : `${file}: ${reply.message}` });
      };
      const onError = (err: Error) => {
        stop();
        done({ ok: false, message: `${file}: ${err.message}` });
      };
      const onExit = () => {
        stop();
        done({ ok: false, message: `${file}: the parser stopped while reading this file; skipped` });
      };
      const timer = setTimeout(() => {
        stop();
        done({ ok: false, message: `${file}: parsing took longer than ${limit} ms; skipped` });
      }, limit);
      w.on("message", onMessage);
      w.once("error", onError);
      w.once("exit", onExit);
      w.postMessage({ id, source, file, ...(options ? { options } : {}) } satisfies ParseJob);
    });
  };

  const lane: Lane = {
    pending: 0,
    rest: () => stop(),
    isUp: () => up,
    warm() {
      if (!closed) ensure().catch(() => stop());
    },
    parse(source, file, options) {
      lane.pending++;
      const result = queue.then(() => run(source, file, options)).finally(() => void lane.pending--);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      // A stop must not wait for a slow file: the worker goes at once, and a parse in flight ends as failed.
      closed = true;
      stop();
      await queue;
    },
  };
  return lane;
}
