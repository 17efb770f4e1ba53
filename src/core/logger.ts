// Logging: one pino root logger, JSON by default, pretty on a terminal, tokens redacted wherever they appear.
import pino, { type Logger } from "pino";

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
  /** Secret strings (tokens) scrubbed from messages and serialized errors too. */
  secrets?: string[];
  /** Where JSON lines go; default stdout. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/** Replaces every occurrence of a secret in a string by "[redacted]". */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join("[redacted]");
  return out;
}

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
      log: (obj) => (secrets.length ? scrubFields(obj, secrets) : obj),
    },
  };
  if (pretty) {
    return pino({ ...base, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss" } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

function scrubFields(obj: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  const plain = Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? pino.stdSerializers.err(v) : v]),
  );
  return JSON.parse(scrubSecrets(JSON.stringify(plain), secrets)) as Record<string, unknown>;
}
