// Link labels that name another site than their target are replaced by the target; honest labels are kept.
import { describe, expect, it } from "vitest";
import { displayLinkLabel, hostsNamedIn } from "../../../src/core/safety/link-label.js";

describe("displayLinkLabel", () => {
  it.each([
    ["https://good.example", "https://evil.example/x", "https://evil.example/x"],
    ["官网 good.example", "https://evil.example/b", "https://evil.example/b"],
    ["官网good.example", "https://evil.example/b", "https://evil.example/b"],
    ["see www.good.example/login", "https://evil.example/", "https://evil.example/"],
    ["good．example", "https://evil.example/", "https://evil.example/"],
    ["Login at 10.0.0.1", "https://evil.example/", "https://evil.example/"],
    ["gооgle.com", "https://google.com/", "https://google.com/"], // Cyrillic о: another host
    ["", "https://evil.example/a", "https://evil.example/a"],
    ["good\u200b.example", "https://evil.example/", "https://evil.example/"], // zero-width space inside the host
    ["good.\u00adexample", "https://evil.example/", "https://evil.example/"], // soft hyphen
    ["\u202eelpmaxe.doog", "https://evil.example/", "https://evil.example/"], // right-to-left override: reads good.example
    ["good。example", "https://evil.example/", "https://evil.example/"], // ideographic full stop
  ])("%j → %j shows the target", (label, url, shown) => {
    expect(displayLinkLabel(label, url)).toBe(shown);
  });

  it.each([
    ["GLM‑5 技术报告 arXiv:2602.15763", "https://arxiv.org/abs/2602.15763"],
    ["arxiv.org 论文", "https://arxiv.org/abs/1"],
    ["https://www.anthropic.com/news", "https://anthropic.com/news/claude"],
    ["github.com", "https://gist.github.com/x"],
    ["Node.js 22 release notes", "https://nodejs.org/en/blog"],
    ["Claude Sonnet 4.6", "https://www.anthropic.com/news/claude-sonnet-4-6"],
    ["Qwen3.5 技术报告", "https://qwenlm.github.io/blog/qwen3.5/"],
    ["发布于 GitHub。详情见官网", "https://github.com/x"],
    ["OpenAI。Sora 上线", "https://openai.com/sora"],
  ])("%j stays for %j", (label, url) => {
    expect(displayLinkLabel(label, url)).toBe(label);
  });

  it("reads the hosts a label names", () => {
    expect(hostsNamedIn("mirror: https://A.Example/x and b.example")).toEqual(["a.example", "b.example"]);
  });
});
