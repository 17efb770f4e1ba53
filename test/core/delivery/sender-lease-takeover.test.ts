// Sender lease takeovers: from a holder whose process is gone on this host after the hand-over margin only; by an idle standby before one busy sending another platform.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { formatOwnerId } from "../../../src/core/delivery/owner.js";
import { createPacer } from "../../../src/core/delivery/pacing.js";
import { createSenderLease, type SenderLease } from "../../../src/core/delivery/sender-lease.js";
import { createDatabaseClock, readDatabaseTime } from "../../../src/core/storage/database-clock.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { guardMs } from "../../load-slack.js";
import { testBackends, useStoreOpeners } from "../storage/backends.js";
import { quietLogger } from "./helpers.js";

const { opener, onCleanup } = useStoreOpeners("digest-bot-takeover-");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (t: number) => new Date(t).toISOString();
const logger = quietLogger();

let leases: SenderLease[] = [];
afterEach(async () => {
  for (const l of leases) await l.stop();
  leases = [];
});

const clockOf = (s: Storage) => createDatabaseClock({ read: readDatabaseTime(s.db, s.dialect) });

describe.each(testBackends())("on %s", (backend) => {
  it("takes over from a holder on this host whose process is gone after the hand-over margin, not the hour its lease had left", async () => {
    const s = await opener(backend)();
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!; // exited: no such process any more
    const dead = formatOwnerId("dead0001", hostname(), deadPid, "1");
    const t = Date.now();
    expect((await s.senderLeases.claim("telegram", { owner: dead, now: iso(t), until: iso(t + 3_600_000) })).held).toBe(true);
    const lease = createSenderLease({ store: s.senderLeases, owner: "live0001@other-host:1:1", logger, clock: clockOf(s), handoverMs: 400, onTakeOver: () => {} });
    leases.push(lease);
    const pacer = lease.gate(createPacer({ limits: { telegram: { global: { count: 30, windowMs: 1000 }, target: () => [] } } }));
    const give = new AbortController();
    // A guard: only a takeover of the dead holder's hour-long lease gives a slot before it.
    const timer = setTimeout(() => give.abort(), guardMs(10_000));
    onCleanup(async () => clearTimeout(timer));
    const started = Date.now();
    // The first send slot after the takeover: the dead holder's last grant was before now, so the margin from now.
    const slot = await pacer.acquire("telegram", "-1", give.signal);
    expect(slot).not.toBe(false);
    if (slot) slot.done();
    // Not before the hand-over margin (the dead holder's grants may still be in flight).
    expect(Date.now() - started).toBeGreaterThanOrEqual(400 - 20);
    expect((await s.senderLeases.get("telegram"))?.holder).toBe("live0001@other-host:1:1");
  });

  /** A holder of another host killed -9: its lease on `platform` runs out at `until` and is never renewed. */
  const killedHolder = (s: Storage, until: number) =>
    s.senderLeases.claim("telegram", { owner: "dead@host-x:1:1", now: iso(Date.now()), until: iso(until) });
  const RENEW = 500;
  const standby = (s: Storage, owner: string, tookOver: { who: string; at: number }[]) => {
    const lease = createSenderLease({ store: s.senderLeases, owner, logger, clock: clockOf(s), ms: 3_000, renewMs: RENEW, handoverMs: 0, onTakeOver: () => tookOver.push({ who: owner, at: Date.now() }) });
    leases.push(lease);
    return lease;
  };

  it("a standby busy sending another platform leaves the takeover to an idle standby", async () => {
    const s = await opener(backend)();
    const tookOver: { who: string; at: number }[] = [];
    const busy = standby(s, "busy@host-b:2:2", tookOver);
    expect(await busy.ensure("discord")).toBe(true); // in the middle of a Discord broadcast
    busy.standBy("telegram");
    const start = Date.now();
    // Looks: the busy one at +500, +1000, +1500 …; the idle one at +750, +1250 …; the lease runs out at +900, so the
    // busy one is the first to find it free.
    await killedHolder(s, start + 900);
    await sleep(start + 250 - Date.now());
    standby(s, "idle@host-c:3:3", tookOver).standBy("telegram");
    for (let i = 0; i < 60 && tookOver.length === 0; i++) await sleep(50);
    await sleep(2 * RENEW);
    expect(tookOver.map((t) => t.who)).toEqual(["idle@host-c:3:3"]);
    expect((await s.senderLeases.get("telegram"))?.holder).toBe("idle@host-c:3:3");
  });

  it("with no idle standby, the busy one takes the lease over itself, not before one look after it found it free", async () => {
    const s = await opener(backend)();
    const tookOver: { who: string; at: number }[] = [];
    const expiresAt = Date.now() + 700;
    await killedHolder(s, expiresAt);
    const busy = standby(s, "busy@host-b:2:2", tookOver);
    expect(await busy.ensure("discord")).toBe(true);
    busy.standBy("telegram");
    for (const end = Date.now() + guardMs(4000); Date.now() < end && tookOver.length === 0; ) await sleep(50);
    expect(tookOver.map((t) => t.who)).toEqual(["busy@host-b:2:2"]);
    // The look that found it free left it to an idle standby; the busy one took it at a later look.
    expect(tookOver[0]!.at - expiresAt).toBeGreaterThanOrEqual(RENEW - 50);
  });
});
