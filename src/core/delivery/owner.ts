// Claim owners: each delivery engine sends under its own id, so two processes (the bot and `digest-bot deliver`) sharing one state file never send the same part.
import { randomBytes } from "node:crypto";
import type { StateDb } from "../state.js";

/** Engines of this process that are still running, with the database they use (closed = as good as dead). */
const local = new Map<string, StateDb>();

/**
 * A new owner id, `<pid>:<random>`, registered as live until `release()` (or until its database closes).
 *
 * @example
 * const owner = createOwner(state);
 * ledger.claim(part, owner.id, now); // … send …
 * owner.release(); // at stop
 */
export function createOwner(state: StateDb): { id: string; release(): void } {
  const id = `${process.pid}:${randomBytes(4).toString("hex")}`;
  local.set(id, state);
  return { id, release: () => void local.delete(id) };
}

/**
 * Whether the owner of a claim may still be sending: an engine of this process that has not stopped, or another
 * process that is still running. WAL needs every process on one host, so a pid check is meaningful.
 */
export function isOwnerLive(id: string): boolean {
  const pid = Number(id.split(":")[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return local.get(id)?.db.open === true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
