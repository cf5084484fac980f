package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mixed precision to a size budget: given, for every choosable tensor, its {@link Choice}s (type,
 * bytes, measured cost), picks one per tensor so that the costs' sum is smallest with every tensor
 * together at most the budget; tensors without choices keep the type of the base plan.
 *
 * <p>This is a multiple-choice knapsack. It is solved exactly by dynamic programming over the
 * budget cut into {@link #UNITS} equal units (each choice's bytes rounded UP to whole units, so
 * the answer always fits), then the bytes the rounding left over are spent greedily: the upgrade
 * with the largest cost decrease per extra byte that still fits, repeated until none fits. A
 * greedy search alone (upgrade the best ratio until the next step overflows) stops at the first
 * step that does not fit and cannot trade one tensor down to lift two others up.
 */
public final class BudgetPlanner {
    /** Budget resolution of the exact search: rounding loses at most (tensors / UNITS) of the budget, which the fill recovers. */
    static final int UNITS = 16384;

    private BudgetPlanner() {}

    /** {@link #allocateBytes} for a budget of {@code targetBpw} bits per parameter. */
    public static TypePlanner.Plan allocate(Model m, Map<String, List<Choice>> choices, double targetBpw, TypePlanner.Plan base) {
        return allocateBytes(m, choices, targetBpw * m.parameterCount() / 8, base, String.format("--target-bpw %.3f", targetBpw));
    }

    /**
     * Types whose tensors total at most {@code budget} bytes; {@code flag} names the option that
     * set the budget, for the error when even the smallest choices do not fit.
     */
    public static TypePlanner.Plan allocateBytes(Model m, Map<String, List<Choice>> choices, double budget, TypePlanner.Plan base, String flag) {
        long fixed = 0, floor = 0;
        List<String> names = new ArrayList<>();
        List<List<Choice>> opts = new ArrayList<>();
        for (Tensor t : m.tensors().values()) {
            List<Choice> c = choices.get(t.name());
            if (c == null || c.isEmpty()) {
                fixed += base.types().get(t.name()).bytesFor(t.cols()) * t.rows();
                continue;
            }
            names.add(t.name());
            opts.add(c);
            floor += c.stream().mapToLong(Choice::bytes).min().orElseThrow();
        }
        if (fixed + floor > budget)
            throw new PithException(String.format("%s is below what %s can reach: its floor is %.3f bits per weight (%,d tensor bytes, every choosable tensor at its smallest type).",
                    flag, m.source(), 8.0 * (fixed + floor) / m.parameterCount(), fixed + floor));
        int[] pick = solve(opts, budget - fixed);
        Map<String, DType> types = new LinkedHashMap<>(base.types());
        for (int i = 0; i < names.size(); i++) types.put(names.get(i), opts.get(i).get(pick[i]).type());
        return new TypePlanner.Plan(types, remainingWarnings(base, choices));
    }

    /** The base mixture's fallback warnings, less those about tensors the budget re-chose (they no longer apply). */
    static List<String> remainingWarnings(TypePlanner.Plan base, Map<String, List<Choice>> choices) {
        return base.warnings().stream().filter(w -> !choices.containsKey(w.substring(0, Math.max(0, w.indexOf(':'))))).toList();
    }

    /** The index of the chosen option of each group, with the groups' bytes at most {@code budget}. */
    static int[] solve(List<List<Choice>> groups, double budget) {
        int n = groups.size();
        double unit = budget / UNITS;
        // best[u]: the smallest total cost of the groups so far within u units (infinite: impossible)
        double[] best = new double[UNITS + 1];
        byte[][] arg = new byte[n][UNITS + 1];
        double[] next = new double[UNITS + 1];
        for (int g = 0; g < n; g++) {
            List<Choice> opt = groups.get(g);
            int[] units = new int[opt.size()];
            for (int k = 0; k < units.length; k++) units[k] = (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(opt.get(k).bytes() / unit - 1e-9));
            for (int u = 0; u <= UNITS; u++) {
                double b = Double.POSITIVE_INFINITY;
                int a = -1;
                for (int k = 0; k < units.length; k++) {
                    if (units[k] > u) continue;
                    double c = best[u - units[k]] + opt.get(k).cost();
                    if (c < b) {
                        b = c;
                        a = k;
                    }
                }
                next[u] = b;
                arg[g][u] = (byte) a;
            }
            double[] s = best;
            best = next;
            next = s;
        }
        int[] pick = new int[n];
        if (Double.isInfinite(best[UNITS])) {
            // the rounding up made the floor overflow: start from every group's smallest option
            for (int g = 0; g < n; g++) pick[g] = smallest(groups.get(g));
        } else {
            int u = UNITS;
            for (int g = n - 1; g >= 0; g--) {
                pick[g] = arg[g][u];
                u -= (int) Math.ceil(groups.get(g).get(pick[g]).bytes() / unit - 1e-9);
            }
        }
        fill(groups, pick, budget);
        return pick;
    }

    /** Spends what is left of the budget: the move with the largest cost decrease per extra byte that fits, until none does. */
    private static void fill(List<List<Choice>> groups, int[] pick, double budget) {
        double total = 0;
        for (int g = 0; g < groups.size(); g++) total += groups.get(g).get(pick[g]).bytes();
        while (true) {
            int bg = -1, bk = -1;
            double bestRatio = 0;
            for (int g = 0; g < groups.size(); g++) {
                Choice now = groups.get(g).get(pick[g]);
                for (int k = 0; k < groups.get(g).size(); k++) {
                    Choice c = groups.get(g).get(k);
                    long extra = c.bytes() - now.bytes();
                    double gain = now.cost() - c.cost();
                    if (gain <= 0 || total + extra > budget) continue;
                    double ratio = extra <= 0 ? Double.POSITIVE_INFINITY : gain / extra;
                    if (ratio > bestRatio) {
                        bestRatio = ratio;
                        bg = g;
                        bk = k;
                    }
                }
            }
            if (bg < 0) return;
            total += groups.get(bg).get(bk).bytes() - groups.get(bg).get(pick[bg]).bytes();
            pick[bg] = bk;
        }
    }

    private static int smallest(List<Choice> opt) {
        int s = 0;
        for (int k = 1; k < opt.size(); k++) if (opt.get(k).bytes() < opt.get(s).bytes()) s = k;
        return s;
    }
}
