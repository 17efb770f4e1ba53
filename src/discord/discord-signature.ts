// Verifies Discord's Ed25519 signature (X-Signature-Ed25519 over timestamp + raw body) on HTTP interactions.
import { createPublicKey, verify, type KeyObject } from "node:crypto";

/** A request whose timestamp is further than this from our clock is refused (a replayed capture). */
export const DISCORD_SIGNATURE_MAX_AGE_S = 300;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/**
 * The application's public key (64 hex characters from the Developer Portal) as a node:crypto key.
 *
 * @example
 * const key = discordPublicKey(config.DISCORD_PUBLIC_KEY);
 */
export function discordPublicKey(hex: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, "hex")]), format: "der", type: "spki" });
}

/**
 * Why a request is not Discord's (undefined when it is): signature and timestamp headers present, the timestamp
 * within {@link DISCORD_SIGNATURE_MAX_AGE_S} of `nowS`, and the signature valid over `timestamp + body`.
 *
 * @example
 * const problem = signatureProblem(key, req.headers["x-signature-ed25519"], req.headers["x-signature-timestamp"], body);
 * if (problem) return { status: 401 };
 */
export function signatureProblem(
  key: KeyObject,
  signature: string | string[] | undefined,
  timestamp: string | string[] | undefined,
  body: Buffer,
  nowS = Date.now() / 1000,
): string | undefined {
  if (typeof signature !== "string" || !/^[0-9a-f]{128}$/i.test(signature)) return "missing or malformed X-Signature-Ed25519";
  if (typeof timestamp !== "string" || !/^\d{1,12}$/.test(timestamp)) return "missing or malformed X-Signature-Timestamp";
  if (Math.abs(nowS - Number(timestamp)) > DISCORD_SIGNATURE_MAX_AGE_S) return "stale X-Signature-Timestamp";
  const signed = Buffer.concat([Buffer.from(timestamp, "utf8"), body]);
  return verify(null, signed, key, Buffer.from(signature, "hex")) ? undefined : "bad signature";
}
