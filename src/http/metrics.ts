// Prometheus metrics of the bot (prom-client): delivery via the engine's observer, commands and search via wrappers.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DeliveryObserver, ObservedPart } from "../core/delivery/observer.js";

/** Buckets of command and search latency histograms, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface BotMetrics {
  readonly registry: Registry;
  /** Give to `createApp({ observer })`: counts sends, failures, retries, 429s, pending parts, last delivery times. */
  readonly observer: DeliveryObserver;
  /** Times one command; `platform` is where it came from. */
  timeCommand<T>(platform: string, command: string, run: () => Promise<T>): Promise<T>;
  /** Times one search query. */
  timeSearch<T>(run: () => T): T;
  /** A message edited in place (Telegram search pages). */
  countEdit(platform: string): void;
  /** Sets how many digests are loaded (read at each scrape). */
  setDigestsSource(count: () => number): void;
}

/**
 * Creates the metrics in their own registry (so tests and two bots in one process do not collide).
 *
 * @example
 * const metrics = createBotMetrics();
 * const app = await createApp({ config, logger, observer: metrics.observer });
 * res.end(await metrics.registry.metrics());
 */
export function createBotMetrics(): BotMetrics {
  const registry = new Registry();
  const sent = new Counter({ name: "digest_bot_messages_sent_total", help: "Delivery messages the platform accepted.", labelNames: ["platform"], registers: [registry] });
  const failed = new Counter({ name: "digest_bot_messages_failed_total", help: "Delivery sends that failed, by kind (transient, rate-limited, permanent).", labelNames: ["platform", "kind"], registers: [registry] });
  const retried = new Counter({ name: "digest_bot_messages_retried_total", help: "Delivery sends tried again after a failure.", labelNames: ["platform"], registers: [registry] });
  const rateLimited = new Counter({ name: "digest_bot_rate_limited_total", help: "429 answers to delivery sends.", labelNames: ["platform"], registers: [registry] });
  const edits = new Counter({ name: "digest_bot_message_edits_total", help: "Messages edited in place (search pages).", labelNames: ["platform"], registers: [registry] });
  const lastDelivery = new Gauge({ name: "digest_bot_last_delivery_timestamp_seconds", help: "Unix time of the last message delivered to a target.", labelNames: ["platform", "target"], registers: [registry] });
  const leaseHeld = new Gauge({ name: "digest_bot_sender_lease_held", help: "1 while this process holds the platform's sender lease (it is the one sending), else 0.", labelNames: ["platform"], registers: [registry] });
  const pendingParts = new Set<string>();
  const pendingByPlatform = () => {
    const counts = new Map<string, number>();
    for (const key of pendingParts) {
      const platform = key.split("\u0000")[0]!;
      counts.set(platform, (counts.get(platform) ?? 0) + 1);
    }
    return counts;
  };
  new Gauge({
    name: "digest_bot_pending_parts",
    help: "Delivery messages this process left pending (retried on a later tick).",
    labelNames: ["platform"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [platform, n] of pendingByPlatform()) this.set({ platform }, n);
    },
  });
  const commands = new Counter({ name: "digest_bot_commands_total", help: "Commands answered.", labelNames: ["platform", "command"], registers: [registry] });
  const commandSeconds = new Histogram({ name: "digest_bot_command_duration_seconds", help: "Time to answer a command.", labelNames: ["platform", "command"], buckets: LATENCY_BUCKETS, registers: [registry] });
  const searchSeconds = new Histogram({ name: "digest_bot_search_duration_seconds", help: "Time of one search query.", buckets: LATENCY_BUCKETS, registers: [registry] });
  let digests: () => number = () => 0;
  new Gauge({
    name: "digest_bot_digests_loaded",
    help: "Digests loaded from DIGEST_DIR.",
    registers: [registry],
    collect() {
      this.set(digests());
    },
  });

  // The target too: one run (a /repost to every chat) has the same part pending at several targets.
  const keyOf = (p: ObservedPart) => `${p.platform}\u0000${p.targetId}\u0000${p.runId}\u0000${p.partIndex}`;
  const observer: DeliveryObserver = {
    sent(part, at) {
      sent.inc({ platform: part.platform });
      lastDelivery.set({ platform: part.platform, target: part.targetId }, at.getTime() / 1000);
      pendingParts.delete(keyOf(part));
    },
    failed(part, kind) {
      failed.inc({ platform: part.platform, kind });
      if (kind === "rate-limited") rateLimited.inc({ platform: part.platform });
      if (kind === "permanent") pendingParts.delete(keyOf(part));
    },
    retried(part) {
      retried.inc({ platform: part.platform });
    },
    leftPending(part) {
      pendingParts.add(keyOf(part));
    },
    senderLease(platform, held) {
      leaseHeld.set({ platform }, held ? 1 : 0);
    },
  };

  return {
    registry,
    observer,
    async timeCommand(platform, command, run) {
      const end = commandSeconds.startTimer({ platform, command });
      try {
        return await run();
      } finally {
        end();
        commands.inc({ platform, command });
      }
    },
    timeSearch(run) {
      const end = searchSeconds.startTimer();
      try {
        return run();
      } finally {
        end();
      }
    },
    countEdit(platform) {
      edits.inc({ platform });
    },
    setDigestsSource(count) {
      digests = count;
    },
  };
}
