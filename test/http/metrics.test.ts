// Delivery metrics through the engine's observer: sends, failures by kind, retries, 429s, pending parts, last delivery.
import { afterEach, describe, expect, it } from "vitest";
import { createDeliveryEngine } from "../../src/core/delivery/engine.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { createBotMetrics } from "../../src/http/metrics.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { digestOn, FakeClock, FAST_RETRY, harness, MemoryArchive, quietLogger, ScriptedPublisher } from "../core/delivery/helpers.js";
import { testBackends } from "../core/storage/backends.js";

const DAY = "2026-02-18";
let h: ReturnType<typeof harness>;
afterEach(async () => {
  // The pending-parts test builds no harness.
  if (h) await h.cleanup();
});

async function setup(backend: StorageDialect) {
  h = harness({ POST_CRON: "0 9 * * *", TELEGRAM_CHAT_IDS: "-1001" }, backend);
  const metrics = createBotMetrics();
  const archive = new MemoryArchive([digestOn(DAY)]);
  const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
  const storage = await h.open();
  const engine = createDeliveryEngine({ storage, archive, config: h.config, logger: quietLogger(), clock: clock.read, retry: FAST_RETRY, useCron: false, observer: metrics.observer });
  await engine.ready;
  const publisher = new ScriptedPublisher("telegram");
  engine.registerPublisher(publisher);
  const planned = publisher.planDailyPost(buildDailyPost(digestOn(DAY))).length;
  return { metrics, engine, clock, publisher, planned };
}

const line = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(name)) ?? `${name} (missing)`;

describe("pending parts", () => {
  it("count a run's part once per target it is pending at (a /repost to every chat), and each target's send clears its own", async () => {
    const { observer, registry } = createBotMetrics();
    const part = (targetId: string) => ({ platform: "telegram" as const, targetId, runId: "repost-1", partIndex: 0 });
    observer.leftPending!(part("-1001"));
    observer.leftPending!(part("-1002"));
    expect(line(await registry.metrics(), 'digest_bot_pending_parts{platform="telegram"}')).toBe('digest_bot_pending_parts{platform="telegram"} 2');
    observer.sent!(part("-1001"), new Date("2026-02-18T09:00:00Z"));
    expect(line(await registry.metrics(), 'digest_bot_pending_parts{platform="telegram"}')).toBe('digest_bot_pending_parts{platform="telegram"} 1');
  });
});

describe.each(testBackends())("delivery metrics, state on %s", (backend) => {
  it("count sent messages, failures by kind, retries and 429s, and the last delivery time per target", async () => {
    const { metrics, engine, clock, publisher, planned } = await setup(backend);
    publisher.script = [{ status: 500 }, { status: 429, retryAfterMs: 1 }];
    clock.set("2026-02-18T09:00:00Z");
    await engine.tick();
    const text = await metrics.registry.metrics();
    expect(line(text, 'digest_bot_messages_sent_total{platform="telegram"}')).toBe(`digest_bot_messages_sent_total{platform="telegram"} ${planned}`);
    expect(line(text, 'digest_bot_messages_failed_total{platform="telegram",kind="transient"}')).toMatch(/ 1$/);
    expect(line(text, 'digest_bot_messages_failed_total{platform="telegram",kind="rate-limited"}')).toMatch(/ 1$/);
    expect(line(text, 'digest_bot_rate_limited_total{platform="telegram"}')).toMatch(/ 1$/);
    expect(line(text, 'digest_bot_messages_retried_total{platform="telegram"}')).toMatch(/ 2$/);
    expect(line(text, 'digest_bot_last_delivery_timestamp_seconds{platform="telegram",target="-1001"}')).toBe(
      `digest_bot_last_delivery_timestamp_seconds{platform="telegram",target="-1001"} ${Date.parse("2026-02-18T09:00:00Z") / 1000}`,
    );
    expect(text).not.toContain('digest_bot_pending_parts{platform="telegram"}');
    await engine.stop();
  });

  it("show a part left pending by a lasting outage, and clear it once sent", async () => {
    const { metrics, engine, clock, publisher } = await setup(backend);
    publisher.script = [{ status: 500 }, { status: 500 }, { status: 500 }];
    clock.set("2026-02-18T09:00:00Z");
    await engine.tick();
    expect(line(await metrics.registry.metrics(), 'digest_bot_pending_parts{platform="telegram"}')).toBe('digest_bot_pending_parts{platform="telegram"} 1');
    clock.set("2026-02-18T09:01:00Z");
    await engine.tick();
    expect(await metrics.registry.metrics()).not.toContain('digest_bot_pending_parts{platform="telegram"}');
    await engine.stop();
  });
  it("say whether this process holds a platform's sender lease: 1 while its delivery job sends, 0 once it released it", async () => {
    const metrics = createBotMetrics();
    h = harness({ POST_CRON: "0 9 * * *", TELEGRAM_CHAT_IDS: "-1001" }, backend);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const storage = await h.open();
    const seen: string[] = [];
    const observer = { ...metrics.observer, senderLease: (platform: string, held: boolean) => { seen.push(`${platform} ${held}`); metrics.observer.senderLease!(platform, held); } };
    const engine = createDeliveryEngine({ storage, archive: new MemoryArchive([digestOn(DAY)]), config: h.config, logger: quietLogger(), clock: clock.read, retry: FAST_RETRY, useCron: false, observer });
    await engine.ready;
    let during = "";
    const publisher = new (class extends ScriptedPublisher {
      override async send(...args: Parameters<ScriptedPublisher["send"]>) {
        during ||= line(await metrics.registry.metrics(), 'digest_bot_sender_lease_held{platform="telegram"}');
        return super.send(...args);
      }
    })("telegram");
    engine.registerPublisher(publisher);
    clock.set("2026-02-18T09:00:00Z");
    await engine.tick();
    expect(during).toBe('digest_bot_sender_lease_held{platform="telegram"} 1');
    expect(seen).toEqual(["telegram true", "telegram false"]);
    expect(line(await metrics.registry.metrics(), 'digest_bot_sender_lease_held{platform="telegram"}')).toBe('digest_bot_sender_lease_held{platform="telegram"} 0');
  });
});
