// Identifiers of runs and parts: run ids, per-part idempotency keys and payload hashes.
import { createHash, randomBytes } from "node:crypto";
import type { RunKind } from "./types.js";

/**
 * The idempotency key of one part: 25 hex chars (Discord's nonce limit, `[A-Za-z0-9]`), stable for (run, target, part),
 * so a re-send after a crash carries the same key.
 *
 * @example
 * idempotencyKey("r20260218-k3v9q2", "discord", "123", 0); // "9f0c…" (25 chars)
 */
export function idempotencyKey(runId: string, platform: string, targetId: string, partIndex: number): string {
  return createHash("sha256").update(`${runId}\u0000${platform}\u0000${targetId}\u0000${partIndex}`).digest("hex").slice(0, 25);
}

/** A fresh run id: `<kind initial><yyyymmdd of digest>-<random>`, e.g. `r20260218-k3v9q2`. */
export function newRunId(kind: RunKind, digestDate: string | undefined): string {
  return `${kind[0]}${(digestDate ?? "00000000").replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
}

/** Short hash of a planned payload, stored next to it. */
export function hashPayload(json: string): string {
  return createHash("sha256").update(json).digest("hex").slice(0, 16);
}
