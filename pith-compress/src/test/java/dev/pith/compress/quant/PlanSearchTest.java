package dev.pith.compress.quant;

import dev.pith.core.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole-plan budget search on synthetic losses whose tensor costs do NOT add (the case the first-order plan gets wrong). */
class PlanSearchTest {
    /** Two options per tensor: small (1 byte, first-order cost {@code small}) and large (2 bytes, cost 0). */
    private static List<List<Choice>> twoWay(double... small) {
        List<List<Choice>> out = new ArrayList<>();
        for (double s : small) out.add(List.of(new Choice(DType.Q2_K, 1, s), new Choice(DType.Q4_K, 2, 0)));
        return out;
    }

    private static double firstOrder(List<List<Choice>> opts, int[] p) {
        double s = 0;
        for (int g = 0; g < p.length; g++) s += opts.get(g).get(p[g]).cost();
        return s;
    }

    @Test
    void reSolvingOnPlanRelativeCostsFindsWhatTheSumOfCostsMisses() {
        // tensors 0 and 1 both at the small type cost 10 more than their sum (they compound); room for one upgrade
        List<List<Choice>> opts = twoWay(1.0, 1.0, 1.5);
        ToDoubleFunction<int[]> loss = p -> firstOrder(opts, p) + (p[0] == 0 && p[1] == 0 ? 10 : 0);
        int[] dp = BudgetPlanner.solve(opts, 4);
        assertThat(dp).containsExactly(0, 0, 1); // the first-order plan upgrades the tensor with the largest own cost
        assertThat(loss.applyAsDouble(dp)).isEqualTo(12.0);
        List<String> log = new ArrayList<>();
        int[] r = PlanSearch.search(opts, 4, List.of("first-order"), List.of(dp), loss, 2, log);
        assertThat(loss.applyAsDouble(r)).isEqualTo(2.5); // the brute-force optimum: either of the compounding pair upgraded
        assertThat(r[0] + r[1]).isEqualTo(1);
        assertThat(r[2]).isZero();
        assertThat(PlanSearch.bytes(opts, r)).isLessThanOrEqualTo(4);
        assertThat(log).hasSize(3).first().asString().contains("first-order", "loss 12.0");
    }

    @Test
    void theSmallestOversizedMixtureIsLoweredToFitAndKeptWhenItIsBetter() {
        // the first-order costs are mis-measured (tensor 2 looks the most sensitive), the true loss adds: 3, 1, 0.5 for the small type
        List<List<Choice>> opts = twoWay(1.0, 1.0, 1.5);
        double[] truth = {3, 1, 0.5};
        ToDoubleFunction<int[]> loss = p -> {
            double s = 0;
            for (int g = 0; g < 3; g++) s += p[g] == 0 ? truth[g] : 0;
            return s;
        };
        List<String> log = new ArrayList<>();
        int[] r = PlanSearch.search(opts, 4, List.of("first-order", "all-large"), List.of(new int[]{0, 0, 1}, new int[]{1, 1, 1}), loss, 1, log);
        // lowering the all-large mixture by its own plan-relative costs keeps the truly sensitive tensor 0 large
        assertThat(log.get(2)).startsWith("start smallest oversized mixture lowered to fit: 4 bytes, loss 1.5");
        assertThat(r).containsExactly(1, 0, 0);
    }

    @Test
    void aFittingNamedStartBetterThanTheFirstOrderPlanWinsAndAnOversizedOneIsSkipped() {
        List<List<Choice>> opts = twoWay(1.0, 1.0, 1.5);
        ToDoubleFunction<int[]> loss = p -> firstOrder(opts, p) + (p[0] == 0 && p[1] == 0 ? 10 : 0);
        List<String> log = new ArrayList<>();
        int[] r = PlanSearch.search(opts, 4, List.of("first-order", "all-large", "mixture"),
                List.of(new int[]{0, 0, 1}, new int[]{1, 1, 1}, new int[]{1, 0, 0}), loss, 0, log);
        assertThat(r).containsExactly(1, 0, 0);
        assertThat(log.get(1)).contains("all-large", "over the budget");
        assertThat(log.get(2)).contains("mixture", "loss 2.5");
    }

    @Test
    void neverAboveTheBudgetNorWorseThanTheBestFittingStartOnRandomNonAdditiveLosses() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rng.nextInt(5);
            List<List<Choice>> opts = new ArrayList<>();
            for (int g = 0; g < n; g++) {
                List<Choice> c = new ArrayList<>();
                int k = 2 + rng.nextInt(3);
                double cost = 1 + rng.nextDouble();
                long bytes = 1 + rng.nextInt(3);
                for (int j = 0; j < k; j++) {
                    c.add(new Choice(DType.Q2_K, bytes, cost));
                    bytes += 1 + rng.nextInt(4);
                    cost *= rng.nextDouble();
                }
                opts.add(c);
            }
            double[][] pair = new double[n][n];
            for (double[] row : pair) for (int j = 0; j < n; j++) row[j] = rng.nextDouble();
            // a loss with pairwise interactions: products of the tensors' own costs
            ToDoubleFunction<int[]> loss = p -> {
                double s = firstOrder(opts, p);
                for (int a = 0; a < n; a++)
                    for (int b = a + 1; b < n; b++) s += pair[a][b] * opts.get(a).get(p[a]).cost() * opts.get(b).get(p[b]).cost();
                return s;
            };
            long floor = 0, top = 0;
            for (List<Choice> c : opts) {
                floor += c.getFirst().bytes();
                top += c.getLast().bytes();
            }
            double budget = floor + rng.nextDouble() * (top - floor);
            int[] dp = BudgetPlanner.solve(opts, budget);
            int[] smallest = new int[n], largest = new int[n];
            for (int g = 0; g < n; g++) largest[g] = opts.get(g).size() - 1;
            List<String> log = new ArrayList<>();
            int[] r = PlanSearch.search(opts, budget, List.of("first-order", "smallest", "largest"), List.of(dp, smallest, largest), loss, 3, log);
            assertThat(PlanSearch.bytes(opts, r)).isLessThanOrEqualTo((long) Math.floor(budget));
            assertThat(loss.applyAsDouble(r)).isLessThanOrEqualTo(Math.min(loss.applyAsDouble(dp), loss.applyAsDouble(smallest)));
        }
    }
}
