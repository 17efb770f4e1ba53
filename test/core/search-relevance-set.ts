// The search relevance set: what users type, and the story they mean. Judged by test/core/search-relevance.test.ts and the benchmark.
import type { SearchOptions } from "../../src/core/search.js";

export interface RelevanceCase {
  query: string;
  /** The story the user means. */
  want: string;
  options?: SearchOptions;
  /** What kind of query it is, for reading failures. */
  kind: "han-word" | "latin-name" | "spelling" | "typo" | "traditional" | "mixed" | "filter";
}

/** Queries against test/fixtures/sample/2026-02-18.md, test/fixtures/digests/*.md and test/fixtures/search/*.md. */
export const RELEVANCE_SET: readonly RelevanceCase[] = [
  // Chinese words inside long runs of Han characters
  { kind: "han-word", query: "显存", want: "20260218-3-2" },
  { kind: "han-word", query: "封号 多 Agent 框架", want: "20260218-2-1" },
  { kind: "han-word", query: "密钥泄露", want: "20260218-7-3" },
  { kind: "han-word", query: "意见领袖", want: "20260218-4-2" },
  { kind: "han-word", query: "表示空间", want: "20260218-4-4" },
  { kind: "han-word", query: "无障碍", want: "20260218-2-4" },
  { kind: "han-word", query: "餐车", want: "20260218-5-5" },
  { kind: "han-word", query: "军方 红线", want: "20260218-6-3" },
  { kind: "han-word", query: "收购", want: "20260218-6-1" },
  { kind: "han-word", query: "听写", want: "20260218-5-3" },
  { kind: "han-word", query: "重建端点", want: "20260218-3-4" },
  { kind: "han-word", query: "旗子", want: "20260218-7-4" },
  // English and model names, in any spelling
  { kind: "spelling", query: "glm-5", want: "20260218-1-3" },
  { kind: "spelling", query: "GLM 5", want: "20260218-1-3" },
  { kind: "spelling", query: "glm5", want: "20260218-1-3" },
  { kind: "spelling", query: "qwen 3.5", want: "20260218-1-2" },
  { kind: "spelling", query: "Qwen3.5", want: "20260218-1-2" },
  { kind: "spelling", query: "qwen3.5-397b", want: "20260218-1-2" },
  { kind: "spelling", query: "CoDA-GQA-L", want: "20260218-3-2" },
  { kind: "spelling", query: "coda gqa", want: "20260218-3-2" },
  { kind: "spelling", query: "SEP-2007", want: "20260218-2-3" },
  { kind: "spelling", query: "grok4.20", want: "20260218-6-2" },
  { kind: "spelling", query: "gpt-6", want: "20260222-1-2" },
  { kind: "spelling", query: "llama5", want: "20260222-1-1" },
  { kind: "latin-name", query: "KV cache", want: "20260218-3-2" },
  // The launch story, not its follow-up "Sonnet 4.6 快速铺货" (which BM25 alone ranks first): introductions first.
  { kind: "latin-name", query: "sonnet", want: "20260218-1-1" },
  { kind: "latin-name", query: "Sonnet 4.6", want: "20260218-1-1" },
  { kind: "latin-name", query: "openclaw", want: "20260218-2-1" },
  { kind: "latin-name", query: "Sonnet 4.6 1M", want: "20260218-1-1" },
  { kind: "latin-name", query: "Sonnet 4.6 Cursor Windsurf", want: "20260218-5-1" },
  { kind: "latin-name", query: "MXFP4", want: "20260218-3-3" },
  { kind: "latin-name", query: "harness engineering", want: "20260218-2-2" },
  { kind: "latin-name", query: "DirectShell", want: "20260218-2-4" },
  { kind: "latin-name", query: "tiny aya", want: "20260218-1-4" },
  { kind: "latin-name", query: "Koyeb", want: "20260218-6-1" },
  { kind: "latin-name", query: "Waymo robotaxi", want: "20260218-6-4" },
  { kind: "latin-name", query: "every eval ever", want: "20260218-4-3" },
  { kind: "latin-name", query: "preventative steering", want: "20260218-4-4" },
  { kind: "latin-name", query: "manus telegram", want: "20260218-5-4" },
  { kind: "latin-name", query: "SWE-bench Verified", want: "20260218-1-1" },
  { kind: "latin-name", query: "Gemma 4", want: "20260219-1-1" },
  { kind: "latin-name", query: "LangGraph", want: "20260219-2-1" },
  { kind: "latin-name", query: "deepseek v4", want: "20260220-1-1" },
  { kind: "latin-name", query: "sparse attention", want: "20260221-1-1" },
  // Typos in Latin words
  { kind: "typo", query: "flashinfr", want: "20260218-3-1" },
  { kind: "typo", query: "sonet 铺货", want: "20260218-5-1" },
  { kind: "typo", query: "sonet", want: "20260218-1-1" },
  { kind: "typo", query: "moltbok", want: "20260218-4-2" },
  { kind: "typo", query: "directshel", want: "20260218-2-4" },
  { kind: "typo", query: "langchian", want: "20260218-2-2" },
  { kind: "typo", query: "blackwel 老卡", want: "20260218-3-3" },
  // Traditional characters, both ways
  { kind: "traditional", query: "開源 聽寫", want: "20260218-5-3" },
  { kind: "traditional", query: "語音客服 Studio Lite", want: "20260218-5-2" },
  { kind: "traditional", query: "暗網 拍賣", want: "20260218-7-2" },
  { kind: "traditional", query: "技術報告 異步 強化學習", want: "20260218-1-3" },
  { kind: "traditional", query: "越獄 數據集", want: "20260220-2-1" },
  { kind: "traditional", query: "开源 llama", want: "20260222-1-1" },
  { kind: "traditional", query: "内存带宽", want: "20260222-2-1" },
  // Mixtures
  { kind: "mixed", query: "阿里 开源 MoE", want: "20260218-1-2" },
  { kind: "mixed", query: "封号 OAuth 条款", want: "20260218-7-1" },
  { kind: "mixed", query: "语音客服 Robotaxi", want: "20260218-6-4" },
  { kind: "mixed", query: "kv缓存", want: "20260218-3-2" },
  { kind: "mixed", query: "OpenRouter 401 500", want: "20260218-3-4" },
  { kind: "mixed", query: "cybench 旗子 随机", want: "20260218-7-4" },
  { kind: "mixed", query: "kimi 开源", want: "20260220-1-2" },
  { kind: "mixed", query: "cohere 手机", want: "20260218-1-4" },
  // Filters
  { kind: "filter", query: "Sonnet 4.6", want: "20260218-5-1", options: { section: "产品" } },
  { kind: "filter", query: "封号", want: "20260218-7-1", options: { section: "安全" } },
  { kind: "filter", query: "开源", want: "20260220-1-2", options: { date: "2026-02-20" } },
  { kind: "filter", query: "agent framework", want: "20260219-2-1", options: { from: "2026-02-19", to: "2026-02-19", section: "tools" } },
];
