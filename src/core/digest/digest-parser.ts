// Runs the digest parser for the archive: in a worker thread with a time limit per file, or inline (one-shot CLIs).
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { DigestParseError, type ParseOptions, type ParsedDigest, parseDigest } from "./parse-digest.js";

/** Longest a file may take to parse; a slower file is reported and skipped (its last good version kept). */
export const PARSE_TIME_LIMIT_MS = 5000;

/** What parsing one file gave: the digest, or a message ready to show (`file:line: …` or `file: …`). */
export type ParseOutcome = { ok: true; parsed: ParsedDigest } | { ok: false; message: string };

export interface DigestParser {
  /** `options` carry the file's mtime and time zone, for a file that names no date. */
  parse(source: string, file: string, options?: ParseOptions): Promise<ParseOutcome>;
  /** Gets ready in the background (starts the worker), so the first edit after a warm start does not wait for it. */
  warm?(): void;
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
  | { id: number; ok: true; parsed: ParsedDigest }
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
function startWorker(): Worker {
  const url = new URL(import.meta.url.endsWith(".ts") ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
  if (!url.pathname.endsWith(".ts")) return new Worker(url);
  const api = createRequire(import.meta.url).resolve("tsx/esm/api").replace(/index\.cjs$/, "index.mjs");
  const boot = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true });
}

export interface WorkerParserOptions {
  /** Default {@link PARSE_TIME_LIMIT_MS}; counted from when the worker starts on the file. */
  timeLimitMs?: number;
}

/**
 * Parses in one worker thread, one file at a time. A file that takes longer than the limit is answered with
 * `file: parsing took longer than N ms; skipped` and the worker is replaced (it may be stuck in a pathological
 * input); a worker that dies answers its file the same way. The worker never keeps the process alive.
 *
 * @example
 * const parser = createWorkerParser();
 * const outcome = await parser.parse(text, "data/digests/2026-02-18.md");
 * await parser.close();
 */
export function createWorkerParser(options: WorkerParserOptions = {}): DigestParser {
  const limit = options.timeLimitMs ?? PARSE_TIME_LIMIT_MS;
  let worker: Worker | undefined;
  let ready: Promise<void> | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const stop = (): void => {
    const w = worker;
    worker = undefined;
    ready = undefined;
    void w?.terminate();
  };

  const ensure = (): Promise<void> => {
    if (ready && worker) return ready;
    const w = startWorker();
    w.unref();
    worker = w;
    // A worker that fails between files must not crash the bot (an 'error' event without a listener would).
    w.on("error", () => undefined);
    w.on("exit", () => {
      if (worker === w) {
        worker = undefined;
        ready = undefined;
      }
    });
    ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        w.off("message", onMessage);
        w.off("error", reject);
        resolve();
      };
      w.on("message", onMessage);
      w.once("error", reject);
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
        done(reply.ok ? { ok: true, parsed: reply.parsed } : { ok: false, message: reply.typed ? reply.message : `${file}: ${reply.message}` });
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

  return {
    warm() {
      if (!closed) ensure().catch(() => stop());
    },
    parse(source, file, options) {
      const result = queue.then(() => run(source, file, options));
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
}
