// Stable story ids: the same story keeps its id across revisions; new stories get ids from their content.
import { describe, expect, it } from "vitest";
import { parseDigest } from "../../../src/core/digest/parse-digest.js";
import { assignStoryIds, type DateIds, freshStoryId } from "../../../src/core/digest/story-ids.js";
import { parseStoryId, StoryIdSchema, storyIdDate } from "../../../src/core/digest/model.js";

interface S {
  title: string;
  body?: string;
  link?: string;
}

function digestOf(...sections: S[][]) {
  const text = sections
    .map((stories, i) => `## Section ${i + 1}\n\n` + stories.map((s) => `### ${s.title}\n\n${s.body ?? `About ${s.title}.`}\n${s.link ? `\n链接：[source](${s.link})\n` : ""}`).join("\n"))
    .join("\n");
  return parseDigest(text, "/d/2026-02-18.md").digest;
}

const idsByTitle = (digest: ReturnType<typeof digestOf>) => Object.fromEntries(digest.sections.flatMap((s) => s.stories.map((st) => [st.title, st.id])));

const A = { title: "OpenAI ships GPT-5.5", body: "OpenAI released GPT-5.5 with a longer context window and lower prices." };
const B = { title: "Anthropic 推出 Claude Sonnet 4.6", body: "Anthropic 发布 Sonnet 4.6，支持 1M 上下文。", link: "https://anthropic.com/news/sonnet" };
const C = { title: "GLM‑5 技术报告", body: "智谱发布 GLM-5 技术报告，强调 DSA 与异步 RL。" };

function revise(first: ReturnType<typeof digestOf>, next: ReturnType<typeof digestOf>) {
  const one = assignStoryIds(first, undefined);
  const two = assignStoryIds(next, one.ids);
  return { before: idsByTitle(one.digest), after: idsByTitle(two.digest), ids: two.ids, one };
}

describe("story ids", () => {
  it("are readable, content-derived, valid Telegram start payloads and never look like position ids", () => {
    const { digest } = assignStoryIds(digestOf([A, B, C]), undefined);
    const ids = digest.sections[0]!.stories.map((s) => s.id);
    expect(ids[0]).toMatch(/^20260218-openai-ships-gpt-5-5-[0-9a-z]{5}$/);
    expect(ids[1]).toMatch(/^20260218-anthropic-claude-sonnet-[0-9a-z]{5}$/); // slug cut at 24 characters, between words
    expect(ids[2]).toMatch(/^20260218-glm-5-[0-9a-z]{5}$/);
    for (const id of ids) {
      expect(StoryIdSchema.safeParse(id).success).toBe(true);
      expect(parseStoryId(id)).toBeUndefined();
      expect(storyIdDate(id)).toBe("2026-02-18");
    }
    // The same content gives the same id in another process, or after the id files were lost.
    expect(freshStoryId("2026-02-18", A.title)).toBe(ids[0]);
    // Only digits in the title: the id still cannot be read as a position.
    expect(parseStoryId(freshStoryId("2026-02-18", "2026"))).toBeUndefined();
    expect(freshStoryId("2026-02-18", "很长的中文标题".repeat(20)).length).toBeLessThanOrEqual(64);
  });

  it("keep naming the same stories when a story is inserted at the top", () => {
    const { before, after } = revise(digestOf([A, B]), digestOf([C, A, B]));
    expect(after[A.title]).toBe(before[A.title]);
    expect(after[B.title]).toBe(before[B.title]);
    expect(after[C.title]).toBe(freshStoryId("2026-02-18", C.title));
  });

  it("keep naming the same stories when one is removed, and remember the removed one", () => {
    const { before, after, ids } = revise(digestOf([A, B, C]), digestOf([A, C]));
    expect(after).toEqual({ [A.title]: before[A.title], [C.title]: before[C.title] });
    expect(ids.stories.get(before[B.title]!)).toMatchObject({ title: B.title, removed: true });
  });

  it("follow stories reordered across sections", () => {
    const { before, after } = revise(digestOf([A, B], [C]), digestOf([C], [B, A]));
    expect(after).toEqual(before);
  });

  it("survive a typo fix in a title, and a reworded title over the same body and link", () => {
    const fixed = { ...C, title: "GLM‑5 技术报吿" };
    const reworded = { ...B, title: "Sonnet 4.6 发布：更长上下文" };
    const { before, after } = revise(digestOf([A, B, C]), digestOf([A, reworded, fixed]));
    expect(after[fixed.title]).toBe(before[C.title]);
    expect(after[reworded.title]).toBe(before[B.title]);
  });

  it("give a different story a new id even in the same place", () => {
    const other = { title: "Mistral 收购 Koyeb", body: "Mistral 收购云平台 Koyeb，补齐推理部署能力。" };
    const { before, after } = revise(digestOf([A, B]), digestOf([A, other]));
    expect(after[other.title]).not.toBe(before[B.title]);
  });

  it("tell two stories with the same title apart, and keep each across a revision", () => {
    const twin = { ...A, body: "A second story under the same title." };
    const { after } = revise(digestOf([A, twin]), digestOf([B, A, twin]));
    const one = assignStoryIds(digestOf([A, twin]), undefined).digest.sections[0]!.stories.map((s) => s.id);
    expect(one[1]).toBe(`${one[0]}-2`);
    expect(after[A.title]).toBe(one[1]);
  });

  it("map the first-seen positions to ids, for position ids in posts sent before, including positions from 1000 up", () => {
    // Built directly (parsing 1,000 stories twice would only slow the test down).
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `20260218-1-${i + 1}`, title: `Story number ${i + 1}`, body: `Body ${i + 1}.`, text: `Body ${i + 1}.`, links: [] }));
    const big = (stories: typeof many) => ({ date: "2026-02-18", sections: [{ title: "Everything", stories }] });
    const first = assignStoryIds(big(many), undefined);
    const last = first.digest.sections[0]!.stories[1000]!;
    expect(first.ids.positions.get("1-1001")).toBe(last.id);
    // A story inserted at the top moves everything down; the first-seen positions stay where they were.
    const second = assignStoryIds(big([{ id: "x", title: A.title, body: A.body, text: A.body, links: [] }, ...many]), first.ids);
    expect(second.ids.positions.get("1-1001")).toBe(last.id);
    expect(second.ids.positions.get("1-1002")).toBe(last.id);
    expect(second.digest.sections[0]!.stories[1001]!.id).toBe(last.id);
    expect(parseStoryId("20260218-1-1001")).toEqual({ date: "2026-02-18", sectionIndex: 0, storyIndex: 1000 });
  });

  it("stay exactly as they were when a date is given its ids again unchanged (every restart), whatever its history", () => {
    const revisions = [digestOf([A, B], [C]), digestOf([C, A], [B]), digestOf([A], [B]), digestOf([B, A], [C, { title: A.title, body: "Another body." }])];
    let ids: DateIds | undefined;
    for (const revision of revisions) {
      const assigned = assignStoryIds(revision, ids);
      const again = assignStoryIds(revision, assigned.ids);
      expect(idsByTitle(again.digest)).toEqual(idsByTitle(assigned.digest));
      expect(again.digest.sections.map((s) => s.stories.map((st) => st.id))).toEqual(assigned.digest.sections.map((s) => s.stories.map((st) => st.id)));
      expect(again.ids).toEqual(assigned.ids);
      ids = again.ids;
    }
  });

  it("give a removed story its id back when it returns", () => {
    const { one } = revise(digestOf([A, B]), digestOf([A]));
    const removed: DateIds = assignStoryIds(digestOf([A]), one.ids).ids;
    const back = assignStoryIds(digestOf([A, B]), removed);
    expect(idsByTitle(back.digest)[B.title]).toBe(idsByTitle(one.digest)[B.title]);
    expect(back.ids.stories.get(idsByTitle(one.digest)[B.title]!)?.removed).toBeUndefined();
  });
});
