package dev.pith.compress.calib;

import dev.pith.model.Model;
import dev.pith.model.runtime.ActivationObserver;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;

import java.util.function.IntConsumer;

/** Runs calibration sequences through a model with an observer watching every activation. */
public final class Calibration {
    private Calibration() {}

    /** Each sequence from an empty cache; {@code onSequence} hears how many are done. */
    public static void run(Model model, int[][] sequences, ActivationObserver observer, IntConsumer onSequence) {
        int len = 0;
        for (int[] s : sequences) len = Math.max(len, s.length);
        Transformer t = new Transformer(model, RuntimeOptions.defaults().withContextLength(len));
        t.observe(observer);
        for (int i = 0; i < sequences.length; i++) {
            t.reset();
            t.forward(sequences[i]);
            if (onSequence != null) onSequence.accept(i + 1);
        }
    }
}
