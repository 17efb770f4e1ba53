// Content hash of a digest as the archive holds it (stable ids included): what the saved search index is keyed on.
import { createHash } from "node:crypto";
import type { Digest } from "./model.js";

/** Digests are immutable once loaded (a reload swaps in a new object), so their hashes can be kept. */
const hashes = new WeakMap<Digest, string>();

/** Content hash of one digest: any edit, or a parser change that alters the parsed form, changes it. */
export function digestHash(digest: Digest): string {
  let hash = hashes.get(digest);
  if (hash === undefined) {
    hash = createHash("sha256").update(JSON.stringify(digest)).digest("base64url");
    hashes.set(digest, hash);
  }
  return hash;
}

/**
 * Records the hash of a digest whose stories are not loaded yet (built from its outline, see `digest-outline.ts`):
 * the hash was computed from the very same content when the outline was saved, and hashing now would load them.
 */
export function knowDigestHash(digest: Digest, hash: string): void {
  hashes.set(digest, hash);
}
