// Signal-to-exit times of the bot's process, net of the scheduler, for the "exit 0 within 3 s of SIGTERM" rule.
//
// On a loaded machine every process answers a signal late (at load 25 a node process can wait seconds for the CPU),
// so the bot's time is held against that of a no-op child signalled at the same instant: what is left is the stop's
// own work, which is what the 3 s budget is about.
import { spawn } from "node:child_process";
import { cleanups, type Running } from "./launch.js";

/** The stop budget of the guide: SIGINT/SIGTERM → exit 0 within 3 s. */
export const STOP_BUDGET_MS = 3000;

export interface StopTiming {
  code: number | null;
  /** From the signal to the bot's exit. */
  ms: number;
  /** From the same signal to a no-op node child's exit: the scheduler's share. */
  schedulerMs: number;
}

/** A node process that only waits for a signal and exits 0 on it, once it listens. */
async function startNoOp() {
  const child = spawn(process.execPath, [
    "-e",
    `for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => process.exit(0)); setInterval(() => {}, 1e9); process.stdout.write("ready\\n");`,
  ]);
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the no-op child exited (${code}) before it was ready`)));
  });
  return child;
}

/** Sends `signal` to the bot and to a no-op child at once; how long each took to exit. */
export async function timedStop(bot: Running, signal: NodeJS.Signals = "SIGTERM"): Promise<StopTiming> {
  const noOp = await startNoOp();
  const noOpExited = new Promise<number>((resolve) => noOp.once("exit", () => resolve(Date.now())));
  const sent = Date.now();
  bot.child.kill(signal);
  noOp.kill(signal);
  const [{ code, at }, noOpAt] = await Promise.all([bot.exited, noOpExited]);
  return { code, ms: at - sent, schedulerMs: noOpAt - sent };
}

/** The stop's own time: the bot's signal-to-exit time less the no-op child's. */
export const ownStopMs = (t: StopTiming): number => t.ms - t.schedulerMs;
