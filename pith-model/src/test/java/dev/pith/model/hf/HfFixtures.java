package dev.pith.model.hf;

import dev.pith.core.Tensor;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Paths of the fixtures made by tools/fixtures/make_hf_fixtures.py, and tensor comparisons. */
final class HfFixtures {
    private HfFixtures() {}

    static Path dir(String name) {
        try {
            var url = HfFixtures.class.getResource("/hf/" + name);
            if (url == null) throw new AssertionError("fixture folder hf/" + name + " is missing; run tools/fixtures/make_hf_fixtures.py");
            Path p = Path.of(url.toURI());
            assertThat(Files.isDirectory(p)).isTrue();
            return p;
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** Same names, types, shapes and bytes. */
    static void assertBitIdentical(Map<String, Tensor> actual, Map<String, Tensor> expected) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (var e : expected.entrySet()) {
            Tensor a = actual.get(e.getKey()), x = e.getValue();
            assertThat(a.type()).as(e.getKey()).isEqualTo(x.type());
            assertThat(a.shape()).as(e.getKey()).isEqualTo(x.shape());
            assertThat(a.data().mismatch(x.data())).as("first differing byte of " + e.getKey()).isEqualTo(-1L);
        }
    }
}
