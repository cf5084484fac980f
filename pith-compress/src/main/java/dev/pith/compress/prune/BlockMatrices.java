package dev.pith.compress.prune;

import java.util.ArrayList;
import java.util.List;

/** The seven projection matrices of a Llama block, the ones pruning touches (not embeddings or the output head). */
public final class BlockMatrices {
    public static final List<String> KINDS = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");

    private BlockMatrices() {}

    public static List<String> names(int layer) {
        List<String> out = new ArrayList<>();
        for (String k : KINDS) out.add("blk." + layer + "." + k + ".weight");
        return out;
    }
}
