// Which alert of a digest tells "…and N more": the last new one, else the one that told it, so a changed count edits that message and no other.
import { describe, expect, it } from "vitest";
import { capAlerts, type AlertCandidate } from "../../../src/core/delivery/alert-caps.js";

const candidate = (n: number): AlertCandidate => ({
  story: { id: `s${n}`, date: "2026-02-18", section: "S", title: `Story ${n}`, body: "", text: "", links: [] },
  query: "q",
  locale: "en",
});
const stories = (...ns: number[]) => ns.map(candidate);
const told = (result: ReturnType<typeof capAlerts>) => [
  ...result.alerts.filter((a) => a.alert.more).map((a) => [a.alert.story.id, a.alert.more?.count]),
  ...result.retold.map((r) => [r.storyId, r.more?.count ?? 0]),
];

describe("capAlerts", () => {
  it("with the cap's alerts recorded, the one that told the count tells the new one, wherever it is", () => {
    const recorded = [1, 2, 3, 4, 5].map((n) => ({ storyId: `s${n}`, more: n === 3 ? 2 : 0 }));
    const result = capAlerts(stories(1, 2, 3, 4, 5, 6, 7, 8), recorded, 5);
    expect(result.alerts.map((a) => [a.alert.story.id, a.recorded])).toEqual([1, 2, 3, 4, 5].map((n) => [`s${n}`, true]));
    expect(told(result)).toEqual([["s3", 3]]);
  });

  it("with none told yet, the last recorded tells it; one no watch matches any more can tell it too", () => {
    const recorded = [1, 2, 3, 4, 5].map((n) => ({ storyId: `s${n}`, more: 0 }));
    expect(told(capAlerts(stories(1, 2, 3, 4, 5, 6), recorded, 5))).toEqual([["s5", 1]]);
    // s5 was revised so that no watch matches it: it still tells the count, by an edit.
    expect(told(capAlerts(stories(1, 2, 3, 4, 6, 7), recorded, 5))).toEqual([["s5", 2]]);
  });

  it("a new alert (a place freed) takes the count over, and the one that told it before tells none", () => {
    const recorded = [1, 2, 3, 4].map((n) => ({ storyId: `s${n}`, more: n === 4 ? 2 : 0 }));
    const result = capAlerts(stories(1, 2, 3, 4, 5, 6, 7), recorded, 5);
    expect(result.alerts.filter((a) => !a.recorded).map((a) => a.alert.story.id)).toEqual(["s5"]);
    expect(told(result)).toEqual([["s5", 2]]);
    expect(result.alerts.find((a) => a.alert.story.id === "s4")?.alert.more).toBeUndefined();
  });
});
