// Claim owners: each delivery engine sends under an id that survives PID reuse (instance + host + pid + start time), with a lease.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Storage } from "../storage/types.js";
import { isProcessRunning, processStartTime } from "../process-alive.js";

/** How long a claim holds without renewal; a part whose owner died is taken over after this. */
export const LEASE_MS = 60_000;
/** How often a send in progress renews its lease (well inside LEASE_MS, so one slow write does not lose it). */
export const LEASE_RENEW_MS = 20_000;

/** Engines of this process that are still running, with the store they use (closed = as good as dead). */
const local = new Map<string, Storage>();

const OWNER = /^([0-9a-f]+)@(.+):(\d+):(\d*)$/;

/** An owner id: `<instance>@<hostname>:<pid>:<start time>`, e.g. `3f9a0c1b@bot-1:4242:987654`. */
export function formatOwnerId(instance: string, host: string, pid: number, start: string | undefined): string {
  return `${instance}@${host}:${pid}:${start ?? ""}`;
}

/**
 * A new owner id for one engine, registered as live until `release()` (or until its store closes).
 *
 * @example
 * const owner = createOwner(storage);
 * await storage.leases.claim(part, seen, { owner: owner.id, now, leaseUntil }); // … send …
 * owner.release(); // at stop
 */
export function createOwner(storage: Storage): { id: string; release(): void } {
  const id = formatOwnerId(randomBytes(4).toString("hex"), hostname(), process.pid, processStartTime(process.pid));
  local.set(id, storage);
  return { id, release: () => void local.delete(id) };
}

/** What is known about the owner of a claim. */
export type OwnerVerdict =
  /** Its lease has not run out and it may still be sending: leave the part to it. */
  | "live"
  /** Its lease ran out: take the part over. */
  | "expired"
  /** Provably gone before its lease ran out (an engine of this process that stopped, or a process of this host that no longer runs): take over now. */
  | "gone";

/**
 * Judges the claim on an in-flight part. The lease decides, except where this host can prove the owner gone: an
 * engine of this process that stopped, or a pid on this host that is not running or now belongs to a process that
 * started at another time (a reused pid). Claims of other hosts (PostgreSQL) are judged by their lease alone.
 */
export function judgeOwner(owner: string, leaseExpiresAt: string | undefined, now: string): OwnerVerdict {
  if (leaseExpiresAt === undefined || leaseExpiresAt <= now) return "expired";
  const m = OWNER.exec(owner);
  if (!m) return "live";
  const [, , host, pidText, start] = m;
  if (host !== hostname()) return "live";
  const pid = Number(pidText);
  if (pid === process.pid) {
    const storage = local.get(owner);
    return storage && !storage.closed ? "live" : "gone";
  }
  const running = processStartTime(pid);
  if (running === undefined) return isProcessRunning(pid) ? "live" : "gone";
  return start !== "" && running !== start ? "gone" : "live";
}

