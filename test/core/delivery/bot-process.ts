// Starts a digest-bot child process for the kill -9 tests and waits for the line that says it got there.
import { spawn, type ChildProcess } from "node:child_process";
import { guardMs } from "../../load-slack.js";

/** How long a child may take to get somewhere: a guard only, the waits end on the event (or when the child dies). */
export const CHILD_WAIT_MS = guardMs(45_000);

/** Starts a bot process; resolves once it printed `line`, rejects at once if it exits first. */
export function startBot(script: string, env: Record<string, string>, line: string, children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += String(d)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not print ${line} within ${CHILD_WAIT_MS} ms; stderr: ${err.slice(-2000)}`)), CHILD_WAIT_MS);
    child.stdout!.on("data", (d: Buffer) => {
      out += String(d);
      if (out.includes(line)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before ${line}; stderr: ${err.slice(-2000)}`));
    });
  });
}

/** `promise`, unless `child` exits before it settles: then rejects at once instead of waiting for its timeout. */
export function whileAlive<T>(child: ChildProcess, promise: Promise<T>): Promise<T> {
  const early = new Promise<never>((_, reject) => child.once("exit", (code, signal) => reject(new Error(`bot exited (${code ?? signal}) while waiting`))));
  early.catch(() => undefined);
  return Promise.race([promise, early]);
}
