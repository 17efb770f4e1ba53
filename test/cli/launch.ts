// Launches digest-bot (or npm) as a child process with a temporary DATA_DIR, for process-level tests.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardMs } from "../load-slack.js";

export const ROOT = join(import.meta.dirname, "../..");
export const FIXTURE_DIGESTS = join(ROOT, "test/fixtures/digests");

export interface Running {
  child: ChildProcessWithoutNullStreams;
  all: () => string;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; at: number }>;
  /** Resolves once the output contains `text`; rejects, with the output, if the process ends first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** `promise`, unless the process ends before it settles: then rejects at once with the output (no wait for its timeout). */
  during<T>(promise: Promise<T>): Promise<T>;
}

/** Cleanups to run after each test (the caller's afterEach runs them). */
export const cleanups: (() => unknown)[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-life-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function launch(command: string, args: string[], env: Record<string, string>): Running {
  const dataDir = tempDir();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DIGEST_BOT_ENV_FILE: "/dev/null", DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(dataDir, "state"), ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on("exit", (code) => resolve({ code, at: Date.now() })));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  // 'close', not 'exit': the output is complete then, so a last line is not mistaken for a missing one.
  let isClosed = false;
  const closed = new Promise<number | null>((resolve) =>
    child.once("close", (code) => {
      isClosed = true;
      resolve(code);
    }),
  );
  return {
    child,
    all: () => out + err,
    out: () => out,
    err: () => err,
    exited,
    waitFor(text, timeoutMs = 45_000) {
      timeoutMs = guardMs(timeoutMs);
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!(out + err).includes(text)) return false;
          finish();
          resolve();
          return true;
        };
        const fail = (why: string) => {
          finish();
          reject(new Error(`no "${text}" ${why}; output:\n${out}\n${err}`));
        };
        const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
        const onClose = (code: number | null) => check() || fail(`before the process ended (exit ${code ?? child.signalCode})`);
        const finish = () => {
          clearTimeout(timer);
          child.stdout.off("data", check);
          child.stderr.off("data", check);
          child.off("close", onClose);
        };
        if (check()) return;
        if (isClosed) return fail("(the process had ended)");
        child.stdout.on("data", check);
        child.stderr.on("data", check);
        child.once("close", onClose);
      });
    },
    during<T>(promise: Promise<T>) {
      const early = closed.then((code) => {
        throw new Error(`the process ended (exit ${code ?? child.signalCode}) while waiting; output:\n${out}\n${err}`);
      });
      early.catch(() => undefined);
      return Promise.race([promise, early]);
    },
  };
}

/** `digest-bot start` through bin/. */
export const startBot = (env: Record<string, string>) => launch(process.execPath, [join(ROOT, "bin/digest-bot.js"), "start"], env);

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
