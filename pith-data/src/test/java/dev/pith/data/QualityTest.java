package dev.pith.data;

import dev.pith.data.quality.Decontaminator;
import dev.pith.data.quality.HashedNgramClassifier;
import dev.pith.data.quality.PerplexityScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QualityTest {
    @TempDir Path dir;

    @Test
    void classifierSeparatesHeldOutStoriesFromRandomTextAndSurvivesSaveAndLoad() throws Exception {
        List<String> stories = TestFiles.stories();
        List<String> good = stories.subList(0, 400), heldOut = stories.subList(2000, 2200);
        List<String> texts = new ArrayList<>(good);
        List<Boolean> labels = new ArrayList<>();
        good.forEach(g -> labels.add(true));
        for (String r : HashedNgramClassifier.randomTexts(good, good.size(), 1)) {
            texts.add(r);
            labels.add(false);
        }
        HashedNgramClassifier c = new HashedNgramClassifier(18);
        c.train(texts, labels, 4, 0.5, 1e-6, 1);
        List<String> randomHeldOut = HashedNgramClassifier.randomTexts(heldOut, heldOut.size(), 99);
        int right = 0;
        for (String s : heldOut) if (c.score(s) >= 0.5) right++;
        for (String s : randomHeldOut) if (c.score(s) < 0.5) right++;
        double accuracy = right / 400.0;
        System.out.printf("classifier held-out accuracy (stories vs word salad): %.3f%n", accuracy);
        assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
        Path f = dir.resolve("clf.bin");
        c.save(f);
        HashedNgramClassifier back = HashedNgramClassifier.load(f);
        assertThat(back.score(heldOut.getFirst())).isEqualTo(c.score(heldOut.getFirst()));
        Files.writeString(dir.resolve("bad.bin"), "not a classifier");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HashedNgramClassifier.load(dir.resolve("bad.bin")))
                .isInstanceOf(dev.pith.core.PithException.class).hasMessageContaining("bad.bin");
    }

    @Test
    void referenceModelGivesStoriesLowerPerplexityThanGarbledText() throws Exception {
        PerplexityScorer p = new PerplexityScorer(TestFiles.shared().resolve("data/models/stories260K-f32.gguf"), 128);
        List<String> stories = TestFiles.stories();
        double story = p.perplexity(stories.get(2100));
        String garbled = HashedNgramClassifier.randomTexts(List.of(stories.get(2100)), 1, 3).getFirst();
        double junk = p.perplexity(garbled);
        System.out.printf("stories260K perplexity: story %.2f, word salad %.2f%n", story, junk);
        assertThat(story).isLessThan(junk / 2);
        assertThat(PerplexityScorer.bucket(story, 20, 60)).isNotEqualTo("tail");
    }

    @Test
    void decontaminationFindsA13GramDespiteFormatting() throws Exception {
        Path eval = dir.resolve("eval.txt");
        Files.writeString(eval, "Q: The quick brown fox jumps over the lazy dog while the cat sleeps soundly on the mat. A: yes");
        Decontaminator d = new Decontaminator(List.of(eval), 13);
        assertThat(d.contaminated("Intro. THE QUICK, brown fox jumps over the lazy dog -- while the cat sleeps soundly on... more")).isTrue();
        assertThat(d.contaminated("The quick brown fox jumps over the lazy dog while the cat naps.")).isFalse(); // 12 shared words only
    }
}
