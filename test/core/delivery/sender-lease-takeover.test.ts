// Sender lease takeovers: from a holder whose process is gone on this host after the hand-over margin only.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { formatOwnerId } from "../../../src/core/delivery/owner.js";
import { createPacer } from "../../../src/core/delivery/pacing.js";
import { createSenderLease, type SenderLease } from "../../../src/core/delivery/sender-lease.js";
import { createDatabaseClock, readDatabaseTime } from "../../../src/core/storage/database-clock.js";
import type { Storage } from "../../../src/core/storage/types.js";
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
  it("takes over from a holder on this host whose process is gone after the hand-over margin, not the 15 s its lease had left", async () => {
    const s = await opener(backend)();
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!; // exited: no such process any more
    const dead = formatOwnerId("dead0001", hostname(), deadPid, "1");
    const t = Date.now();
    expect((await s.senderLeases.claim("telegram", { owner: dead, now: iso(t), until: iso(t + 15_000) })).held).toBe(true);
    const lease = createSenderLease({ store: s.senderLeases, owner: "live0001@other-host:1:1", logger, clock: clockOf(s), handoverMs: 400, onTakeOver: () => {} });
    leases.push(lease);
    const pacer = lease.gate(createPacer({ limits: { telegram: { global: { count: 30, windowMs: 1000 }, target: () => [] } }, marginMs: 0 }));
    const give = new AbortController();
    const timer = setTimeout(() => give.abort(), 5_000);
    onCleanup(async () => clearTimeout(timer));
    const started = Date.now();
    // The first send slot after the takeover: the dead holder's last grant was before now, so the margin from now.
    expect(await pacer.acquire("telegram", "-1", give.signal)).toBe(true);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(400 - 20);
    expect(waited).toBeLessThan(5_000);
    expect((await s.senderLeases.get("telegram"))?.holder).toBe("live0001@other-host:1:1");
  });
});
