// Logging: one pino root logger, JSON by default, pretty on a terminal, tokens redacted wherever they appear.
import pino, { type Logger } from "pino";
import { scrubTokenLike } from "./safety/scrub.js";

export type { Logger } from "pino";

/** Field paths whose values are replaced by "[redacted]" in every log line. */
export const REDACTED_PATHS = [
  "token",
  "*.token",
  "config.DISCORD_TOKEN",
  "config.TELEGRAM_BOT_TOKEN",
  "DISCORD_TOKEN",
  "TELEGRAM_BOT_TOKEN",
  "headers.authorization",
  "*.headers.authorization",
];

export interface LoggerOptions {
  /** pino level; default "info". */
  level?: string;
  /** Pretty, human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
  /** File descriptor pretty output goes to: 1 (stdout, default) or 2 (stderr, for commands whose stdout is output). */
  prettyFd?: 1 | 2;
  /** Secret strings (tokens) scrubbed from messages and serialized errors too. */
  secrets?: string[];
  /** Where JSON lines go; default stdout. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/** Replaces every occurrence of a secret, and anything token-like, by "[redacted]": the one scrub (safety/scrub.ts). */
export const scrubSecrets: (text: string, secrets: readonly string[]) => string = scrubTokenLike;

/**
 * Creates the root logger. Pass children down: `logger.child({ module: "telegram" })`.
 *
 * @example
 * const logger = createLogger({ level: config.LOG_LEVEL, secrets: [config.DISCORD_TOKEN ?? ""] });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter(Boolean);
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base: pino.LoggerOptions = {
    level: options.level ?? "info",
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    hooks: {
      // URLs such as `https://api.telegram.org/bot<token>/…` end up in messages and errors; scrub them.
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? scrubSecrets(a, secrets) : a)) as Parameters<typeof method>,
        );
      },
    },
    formatters: {
      // Any field may carry a URL with a token in it (e.g. a failed request's address), errors included.
      // Token-like strings too, whether or not the secrets were passed (a proxy may echo an Authorization header).
      log: (obj) => scrubFields(obj, secrets),
    },
  };
  if (pretty) {
    return pino({ ...base, transport: {
        target: "pino-pretty",
        options: { colorize: true, translateTime: "SYS:HH:MM:ss", destination: options.prettyFd ?? 1 },
      }, });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

function scrubFields(obj: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    out[key] = value instanceof Error ? scrubError(value, secrets) : scrubValue(value, secrets);
  }
  return out;
}

function scrubValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return scrubSecrets(value, secrets);
  if (value === null || typeof value !== "object") return value;
  const json = safeJson(value);
  return json === undefined ? value : (JSON.parse(scrubSecrets(json, secrets)) as unknown);
}

/**
 * JSON that never throws: a logger must not turn a logged failure into a crash. Cycles (a client's request/response
 * objects) become "[Circular]", BigInts strings, anything else unserializable "[unserializable]".
 */
function safeJson(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v !== null && typeof v === "object") {
        if (seen.has(v)) return "[Circular]";
        seen.add(v);
      }
      return v;
    });
  } catch {
    return JSON.stringify("[unserializable]");
  }
}

/** A scrubbed copy that is still an instance of the same class, so pino's error serializer names its type. */
function scrubError(err: Error, secrets: readonly string[]): Error {
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error;
  for (const [key, value] of Object.entries(err)) (copy as unknown as Record<string, unknown>)[key] = scrubValue(value, secrets);
  Object.defineProperty(copy, "message", { value: scrubSecrets(err.message, secrets), enumerable: false });
  Object.defineProperty(copy, "stack", { value: err.stack && scrubSecrets(err.stack, secrets), enumerable: false });
  if (err.cause !== undefined) {
    const cause = err.cause instanceof Error ? scrubError(err.cause, secrets) : scrubValue(err.cause, secrets);
    Object.defineProperty(copy, "cause", { value: cause, enumerable: false });
  }
  return copy;
}
