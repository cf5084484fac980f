package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;

/**
 * Second pass of a size budget, judged on the loss of the WHOLE plan instead of the sum of
 * per-tensor costs. The first-order plan ({@link BudgetPlanner}) assumes the costs of tensors
 * quantized together add; at 3–3.5 bits many tensors drop to the smallest type at once and they
 * do not. So: (1) every starting plan that fits (the first-order one and llama.cpp's named
 * mixtures) is evaluated as a whole and the best kept, so the answer is never worse on this loss
 * than a named mixture of at most the budget; (2) a few rounds re-measure, around the current
 * plan, the loss of every single-tensor step to the next smaller or larger type (plan-relative
 * costs: what moving THIS tensor costs with everything else as planned), re-solve the knapsack on them, and keep the re-solved
 * plan or the best fitting single change, whichever is lower, while that lowers the whole loss.
 */
public final class PlanSearch {
    private PlanSearch() {}

    /** The chosen plan and, for the report, one line per evaluated starting plan and per round. */
    public record Result(TypePlanner.Plan plan, double loss, List<String> log) {}

    /**
     * Refines a budget over {@code m}'s choosable tensors ({@code choices}); {@code budget}: bytes for
     * all tensors; {@code starts}: named starting plans (the first-order plan among them), each
     * skipped when it does not fit or uses a type outside a tensor's choices; {@code loss}: the
     * whole-plan loss of the choosable tensors' types.
     */
    public static Result refine(Model m, Map<String, List<Choice>> choices, double budget, TypePlanner.Plan base,
                                Map<String, TypePlanner.Plan> starts, ToDoubleFunction<Map<String, DType>> loss,
                                int rounds, IntConsumer progress) {
        List<String> names = new ArrayList<>();
        List<List<Choice>> opts = new ArrayList<>();
        long fixed = 0;
        for (Tensor t : m.tensors().values()) {
            List<Choice> c = choices.get(t.name());
            if (c == null || c.isEmpty()) fixed += base.types().get(t.name()).bytesFor(t.cols()) * t.rows();
            else {
                names.add(t.name());
                opts.add(c);
            }
        }
        List<String> labels = new ArrayList<>();
        List<int[]> picks = new ArrayList<>();
        List<String> log = new ArrayList<>();
        for (var e : starts.entrySet()) {
            int[] p = indices(names, opts, e.getValue());
            if (p == null) {
                log.add("start " + e.getKey() + ": uses a type outside the choices, skipped");
                continue;
            }
            labels.add(e.getKey());
            picks.add(p);
        }
        int[] evals = {0};
        ToDoubleFunction<int[]> l = p -> {
            double v = loss.applyAsDouble(types(names, opts, p));
            progress.accept(++evals[0]);
            return v;
        };
        int[] best = search(opts, budget - fixed, labels, picks, l, rounds, log);
        double bestLoss = l.applyAsDouble(best);
        Map<String, DType> types = new LinkedHashMap<>(base.types());
        types.putAll(types(names, opts, best));
        return new Result(new TypePlanner.Plan(types, BudgetPlanner.remainingWarnings(base, choices)), bestLoss, log);
    }

    /** The most whole-plan evaluations one round makes: the next smaller and larger type of every tensor. */
    public static int evaluationsPerRound(Map<String, List<Choice>> choices) {
        return choices.values().stream().mapToInt(c -> Math.min(2, c.size() - 1)).sum();
    }

    /**
     * The core on option indices: the best fitting start, then up to {@code rounds} rounds of
     * plan-relative re-solving. Never returns a plan above {@code budget} (unless no start fits
     * and the first start is returned as is) nor one whose loss is above the best fitting start's.
     */
    static int[] search(List<List<Choice>> opts, double budget, List<String> labels, List<int[]> starts,
                        ToDoubleFunction<int[]> loss, int rounds, List<String> log) {
        int[] pick = null;
        double now = Double.POSITIVE_INFINITY;
        int[] nearest = null; // the smallest start above the budget: a named mixture worth lowering until it fits
        double nearestLoss = 0;
        for (int s = 0; s < starts.size(); s++) {
            int[] p = starts.get(s);
            long b = bytes(opts, p);
            // an oversized start is evaluated too: the report then shows the loss of the larger mixtures the budget competes with
            double v = loss.applyAsDouble(p);
            if (b > budget) {
                log.add(String.format("start %s: %,d bytes, over the budget (loss %.6f)", labels.get(s), b, v));
                if (nearest == null || b < bytes(opts, nearest)) {
                    nearest = p;
                    nearestLoss = v;
                }
                continue;
            }
            log.add(String.format("start %s: %,d bytes, loss %.6f", labels.get(s), b, v));
            if (v < now) {
                now = v;
                pick = p.clone();
            }
        }
        if (rounds > 0 && nearest != null) {
            // lowered to fit by the knapsack on costs relative to the mixture itself
            Step fitted = step(opts, budget, nearest, nearestLoss, loss);
            log.add(String.format("start smallest oversized mixture lowered to fit: %,d bytes, loss %.6f", bytes(opts, fitted.solved), fitted.solvedLoss));
            if (bytes(opts, fitted.solved) <= budget && fitted.solvedLoss < now) {
                now = fitted.solvedLoss;
                pick = fitted.solved;
            }
        }
        if (pick == null) return starts.getFirst().clone();
        for (int r = 1; r <= rounds; r++) {
            Step s = step(opts, budget, pick, now, loss);
            int[] next = s.solvedLoss <= s.singleLoss ? s.solved : s.single;
            double nextLoss = Math.min(s.solvedLoss, s.singleLoss);
            log.add(String.format("round %d: re-solved %.6f, best single change %.6f, was %.6f", r, s.solvedLoss, s.singleLoss, now));
            if (next == null || nextLoss >= now) break;
            pick = next;
            now = nextLoss;
        }
        return pick;
    }

    /** One plan-relative pass around {@code pick}: the knapsack re-solved on the measured changes, and the best fitting single change. */
    private record Step(int[] solved, double solvedLoss, int[] single, double singleLoss) {}

    private static Step step(List<List<Choice>> opts, double budget, int[] pick, double now, ToDoubleFunction<int[]> loss) {
        // plan-relative costs: the whole loss with one tensor moved ONE step (the next smaller or larger
        // type: the costs are local, and this halves the evaluations of a ladder of six), everything else as planned
        List<List<Choice>> rel = new ArrayList<>();
        int[][] index = new int[opts.size()][];
        int[] single = null;
        double singleLoss = bytes(opts, pick) <= budget ? now : Double.POSITIVE_INFINITY;
        for (int g = 0; g < opts.size(); g++) {
            List<Choice> row = new ArrayList<>();
            int lo = Math.max(0, pick[g] - 1), hi = Math.min(opts.get(g).size() - 1, pick[g] + 1);
            index[g] = new int[hi - lo + 1];
            for (int k = lo; k <= hi; k++) {
                index[g][k - lo] = k;
                double v = now;
                if (k != pick[g]) {
                    int[] p = pick.clone();
                    p[g] = k;
                    v = loss.applyAsDouble(p);
                    if (v < singleLoss && bytes(opts, p) <= budget) {
                        singleLoss = v;
                        single = p;
                    }
                }
                Choice c = opts.get(g).get(k);
                row.add(new Choice(c.type(), c.bytes(), v - now));
            }
            rel.add(row);
        }
        int[] local = BudgetPlanner.solve(rel, budget);
        int[] solved = new int[local.length];
        for (int g = 0; g < local.length; g++) solved[g] = index[g][local[g]];
        double solvedLoss = Arrays.equals(solved, pick) ? now : loss.applyAsDouble(solved);
        return new Step(solved, solvedLoss, single, singleLoss);
    }

    static long bytes(List<List<Choice>> opts, int[] pick) {
        long b = 0;
        for (int g = 0; g < opts.size(); g++) b += opts.get(g).get(pick[g]).bytes();
        return b;
    }

    private static Map<String, DType> types(List<String> names, List<List<Choice>> opts, int[] pick) {
        Map<String, DType> out = new LinkedHashMap<>();
        for (int g = 0; g < names.size(); g++) out.put(names.get(g), opts.get(g).get(pick[g]).type());
        return out;
    }

    /** {@code plan}'s option index for every choosable tensor, or null when one of its types is not among the choices. */
    private static int[] indices(List<String> names, List<List<Choice>> opts, TypePlanner.Plan plan) {
        int[] p = new int[names.size()];
        for (int g = 0; g < names.size(); g++) {
            DType d = plan.types().get(names.get(g));
            p[g] = -1;
            for (int k = 0; k < opts.get(g).size(); k++) if (opts.get(g).get(k).type() == d) p[g] = k;
            if (p[g] < 0) return null;
        }
        return p;
    }
}
