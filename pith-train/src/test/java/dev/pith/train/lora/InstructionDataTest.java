package dev.pith.train.lora;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.BatchSampler;
import dev.pith.train.CrossEntropy;
import dev.pith.train.Rng;
import dev.pith.train.TokenSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JSONL pairs: the template, the loss mask on responses only, and bad lines named by number. */
class InstructionDataTest {
    @TempDir Path dir;

    @Test
    void onlyResponseTokensAndTheClosingEosAreTrained() throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "{\"instruction\":\"Say hi.\",\"response\":\"Hi there.\"}\n\n{\"prompt\":\"Count\",\"input\":\"to two\",\"response\":\"One two.\"}\n");
        try (Model m = Models.load(AdapterEquivalenceTest.BASE)) {
            Tokenizer tok = m.tokenizer();
            InstructionData.Packed p = InstructionData.read(f, tok);
            assertThat(p.examples()).isEqualTo(2);
            int[] p1 = tok.encode(InstructionData.prompt("Say hi."), tok.addBosByDefault(), false), r1 = tok.encode("Hi there.");
            int[] p2 = tok.encode(InstructionData.prompt("Count\n\nto two"), tok.addBosByDefault(), false), r2 = tok.encode("One two.");
            assertThat(p.tokens()).hasSize(p1.length + r1.length + 1 + p2.length + r2.length + 1);
            int at = 0;
            for (int[][] ex : new int[][][] {{p1, r1}, {p2, r2}}) {
                for (int i = 0; i < ex[0].length; i++, at++) {
                    assertThat(p.tokens()[at]).isEqualTo(ex[0][i]);
                    assertThat(p.trained()[at]).as("prompt token %d", at).isFalse();
                }
                for (int i = 0; i < ex[1].length; i++, at++) {
                    assertThat(p.tokens()[at]).isEqualTo(ex[1][i]);
                    assertThat(p.trained()[at]).as("response token %d", at).isTrue();
                }
                assertThat(p.tokens()[at]).isEqualTo(tok.eos());
                assertThat(p.trained()[at++]).isTrue();
            }
            // the sampler turns untrained targets into IGNORE
            TokenSource s = p.source(0, p.tokens().length);
            int[] in = new int[4 * 8], tg = new int[4 * 8];
            new BatchSampler(s, 4, 8, new Rng(1), "data").next(in, tg);
            boolean sawIgnore = false;
            for (int t : tg) sawIgnore |= t == CrossEntropy.IGNORE;
            assertThat(sawIgnore).isTrue();
        }
    }

    /** stories260K's tokenizer with a chat template added. */
    record Templated(Tokenizer t) implements Tokenizer {
        public int vocabSize() { return t.vocabSize(); }
        public int[] encode(String text, boolean addBos, boolean parseSpecial) { return t.encode(text, addBos, parseSpecial); }
        public byte[] tokenBytes(int id) { return t.tokenBytes(id); }
        public String tokenText(int id) { return t.tokenText(id); }
        public String decode(int[] ids) { return t.decode(ids); }
        public int bos() { return t.bos(); }
        public int eos() { return t.eos(); }
        public boolean addBosByDefault() { return t.addBosByDefault(); }
        @Override public String chatTemplate() {
            return "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{% if m.role == 'assistant' %}{{ eos_token }}{% endif %}\n{% endfor %}"
                    + "{% if add_generation_prompt %}[assistant] {% endif %}";
        }
    }

    @Test
    void theModelsChatTemplateFormatsPairsWhenItHasOne() throws Exception {
        Path f = dir.resolve("c.jsonl");
        Files.writeString(f, "{\"instruction\":\"Say hi.\",\"response\":\"Hi there.\"}\n");
        try (Model m = Models.load(AdapterEquivalenceTest.BASE)) {
            Tokenizer tok = new Templated(m.tokenizer());
            InstructionData.Packed p = InstructionData.read(f, tok);
            assertThat(p.chatTemplate()).isTrue();
            // transformers renders templates with trim_blocks: the newline after {% endif %} goes
            int[] prompt = tok.encode("<s>[user] Say hi.[assistant] ", false, true), reply = tok.encode("Hi there.</s>", false, true);
            assertThat(prompt[0]).isEqualTo(tok.bos());
            assertThat(p.tokens()).hasSize(prompt.length + reply.length);
            for (int i = 0; i < prompt.length; i++) assertThat(p.trained()[i]).isFalse();
            for (int i = prompt.length; i < p.tokens().length; i++) assertThat(p.trained()[i]).isTrue();
            assertThat(java.util.Arrays.copyOfRange(p.tokens(), prompt.length, p.tokens().length)).containsExactly(reply);
            assertThat(reply).contains(tok.eos());
        }
    }

    @Test
    void ignoredTargetsAddNoLossAndNoGradient() {
        int vocab = 3;
        float[] logits = {1, 2, 3, 0.5f, 0.1f, 2, 3, 1, 0};
        float[] copy = logits.clone();
        double both = CrossEntropy.forwardBackward(copy, new int[] {0, CrossEntropy.IGNORE, 2}, 3, vocab, 1f);
        float[] first = {1, 2, 3}, last = {3, 1, 0};
        double l0 = CrossEntropy.loss(first, new int[] {0}, 1, vocab), l2 = CrossEntropy.loss(last, new int[] {2}, 1, vocab);
        assertThat(both).isCloseTo((l0 + l2) / 2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(copy[3]).isZero();
        assertThat(copy[4]).isZero();
        assertThat(copy[5]).isZero();
    }

    @Test
    void aLineWithoutTheFieldsIsNamedByNumber() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"instruction\":\"a\",\"response\":\"b\"}\n{\"instruction\":\"a\"}\n");
        Path g = dir.resolve("notjson.jsonl");
        Files.writeString(g, "{\"instruction\":\"a\",\"response\":\"b\"}\n\n\n{oops\n");
        try (Model m = Models.load(AdapterEquivalenceTest.BASE)) {
            assertThatThrownBy(() -> InstructionData.read(f, m.tokenizer())).isInstanceOf(PithException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("line 2");
            assertThatThrownBy(() -> InstructionData.read(g, m.tokenizer())).isInstanceOf(PithException.class)
                    .hasMessageContaining("line 4 is not valid JSON");
        }
    }
}
