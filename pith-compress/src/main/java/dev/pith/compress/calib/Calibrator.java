package dev.pith.compress.calib;

import dev.pith.model.Model;
import dev.pith.model.runtime.ActivationObserver;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;

/** Runs calibration sequences through a model so an observer sees their activations. */
public final class Calibrator {
    private Calibrator() {}

    public static void run(Model m, int[][] sequences, ActivationObserver o) {
        Transformer t = new Transformer(m, RuntimeOptions.defaults().withContextLength(sequences[0].length));
        t.observe(o);
        for (int[] s : sequences) {
            t.reset();
            t.forward(s);
        }
        t.observe(null);
    }
}
