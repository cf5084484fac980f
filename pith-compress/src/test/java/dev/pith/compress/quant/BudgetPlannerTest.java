package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The budgeted allocation: within the budget, optimal for the costs it is given, and a clear refusal below the floor. */
class BudgetPlannerTest {
    @TempDir Path dir;

    @Test
    void theSearchFindsTheOptimumOfSmallProblemsWithinTheBudget() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            List<List<Choice>> groups = new ArrayList<>();
            int n = 2 + rng.nextInt(4);
            long minSum = 0, maxSum = 0;
            for (int g = 0; g < n; g++) {
                List<Choice> opt = new ArrayList<>();
                long bytes = 10 + rng.nextInt(50);
                double cost = 1 + rng.nextDouble() * 10;
                for (int k = 0; k < 2 + rng.nextInt(3); k++) {
                    opt.add(new Choice(DType.Q4_K, bytes, cost));
                    bytes += 1 + rng.nextInt(60);
                    cost *= rng.nextDouble();
                }
                minSum += opt.getFirst().bytes();
                maxSum += opt.getLast().bytes();
                groups.add(opt);
            }
            double budget = minSum + rng.nextDouble() * (maxSum - minSum);
            int[] pick = BudgetPlanner.solve(groups, budget);
            assertThat(bytes(groups, pick)).isLessThanOrEqualTo((long) budget);
            assertThat(cost(groups, pick)).isLessThanOrEqualTo(bruteForce(groups, budget, new int[n], 0) + 1e-9);
        }
    }

    @Test
    void theSensitiveTensorGetsTheBiggerTypeAndTheBudgetHolds() {
        Path in = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(in, 3);
        try (Model m = Models.load(in)) {
            TypePlanner.Plan base = ModelQuantizer.plan(m, FileType.Q4_K_M, List.of(), false);
            // every matrix: Q2_K costs 1, Q4_K costs 0.5; blk.3.attn_v alone: Q2_K costs 100
            Map<String, List<Choice>> choices = new LinkedHashMap<>();
            long q2Sum = 0;
            for (Tensor t : m.tensors().values()) {
                if (t.shape().length < 2 || t.name().contains("norm")) continue;
                double sensitive = t.name().equals("blk.3.attn_v.weight") ? 100 : 1;
                choices.put(t.name(), List.of(
                        new Choice(DType.Q2_K, DType.Q2_K.bytesFor(t.cols()) * t.rows(), sensitive),
                        new Choice(DType.Q4_K, DType.Q4_K.bytesFor(t.cols()) * t.rows(), 0.5)));
                q2Sum += DType.Q2_K.bytesFor(t.cols()) * t.rows();
            }
            long q2 = q2Sum;
            long fixed = BudgetPlannerTest.bytes(m, base) - choices.keySet().stream().mapToLong(n -> base.types().get(n).bytesFor(m.tensor(n).cols()) * m.tensor(n).rows()).sum();
            Tensor v = m.tensor("blk.3.attn_v.weight");
            long upgrade = (DType.Q4_K.bytesFor(v.cols()) - DType.Q2_K.bytesFor(v.cols())) * v.rows();
            // room for exactly that one upgrade (and not for any larger matrix's)
            TypePlanner.Plan p = BudgetPlanner.allocateBytes(m, choices, fixed + q2 + upgrade, base, "--target-size");
            assertThat(p.types().get("blk.3.attn_v.weight")).isEqualTo(DType.Q4_K);
            assertThat(p.types().get("blk.2.attn_v.weight")).isEqualTo(DType.Q2_K);
            assertThat(p.types().get("blk.3.ffn_down.weight")).isEqualTo(DType.Q2_K);
            assertThat(bytes(m, p)).isLessThanOrEqualTo(fixed + q2 + upgrade);
            // a budget one byte under the floor is refused, naming the floor
            double floorBpw = 8.0 * (fixed + q2) / m.parameterCount();
            assertThatThrownBy(() -> BudgetPlanner.allocateBytes(m, choices, fixed + q2 - 1, base, "--target-size X"))
                    .isInstanceOf(PithException.class)
                    .hasMessageStartingWith("--target-size X is below what " + in + " can reach: its floor is " + String.format("%.3f", floorBpw) + " bits per weight");
        }
    }

    @Test
    void activationSensitivityMeetsTheBudgetWithLessErrorThanAUniformType() {
        Path in = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(in, 3);
        try (Model m = Models.load(in)) {
            Map<String, float[]> imp = LlamaCppImatrixParityTest.randomImatrix(m, 9);
            TypePlanner.Plan u = ModelQuantizer.plan(m, FileType.Q4_K_S, List.of(), true);
            double uBpw = 8.0 * bytes(m, u) / m.parameterCount();
            TypePlanner.Plan b = BudgetPlanner.allocate(m, ActivationSensitivity.measure(m, imp), uBpw, ModelQuantizer.plan(m, FileType.Q4_K_M, List.of(), true));
            assertThat(bytes(m, b)).isLessThanOrEqualTo(bytes(m, u));
            assertThat(ActivationSensitivity.planError(m, imp, b)).isLessThanOrEqualTo(ActivationSensitivity.planError(m, imp, u));
            assertThatThrownBy(() -> BudgetPlanner.allocate(m, ActivationSensitivity.measure(m, imp), 1.0, u))
                    .isInstanceOf(PithException.class).hasMessageContaining("--target-bpw 1.000 is below what").hasMessageContaining("its floor is");
        }
    }

    private static double bruteForce(List<List<Choice>> groups, double budget, int[] pick, int g) {
        if (g == groups.size()) return bytes(groups, pick) <= budget ? cost(groups, pick) : Double.POSITIVE_INFINITY;
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < groups.get(g).size(); k++) {
            pick[g] = k;
            best = Math.min(best, bruteForce(groups, budget, pick, g + 1));
        }
        return best;
    }

    private static long bytes(List<List<Choice>> groups, int[] pick) {
        long b = 0;
        for (int g = 0; g < pick.length; g++) b += groups.get(g).get(pick[g]).bytes();
        return b;
    }

    private static double cost(List<List<Choice>> groups, int[] pick) {
        double c = 0;
        for (int g = 0; g < pick.length; g++) c += groups.get(g).get(pick[g]).cost();
        return c;
    }

    static long bytes(Model m, TypePlanner.Plan p) {
        long bytes = 0;
        for (Tensor t : m.tensors().values()) bytes += p.types().get(t.name()).bytesFor(t.cols()) * t.rows();
        return bytes;
    }
}
