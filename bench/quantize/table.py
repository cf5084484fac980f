"""Markdown table from quality.sh's results.jsonl: one row per type, RTN / imatrix / GPTQ side by side."""
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = next(r for r in rows if r["type"] == "F32")
by = {}
for r in rows:
    by.setdefault(r["type"], {})[r["method"]] = r
def cell(r, key, ref):
    if r is None: return "—"
    return f'{r[key]:.3f} ({r[key] - ref:+.3f})'
print("| type | bytes | bits/weight | WikiText-2 RTN | imatrix | GPTQ | TinyStories held-out RTN | imatrix | GPTQ |")
print("|---|---|---|---|---|---|---|---|---|")
for t, m in by.items():
    any_ = m.get("rtn") or m.get("-") or next(iter(m.values()))
    cells = [cell(m.get("rtn") or m.get("-"), "wikitext_ppl", base["wikitext_ppl"]), cell(m.get("imatrix"), "wikitext_ppl", base["wikitext_ppl"]),
             cell(m.get("gptq"), "wikitext_ppl", base["wikitext_ppl"]),
             cell(m.get("rtn") or m.get("-"), "tinystories_ppl", base["tinystories_ppl"]), cell(m.get("imatrix"), "tinystories_ppl", base["tinystories_ppl"]),
             cell(m.get("gptq"), "tinystories_ppl", base["tinystories_ppl"])]
    print(f'| {t} | {any_["bytes"]:,} | {any_["bpw"]:.2f} | ' + " | ".join(cells) + " |")
