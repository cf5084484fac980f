package dev.pith.train.lora;

import dev.pith.train.Param;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * AdaLoRA's budget: importance of every adapter entry from its sensitivity |w·∂L/∂w|, smoothed
 * (Ī = β1·Ī + (1−β1)·I) and with its uncertainty (Ū = β2·Ū + (1−β2)·|I − Ī|), scored Ī·Ū; a
 * triplet's score is its λ's score plus the mean score of its Q row and of its P column. The total
 * rank falls from b₀ = r₀·n to b_T = r_T·n cubically,
 * b(t) = b_T + (b₀ − b_T)·(1 − (t − t_i)/(T − t_f − t_i))³ (integer part), and every ΔT steps the
 * b₀ − b(t) lowest-scored triplets over all projections are masked (λ = 0). PEFT masks every
 * triplet scoring at or below the k-th lowest score, which masks more than k on ties; this masks
 * exactly k (ties go by projection, then index) so the rank in use is always the budget.
 * From step T − t_f on the pattern is frozen.
 */
public final class RankAllocator {
    private final AdaLoraConfig cfg;
    private final List<AdaLoraLinear> modules;
    private final int initBudget, targetBudget;
    private final List<float[][]> emaIpt = new ArrayList<>(), emaUnc = new ArrayList<>();
    private boolean[][] finalPattern;

    public record Budget(int budget, boolean mask) {}

    public RankAllocator(AdaLoraConfig cfg, List<AdaLoraLinear> modules) {
        this.cfg = cfg;
        this.modules = List.copyOf(modules);
        int b = 0;
        for (AdaLoraLinear m : modules) b += m.rank();
        this.initBudget = b;
        this.targetBudget = cfg.targetRank() * modules.size();
        reset();
    }

    public int initBudget() { return initBudget; }
    public int targetBudget() { return targetBudget; }

    private void reset() {
        emaIpt.clear();
        emaUnc.clear();
        for (AdaLoraLinear m : modules) {
            emaIpt.add(new float[][] {new float[m.a().size()], new float[m.e().size()], new float[m.b().size()]});
            emaUnc.add(new float[][] {new float[m.a().size()], new float[m.e().size()], new float[m.b().size()]});
        }
    }

    /** The budget and whether to mask at step {@code step} (PEFT's budget_schedule). */
    public static Budget schedule(long step, int initBudget, int targetBudget, int tinit, int tfinal, long total, int deltaT) {
        if (step <= tinit) return new Budget(initBudget, false);
        if (step > total - tfinal) return new Budget(targetBudget, true);
        double mul = 1 - (double) (step - tinit) / (total - tfinal - tinit);
        int budget = (int) ((initBudget - targetBudget) * mul * mul * mul + targetBudget);
        return new Budget(budget, step % deltaT == 0);
    }

    public Budget schedule(long step) {
        return schedule(step, initBudget, targetBudget, cfg.tinit(), cfg.tfinal(), cfg.totalSteps(), cfg.deltaT());
    }

    /** PEFT's update_and_allocate, called after the optimizer update of step {@code step} with the gradients still in place. */
    public void afterUpdate(long step) {
        long freeze = cfg.totalSteps() - cfg.tfinal();
        if (step < freeze) {
            updateImportance();
            Budget b = schedule(step);
            if (b.mask()) maskToBudget(b.budget());
        } else if (step == freeze) {
            finalPattern = maskToBudget(schedule(step).budget());
            reset();
        } else {
            applyPattern(finalPattern);
        }
    }

    /** Sensitivity and uncertainty EMAs of every entry of Q, λ and P. */
    void updateImportance() {
        for (int i = 0; i < modules.size(); i++) {
            AdaLoraLinear m = modules.get(i);
            Param[] ps = {m.a(), m.e(), m.b()};
            for (int j = 0; j < 3; j++) {
                float[] w = ps[j].w, g = ps[j].g, ipt = emaIpt.get(i)[j], unc = emaUnc.get(i)[j];
                for (int k = 0; k < w.length; k++) {
                    float s = Math.abs(w[k] * g[k]);
                    ipt[k] = (float) (cfg.beta1() * ipt[k] + (1 - cfg.beta1()) * s);
                    unc[k] = (float) (cfg.beta2() * unc[k] + (1 - cfg.beta2()) * Math.abs(s - ipt[k]));
                }
            }
        }
    }

    /** Score of each triplet of module i: s(λ_k) + mean_j s(Q_kj) + mean_o s(P_ok), with s = Ī·Ū. */
    double[] tripletScores(int i) {
        AdaLoraLinear m = modules.get(i);
        int r = m.rank(), in = m.a().cols(), out = m.b().rows();
        float[][] ipt = emaIpt.get(i), unc = emaUnc.get(i);
        double[] s = new double[r];
        for (int k = 0; k < r; k++) {
            double qa = 0, pb = 0;
            for (int j = 0; j < in; j++) qa += (double) ipt[0][k * in + j] * unc[0][k * in + j];
            for (int o = 0; o < out; o++) pb += (double) ipt[2][o * r + k] * unc[2][o * r + k];
            s[k] = (double) ipt[1][k] * unc[1][k] + qa / in + pb / out;
        }
        return s;
    }

    /** Masks exactly initBudget − budget lowest-scored triplets; returns the kept pattern per module. */
    boolean[][] maskToBudget(int budget) {
        int drop = Math.max(0, initBudget - budget);
        List<double[]> scores = new ArrayList<>();
        for (int i = 0; i < modules.size(); i++) scores.add(tripletScores(i));
        Integer[] order = new Integer[initBudget];
        int[] module = new int[initBudget], index = new int[initBudget];
        double[] all = new double[initBudget];
        int n = 0;
        for (int i = 0; i < modules.size(); i++)
            for (int k = 0; k < scores.get(i).length; k++) {
                module[n] = i;
                index[n] = k;
                all[n] = scores.get(i)[k];
                order[n] = n;
                n++;
            }
        Arrays.sort(order, (x, y) -> Double.compare(all[x], all[y])); // stable: ties keep their order
        boolean[][] keep = new boolean[modules.size()][];
        for (int i = 0; i < modules.size(); i++) {
            keep[i] = new boolean[modules.get(i).rank()];
            Arrays.fill(keep[i], true);
        }
        for (int j = 0; j < drop; j++) keep[module[order[j]]][index[order[j]]] = false;
        applyPattern(keep);
        return keep;
    }

    private void applyPattern(boolean[][] keep) {
        for (int i = 0; i < modules.size(); i++) modules.get(i).mask(keep[i]);
    }

    /** Bytes {@link #writeState} takes at most: both averages of every entry, and the final pattern when there is one. */
    int stateBytes() {
        int n = 1;
        for (AdaLoraLinear m : modules) n += 8 * (m.a().size() + m.e().size() + m.b().size()) + m.rank();
        return n;
    }

    /** The averages Ī and Ū of every entry, then the final pattern (a flag, then one byte per triplet) — what a checkpoint keeps. */
    void writeState(java.nio.ByteBuffer b) {
        for (int i = 0; i < modules.size(); i++)
            for (int j = 0; j < 3; j++) {
                for (float v : emaIpt.get(i)[j]) b.putFloat(v);
                for (float v : emaUnc.get(i)[j]) b.putFloat(v);
            }
        b.put((byte) (finalPattern != null ? 1 : 0));
        if (finalPattern != null) for (boolean[] keep : finalPattern) for (boolean k : keep) b.put((byte) (k ? 1 : 0));
    }

    /** Reads what {@link #writeState} wrote (shapes already checked by the caller; a short buffer underflows). */
    void readState(java.nio.ByteBuffer b) {
        for (int i = 0; i < modules.size(); i++)
            for (int j = 0; j < 3; j++) {
                float[] ipt = emaIpt.get(i)[j], unc = emaUnc.get(i)[j];
                for (int k = 0; k < ipt.length; k++) ipt[k] = b.getFloat();
                for (int k = 0; k < unc.length; k++) unc[k] = b.getFloat();
            }
        if (b.get() == 0) {
            finalPattern = null;
            return;
        }
        finalPattern = new boolean[modules.size()][];
        for (int i = 0; i < modules.size(); i++) {
            finalPattern[i] = new boolean[modules.get(i).rank()];
            for (int k = 0; k < finalPattern[i].length; k++) finalPattern[i][k] = b.get() != 0;
        }
    }

    /** The rank in use: triplets kept over all projections. */
    public int rankInUse() {
        int k = 0;
        for (AdaLoraLinear m : modules) k += m.keptRank();
        return k;
    }
}
