#!/usr/bin/env node
// The llama.cpp reference ("oracle") that Pith's parity tests compare against.
// It drives the prebuilt llama.cpp shipped in the npm package node-llama-cpp@3.21.1, CPU only,
// and prints ONE JSON object on stdout (logs go to stderr). See README.md for the method.
//
//   node llamacpp.mjs tokenize   --model M --text T [--bos] [--special]   (or --texts-json '["a","b"]')
//   node llamacpp.mjs generate   --model M --prompt P --max-tokens N
//   node llamacpp.mjs logits     --model M --prompt P --top K
//     (both: --ids 1,2,3 instead of --prompt evaluates those token ids verbatim; --prompts-json
//      '["a","b"]' answers several prompts at once as {"results":[...]})
//   node llamacpp.mjs perplexity --model M --file F --ctx N [--chunks C] [--parallel S]
//   node llamacpp.mjs version
// common options: --threads T (default 2)  --kv-type f16|f32 (default f16, llama.cpp's default)
//                 --flash-attn auto|on|off (default auto, llama.cpp's default)
import { readFileSync } from "node:fs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const USAGE = "usage: llamacpp.mjs tokenize|generate|logits|perplexity --model M [options] (see README.md)";

function parseArgs(argv) {
    const [command, ...rest] = argv;
    const opts = {};
    const flags = new Set(["bos", "special"]);
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument '${a}'`);
        const key = a.slice(2);
        if (flags.has(key)) { opts[key] = true; continue; }
        if (i + 1 >= rest.length) throw new Error(`option ${a} needs a value`);
        opts[key] = rest[++i];
    }
    return { command, opts };
}

function intOpt(opts, key, fallback) {
    if (opts[key] === undefined) {
        if (fallback === undefined) throw new Error(`missing --${key}`);
        return fallback;
    }
    const v = Number(opts[key]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${key} must be a non-negative integer, got '${opts[key]}'`);
    return v;
}

function need(opts, key) {
    if (opts[key] === undefined) throw new Error(`missing --${key}`);
    return opts[key];
}

/** Loads the model on the CPU with llama.cpp's defaults except where a flag says otherwise. */
async function load(opts) {
    const threads = intOpt(opts, "threads", 2);
    const llama = await getLlama({
        gpu: false,
        build: "never",            // only the prebuilt binary from @node-llama-cpp/linux-x64, never a local compile
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        maxThreads: threads,
        logLevel: process.env.ORACLE_DEBUG ? LlamaLogLevel.debug : LlamaLogLevel.error,
        logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message}${message.endsWith("\n") ? "" : "\n"}`),
    });
    const model = await llama.loadModel({ modelPath: need(opts, "model"), gpuLayers: 0 });
    return { llama, model, threads };
}

/** A context of exactly `size` cells whose batch covers the whole window, so a prompt or chunk is one llama_decode. */
async function context(model, opts, size, threads, sequences = 1) {
    const kv = (opts["kv-type"] ?? "f16").toUpperCase();
    if (kv !== "F16" && kv !== "F32") throw new Error(`--kv-type must be f16 or f32, got '${opts["kv-type"]}'`);
    const fa = opts["flash-attn"] ?? "auto";
    if (!["auto", "on", "off"].includes(fa)) throw new Error(`--flash-attn must be auto, on or off, got '${fa}'`);
    return model.createContext({
        contextSize: size,
        batchSize: size * sequences,
        sequences,
        threads: { ideal: threads, min: threads },
        flashAttention: fa === "auto" ? "auto" : fa === "on",
        experimentalKvCacheKeyType: kv,
        experimentalKvCacheValueType: kv,
        failedCreationRemedy: false,
        // --lora FILE: a GGUF LoRA adapter applied unmerged at scale 1 (llama.cpp's --lora)
        ...(opts.lora ? { lora: { adapters: [{ filePath: opts.lora, scale: 1 }] } } : {}),
    });
}

/** Token ids of `text` as llama.cpp's common_tokenize(text, add_special = bos, parse_special = special). */
function tokenize(model, text, { bos, special }) {
    // node-llama-cpp's tokenize() is common_tokenize(..., add_special=false, ...). For llama.cpp's
    // SPM and BPE vocabularies add_special only adds BOS in front (and EOS at the end when the vocab
    // asks for it); the SPM space prefix is added either way. So prepend/append them here.
    const ids = model.tokenize(text, special);
    if (bos) {
        if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) ids.unshift(model.tokens.bos);
        if (model.tokens.shouldAppendEosToken && model.tokens.eos != null) ids.push(model.tokens.eos);
    }
    return ids;
}

/** Next-token probabilities (softmax of the raw logits, float32, all vocab entries) after `ids`. */
async function nextProbabilities(sequence, ids, sampleOptions) {
    await sequence.clearHistory();
    const input = ids.map((t, i) => i === ids.length - 1
        ? [t, { generateNext: { probabilities: true, options: { temperature: 0, ...sampleOptions } } }]
        : t);
    const out = await sequence.controlledEvaluate(input);
    return out[ids.length - 1].next.probabilities;
}

/**
 * Raw logits of the next token. node-llama-cpp hands JS only softmax(logits) (computed in C++
 * from the raw logits: expf(l - max) / sum), which fixes the logits up to one unknown additive
 * constant C = the top logit. llama.cpp's repeat penalty is not shift-invariant (a logit l > 0
 * becomes l / P, l <= 0 becomes l * P), so a second pass with every token but the top one
 * penalised gives, per token, an equation f(C + d_i) - C = d'_i in the one unknown C. Each token
 * yields two candidate C values (one per sign branch); the true C is the one shared by all tokens.
 */
async function rawLogits(sequence, ids, nVocab) {
    const base = await nextProbabilities(sequence, ids, {});
    if (base.size !== nVocab) throw new Error(`expected ${nVocab} probabilities, got ${base.size}`);
    const top = base.keys().next().value;
    const lnTop = Math.log(base.get(top));
    const d = new Map();
    for (const [id, p] of base) d.set(id, Math.log(p) - lnTop);

    const P = Number(process.env.ORACLE_PENALTY ?? 2);
    const others = [...base.keys()].filter(id => id !== top);
    const pen = await nextProbabilities(sequence, ids, {
        repeatPenalty: { punishTokens: others, penalty: P, maxPunishTokens: others.length, frequencyPenalty: 0, presencePenalty: 0 },
    });
    const lnTopPen = Math.log(pen.get(top));
    const candidates = [];
    for (const id of others) {
        const di = d.get(id), dp = Math.log(pen.get(id)) - lnTopPen;
        if (!Number.isFinite(di) || !Number.isFinite(dp)) continue;
        candidates.push((dp - di / P) / (1 / P - 1));   // branch C + d_i > 0
        candidates.push((dp - di * P) / (P - 1));       // branch C + d_i <= 0
    }
    const C = consensus(candidates);
    const logits = new Map();
    for (const [id, di] of d) logits.set(id, C + di);
    return logits;
}

/** The value most candidates agree on (within 1e-4): the median of the densest cluster. */
function consensus(values) {
    const v = values.slice().sort((a, b) => a - b);
    let best = [0, 0];
    for (let i = 0, j = 0; i < v.length; i++) {
        while (v[i] - v[j] > 1e-4) j++;
        if (i - j > best[1] - best[0]) best = [j, i];
    }
    const cluster = v.slice(best[0], best[1] + 1);
    if (process.env.ORACLE_DEBUG) process.stderr.write(`logit offset: ${cluster.length} of ${values.length} candidates agree, spread ${cluster[cluster.length - 1] - cluster[0]}\n`);
    if (cluster.length < Math.min(8, values.length / 4))
        throw new Error(`could not recover the logit offset (largest agreeing group: ${cluster.length} of ${values.length})`);
    return cluster[cluster.length >> 1];
}

async function cmdTokenize(model, opts) {
    const flags = { bos: !!opts.bos, special: !!opts.special };
    if (opts["texts-json"] !== undefined) {   // several texts at once: {"results":[{"ids":[...]}, ...]}
        const list = JSON.parse(opts["texts-json"]);
        if (!Array.isArray(list) || !list.every(t => typeof t === "string")) throw new Error("--texts-json must be a JSON array of strings");
        return { results: list.map(t => ({ ids: tokenize(model, t, flags) })) };
    }
    return { ids: tokenize(model, need(opts, "text"), flags) };
}

/** The prompts of a command: --prompt P, or several as --prompts-json '["a","b"]' (answered as {"results":[...]}). */
function prompts(opts) {
    if (opts["prompts-json"] !== undefined) {
        const list = JSON.parse(opts["prompts-json"]);
        if (!Array.isArray(list) || !list.every(p => typeof p === "string")) throw new Error("--prompts-json must be a JSON array of strings");
        return { list, batch: true };
    }
    return { list: [need(opts, "prompt")], batch: false };
}

/** Token ids to start from: --ids 1,2,3 verbatim, else the prompt tokenized as llama.cpp does (BOS first). */
function promptIds(model, opts, prompt) {
    if (opts.ids !== undefined) return opts.ids.split(",").filter(x => x !== "").map(x => {
        const v = Number(x);
        if (!Number.isInteger(v) || v < 0) throw new Error(`--ids holds '${x}', not a token id`);
        return v;
    });
    return tokenize(model, prompt, { bos: true, special: true });   // as llama-simple / llama-cli: add_special and parse_special
}

async function cmdGenerate(model, opts, threads) {
    const maxTokens = intOpt(opts, "max-tokens");
    const ctxSize = intOpt(opts, "ctx", model.trainContextSize);
    const ctx = await context(model, opts, ctxSize, threads);
    const sequence = ctx.getSequence();
    const { list, batch } = opts.ids !== undefined ? { list: [null], batch: false } : prompts(opts);
    const results = [];
    for (const p of list) {
        const prompt = promptIds(model, opts, p);
        if (prompt.length + maxTokens > ctxSize)
            throw new Error(`prompt (${prompt.length} tokens) + ${maxTokens} new tokens exceed the context of ${ctxSize}`);
        await sequence.clearHistory();
        const tokens = [];
        let next = prompt;
        // Greedy (temperature 0 = llama.cpp's greedy sampler: first index of the largest logit),
        // one token at a time; stop at an end-of-generation token as llama.cpp's examples do.
        for (let i = 0; i < maxTokens; i++) {
            const input = next.map((t, k) => k === next.length - 1 ? [t, { generateNext: { token: true, options: { temperature: 0 } } }] : t);
            const out = await sequence.controlledEvaluate(input);
            const tok = out[next.length - 1].next.token;
            if (tok == null || model.isEogToken(tok)) break;
            tokens.push(tok);
            next = [tok];
        }
        results.push({ prompt_ids: prompt, tokens, text: model.detokenize(tokens, false, prompt) });
    }
    return batch ? { results } : results[0];
}

async function cmdLogits(model, opts, threads) {
    const k = intOpt(opts, "top", 5);
    const ctx = await context(model, opts, intOpt(opts, "ctx", model.trainContextSize), threads);
    const sequence = ctx.getSequence();
    const nVocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
    const { list, batch } = opts.ids !== undefined ? { list: [null], batch: false } : prompts(opts);
    const results = [];
    for (const p of list) {
        const prompt = promptIds(model, opts, p);
        const logits = await rawLogits(sequence, prompt, nVocab);
        const top = [...logits].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([id, logit]) => ({ id, logit }));
        results.push({ prompt_ids: prompt, top });
    }
    return batch ? { results } : results[0];
}

async function cmdPerplexity(model, opts, threads) {
    const nCtx = intOpt(opts, "ctx");
    // As llama-perplexity: read the file, drop ONE trailing '\n' (common/arg.cpp, -f), tokenize the
    // whole text with add_special = true (BOS in front), parse_special = false.
    let text = readFileSync(need(opts, "file"), "utf8");
    if (text.endsWith("\n")) text = text.slice(0, -1);
    const tokens = tokenize(model, text, { bos: true, special: false });
    if (tokens.length < 2 * nCtx) throw new Error(`${opts.file} tokenizes to ${tokens.length} tokens; perplexity needs at least ${2 * nCtx}`);
    const maxChunks = Math.floor(tokens.length / nCtx);
    const nChunks = opts.chunks === undefined ? maxChunks : Math.min(intOpt(opts, "chunks"), maxChunks);
    const first = Math.floor(nCtx / 2);
    const bos = model.tokens.bos;
    const addBos = model.tokens.shouldPrependBosToken && bos != null;
    // Like llama-perplexity (n_batch 2048 / n_ctx sequences per llama_decode), several chunks are
    // evaluated side by side, each in its own sequence with its own KV cache.
    const nSeq = Math.max(1, Math.min(intOpt(opts, "parallel", Math.max(1, Math.floor(2048 / nCtx))), nChunks));
    const ctx = await context(model, opts, nCtx, threads, nSeq);
    const sequences = Array.from({ length: nSeq }, () => ctx.getSequence());
    const chunkNll = new Float64Array(nChunks);
    const t0 = Date.now();
    const evalChunk = async (sequence, c) => {
        const chunk = tokens.slice(c * nCtx, (c + 1) * nCtx);
        if (addBos) chunk[0] = bos;             // each chunk starts afresh with BOS in place of its first token
        await sequence.clearHistory();           // = llama_memory_clear: chunks are independent
        // Outputs only at positions first .. nCtx-2; position j predicts chunk[j + 1].
        const input = chunk.map((t, j) => j >= first && j < nCtx - 1 ? [t, { generateNext: { probabilities: true } }] : t);
        const out = await sequence.controlledEvaluate(input);
        let sum = 0;
        for (let j = first; j < nCtx - 1; j++) {
            const p = out[j].next.probabilities.get(chunk[j + 1]);
            if (!(p > 0)) throw new Error(`probability of token ${chunk[j + 1]} at chunk ${c} position ${j} underflowed to ${p}`);
            sum -= Math.log(p);
        }
        chunkNll[c] = sum;
    };
    for (let c0 = 0; c0 < nChunks; c0 += nSeq) {
        const group = [];
        for (let s = 0; s < nSeq && c0 + s < nChunks; s++) group.push(evalChunk(sequences[s], c0 + s));
        await Promise.all(group);
        if (process.env.ORACLE_PROGRESS && (c0 / nSeq) % 20 === 0) process.stderr.write(`[${c0 + group.length}/${nChunks}]\n`);
    }
    let nll = 0;
    for (let c = 0; c < nChunks; c++) nll += chunkNll[c];   // summed in chunk order: the result does not depend on scheduling
    const count = nChunks * (nCtx - 1 - first);
    return { ppl: Math.exp(nll / count), tokens: count, ctx: nCtx, chunks: nChunks, kv_type: (opts["kv-type"] ?? "f16"), flash_attn: (opts["flash-attn"] ?? "auto"), file_tokens: tokens.length, seconds: (Date.now() - t0) / 1000 };
}

async function main() {
    const { command, opts } = parseArgs(process.argv.slice(2));
    const commands = { tokenize: cmdTokenize, generate: cmdGenerate, logits: cmdLogits, perplexity: cmdPerplexity };
    if (command === "version") {   // used by .ci/install-oracles to prove the binary loads
        const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
        process.stdout.write(JSON.stringify({ llamaCpp: llama.llamaCppRelease, buildType: llama.buildType, gpu: llama.gpu }) + "\n");
        await llama.dispose();
        return;
    }
    if (!commands[command]) throw new Error(USAGE);
    const { llama, model, threads } = await load(opts);
    try {
        const result = await commands[command](model, opts, threads);
        process.stdout.write(JSON.stringify(result) + "\n");
    } finally {
        await llama.dispose();
    }
}

main().catch(e => {
    process.stderr.write(`llamacpp.mjs: ${e?.message ?? e}\n`);
    process.exit(1);
});
