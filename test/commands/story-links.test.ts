// /story and /links through the console path, with exact content for known stories of the sample digest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./app-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const GLM_STORY = [
  "GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练",
  "模型与能力 · 2026-02-18 · 20260218-glm-5-dsa-rl-agent-m7vrh",
  "",
  "Zhipu 发布 GLM‑5 技术报告和 demo，社区测试显示在 WeirdML 等基准上表现强劲，接近甚至超过部分闭源模型。报告重点介绍 DSA 结构、异步强化学习基础设施以及针对 Agent 场景的 RL 算法。实测中也有开发者反馈：在某些 IDE/插件里表现不如宣传，推测与集成和推理栈有关。",
  "",
  "相关链接：",
  "- GLM‑5 技术报告 arXiv:2602.15763：https://arxiv.org/abs/2602.15763",
  "- GLM‑5 能力展示视频：https://www.youtube.com/watch?v=vtWMgVCMsx8",
  "- 社区基准与讨论（含 WeirdML 数据）：https://x.com/htihle/status/2023734346943775179",
].join("\n");

describe("/links", () => {
  it("lists the labelled links of the best match (ASCII hyphen finds GLM‑5)", async () => {
    const { reply, text } = await h.ask("/links glm-5");
    expect(reply).toEqual({
      type: "links",
      story: { id: "20260218-glm-5-dsa-rl-agent-m7vrh", date: "2026-02-18", section: "模型与能力", title: "GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练" },
      links: [
        { label: "GLM‑5 技术报告 arXiv:2602.15763", url: "https://arxiv.org/abs/2602.15763" },
        { label: "GLM‑5 能力展示视频", url: "https://www.youtube.com/watch?v=vtWMgVCMsx8" },
        { label: "社区基准与讨论（含 WeirdML 数据）", url: "https://x.com/htihle/status/2023734346943775179" },
      ],
    });
    expect(text).toBe(
      [
        "相关链接 · GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练",
        "模型与能力 · 2026-02-18 · 20260218-glm-5-dsa-rl-agent-m7vrh",
        "",
        "1. GLM‑5 技术报告 arXiv:2602.15763：https://arxiv.org/abs/2602.15763",
        "2. GLM‑5 能力展示视频：https://www.youtube.com/watch?v=vtWMgVCMsx8",
        "3. 社区基准与讨论（含 WeirdML 数据）：https://x.com/htihle/status/2023734346943775179",
      ].join("\n"),
    );
  });

  it("takes a story id as the query", async () => {
    const { reply } = await h.ask("/links 20260218-6-1");
    expect(reply).toMatchObject({
      type: "links",
      story: { id: "20260218-mistral-koyeb-z4y25", title: "Mistral 收购 Koyeb：自己造“推理云”，不再只卖模型" },
      links: [{ label: "官方收购公告推文", url: "https://x.com/yann_eu/status/2023777413742948736?s=20" }],
    });
  });
});

describe("/story", () => {
  it("shows the best match in full, with its links", async () => {
    const { reply, text } = await h.ask("/story glm-5");
    expect(text).toBe(GLM_STORY);
    expect(reply).toMatchObject({ type: "story", alsoMatching: [] });
  });

  it("takes an id as the query (same answer as the words)", async () => {
    expect((await h.ask("/story 20260218-1-3")).text).toBe(GLM_STORY);
  });

  it("lists the other close matches under “also matching”", async () => {
    const { reply, text } = await h.ask("/story sonnet 4.6");
    if (reply.type !== "story") throw new Error(text);
    const ids = [reply.story.id, ...reply.alsoMatching.map((hit) => hit.id)];
    // Both Sonnet 4.6 stories: the launch (1-1) and the tools rollout (5-1).
    expect(ids.slice(0, 2).sort()).toEqual(["20260218-anthropic-claude-sonnet-65waa", "20260218-sonnet-4-6-cursor-nw4xx"]);
    const other = reply.alsoMatching[0]!;
    expect(text).toContain(`\n\n其他匹配：\n- ${other.title}（${other.section} · 2026-02-18 · ${other.id}）`);
    expect(reply.alsoMatching.length).toBeLessThanOrEqual(5);
  });

  it("does not list weak matches as “also matching”", async () => {
    const { reply } = await h.ask("/story Mistral Koyeb");
    expect(reply).toMatchObject({ type: "story", story: { id: "20260218-mistral-koyeb-z4y25" }, alsoMatching: [] });
  });

  it("narrows to a date, given as a trailing or a named word", async () => {
    for (const line of ["/story qwen 02-18", "/story qwen 2026-02-18", "/story qwen date:today", "/story 2/18 qwen"]) {
      const { reply } = await h.ask(line);
      expect(reply).toMatchObject({ type: "story", story: { id: "20260218-qwen3-5-397b-a17b-397b-arxjr", date: "2026-02-18" } });
    }
  });
});
