// Starts a digest-bot child process for the kill -9 tests and waits for the line that says it got there.
import { spawn, type ChildProcess } from "node:child_process";

/** Starts a bot process; resolves once it printed `line`. */
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
    const timer = setTimeout(() => reject(new Error(`bot did not print ${line} within 30 s; stderr: ${err.slice(-2000)}`)), 30_000);
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
