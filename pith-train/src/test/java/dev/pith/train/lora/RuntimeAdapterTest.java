package dev.pith.train.lora;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.Generator;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.SamplerSettings;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inference runtime with adapters applied unmerged (y = W·x + s·B·(A·x)) on the real
 * stories260K: two adapters loaded into one transformer, each active in turn and none, give the
 * merged models' logits (1e-4), in the vectorised and the scalar reference path; the base
 * tensors are the model's own (not copied); generators choose their adapter per call.
 */
class RuntimeAdapterTest {
    static final Path BASE = AdapterEquivalenceTest.BASE;
    static final int[] TOKENS = AdapterEquivalenceTest.TOKENS;

    @Test
    void unmergedRuntimeEqualsMergedForEachOfTwoAdaptersAndNone() {
        try (Model base = Models.load(BASE)) {
            LoraAdapter one = AdapterEquivalenceTest.randomAdapter(base, 4);
            LoraAdapter two = new LoraAdapter(one.alpha(), "", AdapterEquivalenceTest.randomAdapter(base, 2).entries().subList(0, 9)); // other rank, some targets
            for (RuntimeOptions opts : new RuntimeOptions[] {RuntimeOptions.defaults(), RuntimeOptions.defaults().withReference(true)}) {
                Transformer t = new Transformer(base, opts);
                t.loadAdapter(one.toRuntime("one", base, Path.of("one")));
                t.loadAdapter(two.toRuntime("two", base, Path.of("two")));
                assertThat(t.model()).isSameAs(base);
                // the scalar reference path is slow: there, one adapter and none suffice
                String[] order = opts.reference() ? new String[] {"two", null} : new String[] {"one", null, "two", "one"};
                java.util.Map<String, float[]> wanted = new java.util.HashMap<>();
                for (String name : order) {
                    t.useAdapter(name);
                    float[] got = t.forwardAll(TOKENS.clone());
                    float[] want = wanted.computeIfAbsent(String.valueOf(name), k -> new Transformer(
                            name == null ? base : LoraMerge.merge(base, name.equals("one") ? one : two, Path.of(name)), opts).forwardAll(TOKENS.clone()));
                    assertThat(AdapterEquivalenceTest.maxRelDiff(want, got)).as("adapter %s, reference %s", name, opts.reference()).isLessThan(1e-4);
                    t.reset();
                }
                t.useAdapter("one");
                float[] a = t.forwardAll(TOKENS.clone());
                t.useAdapter("two");
                assertThat(t.position()).as("switching clears the cache").isZero();
                float[] b = t.forwardAll(TOKENS.clone());
                assertThat(AdapterEquivalenceTest.maxRelDiff(a, b)).as("the two adapters differ").isGreaterThan(1e-2);
            }
        }
    }

    @Test
    void generatorsChooseTheirAdapterPerCall() {
        try (Model base = Models.load(BASE)) {
            LoraAdapter one = AdapterEquivalenceTest.randomAdapter(base, 4);
            Transformer shared = new Transformer(base);
            shared.loadAdapter(one.toRuntime("one", base, Path.of("one")));
            Generator withOne = new Generator(shared).adapter("one").ignoreEos(true), plain = new Generator(shared).adapter(null).ignoreEos(true);
            SamplerSettings greedy = SamplerSettings.greedy();
            int[] prompt = {1, 403, 407};
            int[] g1 = withOne.generate(prompt, 12, greedy, null).tokens();
            int[] g0 = plain.generate(prompt, 12, greedy, null).tokens();
            int[] g1again = withOne.generate(prompt, 12, greedy, null).tokens();
            int[] wantOne = new Generator(new Transformer(LoraMerge.merge(base, one, Path.of("one")))).ignoreEos(true).generate(prompt, 12, greedy, null).tokens();
            int[] wantBase = new Generator(new Transformer(base)).ignoreEos(true).generate(prompt, 12, greedy, null).tokens();
            assertThat(g1).containsExactly(wantOne);
            assertThat(g1again).containsExactly(wantOne);
            assertThat(g0).containsExactly(wantBase);
            assertThat(g1).isNotEqualTo(g0);
            assertThatThrownBy(() -> new Generator(shared).adapter("nope")).isInstanceOf(PithException.class).hasMessageContaining("'nope'");
        }
    }
}
