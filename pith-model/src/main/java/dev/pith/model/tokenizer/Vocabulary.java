package dev.pith.model.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The token list shared by every tokenizer: texts as stored (SentencePiece "▁" or GPT-2 byte-level
 * characters), types, optional scores, and the special ids and flags a model declares.
 */
public final class Vocabulary {
    private final String[] texts;
    private final TokenType[] types;
    private final float[] scores;
    private final Map<String, Integer> index;
    private final int maxTokenChars;
    final int bos, eos, unk, pad;
    final boolean addBos, addEos;
    private final Set<Integer> endOfGeneration;

    /**
     * @param scores may be null (byte-level BPE has none)
     * @param bos,eos,unk,pad ids or -1
     */
    public Vocabulary(String[] texts, TokenType[] types, float[] scores, int bos, int eos, int unk, int pad,
                      boolean addBos, boolean addEos) {
        if (types.length != texts.length || (scores != null && scores.length != texts.length))
            throw new IllegalArgumentException("token, type and score lists differ in length");
        this.texts = texts;
        this.types = types;
        this.scores = scores;
        this.index = new HashMap<>(texts.length * 2);
        int max = 0;
        // Later duplicates do not override the first id, so lookups are deterministic.
        for (int i = 0; i < texts.length; i++) {
            index.putIfAbsent(texts[i], i);
            max = Math.max(max, texts[i].length());
        }
        this.maxTokenChars = max;
        this.bos = valid(bos);
        this.eos = valid(eos);
        this.unk = valid(unk);
        this.pad = valid(pad);
        this.addBos = addBos;
        this.addEos = addEos;
        // Like llama.cpp: end of generation is EOS plus the well-known end-of-turn markers.
        Set<Integer> eog = new TreeSet<>();
        if (this.eos >= 0) eog.add(this.eos);
        for (String s : new String[] {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>"}) {
            Integer id = index.get(s);
            if (id != null) eog.add(id);
        }
        this.endOfGeneration = Set.copyOf(eog);
    }

    private int valid(int id) { return id >= 0 && id < texts.length ? id : -1; }

    public int size() { return texts.length; }
    public String text(int id) { return texts[id]; }
    public TokenType type(int id) { return types[id]; }
    public float score(int id) { return scores == null ? 0f : scores[id]; }
    public boolean hasScores() { return scores != null; }
    public int maxTokenChars() { return maxTokenChars; }

    /** The id of a token text, or -1. */
    public int id(String text) {
        Integer id = index.get(text);
        return id == null ? -1 : id;
    }

    public int bos() { return bos; }
    public int eos() { return eos; }
    public int unk() { return unk; }
    public int pad() { return pad; }
    public boolean addBos() { return addBos; }
    public boolean addEos() { return addEos; }
    public boolean isEndOfGeneration(int id) { return endOfGeneration.contains(id); }

    String[] textsCopy() { return texts.clone(); }
    TokenType[] typesCopy() { return types.clone(); }
    float[] scoresCopy() { return scores == null ? null : scores.clone(); }

    /** Same tokens, types and scores with other special ids / flags. */
    public Vocabulary withSpecials(int bos, int eos, int unk, int pad, boolean addBos, boolean addEos) {
        return new Vocabulary(texts, types, scores, bos, eos, unk, pad, addBos, addEos);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + texts.length + " tokens, bos=" + bos + ", eos=" + eos + ", unk=" + unk
                + ", types=" + Arrays.stream(types).distinct().toList() + "]";
    }
}
