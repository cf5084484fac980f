package dev.pith.compress.awq;

import dev.pith.compress.calib.LinearInputStats;
import dev.pith.compress.prune.F32Model;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AWQ on a writable F32 model ({@link F32Model#copy}): for every block, four groups of matrices
 * that share an input get per-channel scales from {@link ScaleSearch}, and each scale is folded
 * into what produces that input, so the model computes the same function and stays a plain Llama:
 * <ul>
 *   <li>attn_output's input (the attention output, a mix of value rows): the scale divides attn_v's
 *       rows. With grouped-query attention one value row feeds several heads' columns of
 *       attn_output, so those columns share one scale (their mean |x| averaged);</li>
 *   <li>attn_q/k/v's input: the scale divides attn_norm's weight;</li>
 *   <li>ffn_down's input, silu(gate)·up: the scale divides ffn_up's rows;</li>
 *   <li>ffn_gate/up's input: the scale divides ffn_norm's weight.</li>
 * </ul>
 * The output-side groups go first so the input-side search sees attn_v and ffn_up as they will be
 * written. All statistics come from one calibration pass over the original model: folding leaves
 * every activation the same except the scaled ones, whose change the search accounts for.
 *
 * <p>With a {@link ClipSearch}, each block's matrices are then clipped (AWQ's second step) against
 * the Gram matrix of their input as it is after folding (XᵀX with both sides divided by the
 * scales). attn_q and attn_k are not clipped, as in AWQ: their error reaches the output through the
 * softmax, which the output error of the matrix alone does not measure.
 */
public final class Awq {
    /** One group's choice: {@code scales} divide the shared input (one per column of its matrices). */
    public record Group(String name, double alpha, double error, double rtnError, float[] scales) {}

    /** One matrix's clipping: its output error after and before. */
    public record Clip(String name, double error, double unclippedError) {}

    private Awq() {}

    /** The weights whose inputs AWQ needs (XᵀX and mean |x|): one per shared input. */
    public static Set<String> observedWeights(ModelConfig c) {
        Set<String> out = new LinkedHashSet<>();
        for (int l = 0; l < c.layers(); l++) {
            for (String k : List.of("attn_q", "attn_output", "ffn_gate", "ffn_down")) out.add(name(l, k));
        }
        return out;
    }

    /**
     * Scales {@code f32} in place. {@code targets} gives the type each matrix will be written in (the
     * quantization plan); the search minimises the error for those types.
     */
    public static List<Group> apply(Model f32, Map<String, DType> targets, LinearInputStats stats, ScaleSearch search) {
        return apply(f32, targets, stats, search, null, new ArrayList<>());
    }

    /** As above, then with {@code clip} non-null every block's matrices clipped; {@code clips} hears each one. */
    public static List<Group> apply(Model f32, Map<String, DType> targets, LinearInputStats stats, ScaleSearch search,
                                    ClipSearch clip, List<Clip> clips) {
        ModelConfig c = f32.config();
        List<Group> out = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            // attn_v → attn_output
            Tensor v = t(f32, l, "attn_v"), o = t(f32, l, "attn_output");
            LinearInputStats.Sums so = stats.get(name(l, "attn_output"));
            double[] tied = tieToValueRows(meanAbs(so), c);
            double[] gramO = LinearInputStats.symmetricGram(so);
            ScaleSearch.Result r = search.search(List.of(member(o, targets)), tied, gramO);
            float[] scaleO = r.scales();
            float[] sv = new float[c.kvDim()];
            for (int col = 0; col < c.qDim(); col++) sv[valueRow(col, c)] = r.scales()[col];
            divideRows(v, sv);
            multiplyColumns(o, r.scales());
            out.add(new Group(name(l, "attn_output"), r.alpha(), r.error(), r.rtnError(), r.scales()));
            // attn_norm → attn_q, attn_k, attn_v
            ScaleSearch.Result rq = foldIntoNorm(f32, l, "attn_norm", List.of("attn_q", "attn_k", "attn_v"), stats.get(name(l, "attn_q")), targets, search);
            out.add(new Group(name(l, "attn_q"), rq.alpha(), rq.error(), rq.rtnError(), rq.scales()));
            // ffn_up → ffn_down
            Tensor up = t(f32, l, "ffn_up"), down = t(f32, l, "ffn_down");
            LinearInputStats.Sums sd = stats.get(name(l, "ffn_down"));
            double[] gramD = LinearInputStats.symmetricGram(sd);
            r = search.search(List.of(member(down, targets)), meanAbs(sd), gramD);
            float[] scaleD = r.scales();
            divideRows(up, r.scales());
            multiplyColumns(down, r.scales());
            out.add(new Group(name(l, "ffn_down"), r.alpha(), r.error(), r.rtnError(), r.scales()));
            // ffn_norm → ffn_gate, ffn_up
            ScaleSearch.Result rg = foldIntoNorm(f32, l, "ffn_norm", List.of("ffn_gate", "ffn_up"), stats.get(name(l, "ffn_gate")), targets, search);
            out.add(new Group(name(l, "ffn_gate"), rg.alpha(), rg.error(), rg.rtnError(), rg.scales()));
            if (clip == null) continue;
            double[] gramQ = LinearInputStats.symmetricGram(stats.get(name(l, "attn_q")));
            double[] gramG = LinearInputStats.symmetricGram(stats.get(name(l, "ffn_gate")));
            clips.add(clip(f32, l, "attn_v", targets, divided(gramQ, rq.scales()), clip));
            clips.add(clip(f32, l, "attn_output", targets, divided(gramO, scaleO), clip));
            double[] g = divided(gramG, rg.scales());
            clips.add(clip(f32, l, "ffn_gate", targets, g, clip));
            clips.add(clip(f32, l, "ffn_up", targets, g, clip));
            clips.add(clip(f32, l, "ffn_down", targets, divided(gramD, scaleD), clip));
        }
        return out;
    }

    /**
     * The importance vectors (mean x² per column, llama.cpp's imatrix) of every scaled matrix's
     * input as it is after folding, x/s: so the scaled model can be written with importance-weighted
     * rounding instead of RTN, AWQ's scales and the imatrix's weighting combined.
     */
    public static Map<String, float[]> importance(List<Group> groups, LinearInputStats stats) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Group g : groups) {
            LinearInputStats.Sums s = stats.get(g.name());
            float[] imp = new float[s.cols];
            for (int j = 0; j < s.cols; j++) imp[j] = (float) (s.squares[j] / s.tokens / ((double) g.scales()[j] * g.scales()[j]));
            String prefix = g.name().substring(0, g.name().lastIndexOf('.', g.name().length() - ".weight".length() - 1) + 1);
            List<String> members = switch (g.name().substring(prefix.length())) {
                case "attn_q.weight" -> List.of("attn_q", "attn_k", "attn_v");
                case "ffn_gate.weight" -> List.of("ffn_gate", "ffn_up");
                default -> List.of(g.name().substring(prefix.length(), g.name().length() - ".weight".length()));
            };
            for (String k : members) out.put(prefix + k + ".weight", imp);
        }
        return out;
    }

    private static Clip clip(Model f32, int l, String kind, Map<String, DType> targets, double[] gram, ClipSearch search) {
        Tensor t = t(f32, l, kind);
        DType type = targets.getOrDefault(t.name(), DType.F32);
        if (t.cols() % type.blockSize() != 0) return new Clip(t.name(), 0, 0);
        float[] w = F32Model.read(t);
        ClipSearch.Result r = search.clip(w, t.rows(), t.cols(), type, gram);
        F32Model.write(t, w);
        return new Clip(t.name(), r.error(), r.unclippedError());
    }

    /** The Gram matrix of x/s given that of x: G_ij / (s_i s_j). */
    static double[] divided(double[] gram, float[] s) {
        int n = s.length;
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) out[i * n + j] = gram[i * n + j] / ((double) s[i] * s[j]);
        return out;
    }

    private static ScaleSearch.Result foldIntoNorm(Model f32, int l, String norm, List<String> kinds, LinearInputStats.Sums s,
                                      Map<String, DType> targets, ScaleSearch search) {
        List<ScaleSearch.Member> group = new ArrayList<>();
        for (String k : kinds) group.add(member(t(f32, l, k), targets));
        ScaleSearch.Result r = search.search(group, meanAbs(s), LinearInputStats.symmetricGram(s));
        Tensor g = t(f32, l, norm);
        divideElements(g, r.scales());
        for (String k : kinds) multiplyColumns(t(f32, l, k), r.scales());
        return r;
    }

    /** attn_output's column c reads value row valueRow(c): heads share their key/value group's row. */
    static int valueRow(int col, ModelConfig c) {
        int head = col / c.headDim(), d = col % c.headDim();
        return head / (c.heads() / c.kvHeads()) * c.headDim() + d;
    }

    /** Mean |x| averaged over the columns that read the same value row, spread back over those columns. */
    private static double[] tieToValueRows(double[] mean, ModelConfig c) {
        double[] sum = new double[c.kvDim()];
        int[] n = new int[c.kvDim()];
        for (int col = 0; col < mean.length; col++) {
            sum[valueRow(col, c)] += mean[col];
            n[valueRow(col, c)]++;
        }
        double[] out = new double[mean.length];
        for (int col = 0; col < mean.length; col++) out[col] = sum[valueRow(col, c)] / n[valueRow(col, c)];
        return out;
    }

    private static double[] meanAbs(LinearInputStats.Sums s) {
        double[] m = new double[s.cols];
        for (int j = 0; j < m.length; j++) m[j] = s.abs[j] / s.tokens;
        return m;
    }

    private static ScaleSearch.Member member(Tensor t, Map<String, DType> targets) {
        return new ScaleSearch.Member(F32Model.read(t), t.rows(), targets.getOrDefault(t.name(), DType.F32));
    }

    /** Row r of a matrix divided by s[r]: the matrix's output r comes out s[r] times smaller. */
    static void divideRows(Tensor t, float[] s) {
        float[] a = F32Model.read(t);
        int cols = t.cols();
        for (int r = 0; r < t.rows(); r++) for (int j = 0; j < cols; j++) a[r * cols + j] /= s[r];
        F32Model.write(t, a);
    }

    /** A norm weight (a vector) divided element by element. */
    static void divideElements(Tensor t, float[] s) {
        float[] a = F32Model.read(t);
        for (int j = 0; j < a.length; j++) a[j] /= s[j];
        F32Model.write(t, a);
    }

    static void multiplyColumns(Tensor t, float[] s) {
        float[] a = F32Model.read(t);
        int cols = t.cols();
        for (int r = 0; r < t.rows(); r++) for (int j = 0; j < cols; j++) a[r * cols + j] *= s[j];
        F32Model.write(t, a);
    }

    private static Tensor t(Model m, int l, String kind) {
        return m.tensors().get(name(l, kind));
    }

    private static String name(int l, String kind) {
        return "blk." + l + "." + kind + ".weight";
    }
}
