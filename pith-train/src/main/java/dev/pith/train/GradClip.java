package dev.pith.train;

import java.util.List;

/** Gradient clipping by the global L2 norm over all parameters, as torch's clip_grad_norm_. */
public final class GradClip {
    private GradClip() {}

    public static double globalNorm(List<Param> params) {
        double s = 0;
        for (Param p : params) if (p.g != null) for (float g : p.g) s += (double) g * g;
        return Math.sqrt(s);
    }

    /** Scales every gradient by maxNorm/(norm + 1e-6) when that is below 1; returns the norm before clipping. */
    public static double clip(List<Param> params, double maxNorm) {
        double norm = globalNorm(params);
        if (maxNorm <= 0) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            for (Param p : params) if (p.g != null) for (int i = 0; i < p.g.length; i++) p.g[i] *= c;
        }
        return norm;
    }
}
