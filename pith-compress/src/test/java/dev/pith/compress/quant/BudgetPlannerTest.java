package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The budgeted allocation stays under its budget and is no worse than a uniform K type of equal size on its own error measure. */
class BudgetPlannerTest {
    @TempDir Path dir;

    @Test
    void meetsTheBudgetWithLessErrorThanUniformTypes() {
        Path in = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(in, 3);
        try (Model m = Models.load(in)) {
            Map<String, float[]> imp = LlamaCppImatrixParityTest.randomImatrix(m, 9);
            for (FileType uniform : List.of(FileType.Q4_K_S)) {
                TypePlanner.Plan u = ModelQuantizer.plan(m, uniform, List.of(), true);
                double uBpw = bpw(m, u);
                TypePlanner.Plan b = BudgetPlanner.allocate(m, imp, uBpw, ModelQuantizer.plan(m, FileType.Q4_K_M, List.of(), true));
                assertThat(bpw(m, b)).isLessThanOrEqualTo(uBpw);
                double eu = BudgetPlanner.planError(m, imp, u), eb = BudgetPlanner.planError(m, imp, b);
                System.out.printf("budget %.3f bpw (%s): error %.4g, uniform %.4g%n", uBpw, uniform, eb, eu);
                // every matrix of this random model is equally sensitive, so uniform types are close to optimal here;
                // the allocation must still never be worse
                assertThat(eb).isLessThanOrEqualTo(eu);
            }
            assertThatThrownBy(() -> BudgetPlanner.allocate(m, imp, 1.0, ModelQuantizer.plan(m, FileType.Q4_K_M, List.of(), true)))
                    .isInstanceOf(PithException.class).hasMessageContaining("below what");
        }
    }

    static double bpw(Model m, TypePlanner.Plan p) {
        long bytes = 0;
        for (Tensor t : m.tensors().values()) {
            DType d = p.types().get(t.name());
            bytes += d.bytesFor(t.cols()) * t.rows();
        }
        return 8.0 * bytes / m.parameterCount();
    }
}
