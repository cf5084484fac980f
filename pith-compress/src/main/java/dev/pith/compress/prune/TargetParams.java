package dev.pith.compress.prune;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

/**
 * {@code --target-params N} for width pruning: the ratio that removes the fewest units (MLP neurons,
 * key/value head groups or embedding channels, the same count in every layer) that bring the model
 * to at most N parameters. Each unit costs a fixed number of parameters, read off the shapes below,
 * so the count after pruning is known before any calibration work.
 */
public final class TargetParams {
    private TargetParams() {}

    /** Units of the kind in one layer (or in the model, for embedding channels). */
    public static int units(ModelConfig c, String kind) {
        return switch (kind) {
            case "mlp" -> c.ffnDim();
            case "heads" -> c.kvHeads();
            case "embedding" -> c.dim();
            default -> throw new PithException("--target-params applies to --structured mlp, heads or embedding, not " + kind + ".");
        };
    }

    /** Parameters that removing one unit (from every layer) takes out of the model. */
    public static long perUnit(Model m, String kind) {
        ModelConfig c = m.config();
        long layers = c.layers(), dim = c.dim();
        return switch (kind) {
            // a row of ffn_gate and ffn_up, a column of ffn_down
            case "mlp" -> layers * 3 * dim;
            case "heads" -> {
                long group = c.heads() / c.kvHeads(), hd = c.headDim();
                // q rows and attn_output columns of the group's query heads, k and v rows, their biases
                long perLayer = (2 * group + 2) * hd * dim;
                if (m.has("blk.0.attn_q.bias")) perLayer += group * hd;
                if (m.has("blk.0.attn_k.bias")) perLayer += hd;
                if (m.has("blk.0.attn_v.bias")) perLayer += hd;
                yield layers * perLayer;
            }
            case "embedding" -> {
                // embedding (and untied head) column, one weight of every norm, and per layer the
                // q/k/v and gate/up columns plus the attn_output and ffn_down rows it feeds
                long v = (long) c.vocabSize() * (m.has("output.weight") ? 2 : 1);
                yield v + 2 * layers + 1 + layers * (2L * c.qDim() + 2L * c.kvDim() + 3L * c.ffnDim());
            }
            default -> throw new PithException("--target-params applies to --structured mlp, heads or embedding, not " + kind + ".");
        };
    }

    /** The --ratio that brings the model to at most {@code target} parameters, removing as few units as that takes. */
    public static double ratio(Model m, String kind, long target) {
        long now = m.parameterCount(), per = perUnit(m, kind);
        int units = units(m.config(), kind);
        if (target >= now)
            throw new PithException("--target-params " + target + " is not below the model's " + now + " parameters; nothing to remove.");
        long remove = (now - target + per - 1) / per;
        if (remove >= units)
            throw new PithException("--target-params " + target + " cannot be reached by " + kind + " pruning: removing all but one of "
                    + units + " units leaves " + (now - (units - 1L) * per) + " parameters.");
        return (double) remove / units;
    }
}
