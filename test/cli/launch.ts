// Launches digest-bot (or npm) as a child process with a temporary DATA_DIR, for process-level tests.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");
export const FIXTURE_DIGESTS = join(ROOT, "test/fixtures/digests");

export interface Running {
  child: ChildProcessWithoutNullStreams;
  all: () => string;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; at: number }>;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
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
  return {
    child,
    all: () => out + err,
    out: () => out,
    err: () => err,
    exited,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(out + err).includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in output:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
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
