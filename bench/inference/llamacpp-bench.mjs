// Times llama.cpp (through node-llama-cpp) the way `pith bench` times Pith: per repeat, an empty
// cache, one batch of P random prompt tokens (evaluateWithoutGeneratingNewTokens), then G tokens
// decoded one at a time after them, greedy. Prints one JSON object with the same keys as
// `pith bench --json`. Usage: node llamacpp-bench.mjs MODEL P G THREADS REPEATS
import { createRequire } from "node:module";
const require = createRequire(process.env.NODE_LLAMA_CPP_DIR ? process.env.NODE_LLAMA_CPP_DIR + "/" : import.meta.url);
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const [model, P = "512", G = "128", T = "2", R = "3"] = process.argv.slice(2);
const promptTokens = +P, genTokens = +G, threads = +T, repeats = +R;

const t0 = performance.now();
// maxThreads 0: the context's thread count is used exactly, never lowered.
const llama = await getLlama({ gpu: false, maxThreads: 0, logLevel: LlamaLogLevel.error });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
const ctx = await m.createContext({ contextSize: promptTokens + genTokens + 8, batchSize: promptTokens, threads });
const seq = ctx.getSequence();
const loadSeconds = (performance.now() - t0) / 1000;

const vocab = m.tokenizer ? m.fileInsights.tensorInfo?.find(t => t.name === "token_embd.weight")?.dimensions[1] ?? 32000 : 32000;
let s = 1;
const rand = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
const lo = vocab > 1000 ? 260 : 0, hi = Math.min(Number(vocab), 32000);
const prompt = Array.from({ length: promptTokens }, () => lo + Math.floor(rand() * (hi - lo)));
if (m.tokens.bos != null) prompt[0] = m.tokens.bos;

async function once() {
  await seq.clearHistory();
  const a = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  const b = performance.now();
  let n = 0;
  if (genTokens > 0) {
    for await (const tok of seq.evaluate([prompt[1]], { temperature: 0 })) {
      if (++n >= genTokens) break;
    }
  }
  const c = performance.now();
  return [promptTokens / ((b - a) / 1000), genTokens === 0 ? 0 : genTokens / ((c - b) / 1000)];
}

await once();
const pp = [], tg = [];
for (let i = 0; i < repeats; i++) {
  const [p, g] = await once();
  pp.push(p); tg.push(g);
}
const median = v => { const x = [...v].sort((a, b) => a - b); const k = x.length; return k % 2 ? x[(k - 1) / 2] : (x[k / 2 - 1] + x[k / 2]) / 2; };
let peak = 0;
try {
  const st = (await import("node:fs")).readFileSync("/proc/self/status", "utf8");
  peak = 1024 * +st.match(/VmHWM:\s+(\d+)/)[1];
} catch { /* not Linux */ }
console.log(JSON.stringify({
  model, threads: ctx.currentThreads ?? threads, prompt_tokens: promptTokens, gen_tokens: genTokens, repeats,
  prompt_tokens_per_second: median(pp), gen_tokens_per_second: median(tg), prompt_runs: pp, gen_runs: tg,
  load_seconds: loadSeconds, peak_rss_bytes: peak, flash_attention: ctx.flashAttention,
}));
await ctx.dispose(); await m.dispose(); await llama.dispose();
