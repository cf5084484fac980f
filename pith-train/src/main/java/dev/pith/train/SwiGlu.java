package dev.pith.train;

/**
 * The Llama MLP: down( silu(gate(x)) ⊙ up(x) ), silu(g) = g·σ(g). Saves the gate and up
 * projections and their product. silu'(g) = σ(g)·(1 + g·(1 − σ(g))).
 */
public final class SwiGlu {
    private final Linear gate, up, down;
    private int n;
    private float[] g, u, h, dh, dg, du;
    private Activations acts = new Activations(), scratch = new Activations();

    public SwiGlu(Param gate, Param up, Param down) {
        this.gate = new Linear(gate);
        this.up = new Linear(up);
        this.down = new Linear(down);
    }

    /** Where the saved activations live (shared between blocks under activation recomputation) and the backward-only gradients (always shared). */
    void useActivations(Activations saved, Activations scratch) {
        acts = saved;
        this.scratch = scratch;
    }

    java.util.List<Linear> linears() { return java.util.List.of(gate, up, down); }

    public void forward(float[] x, float[] y, int n) {
        int f = gate.out();
        this.n = n;
        g = acts.get("mlp.g", n * f);
        u = acts.get("mlp.u", n * f);
        h = acts.get("mlp.h", n * f);
        dh = scratch.get("mlp.dh", n * f);
        dg = scratch.get("mlp.dg", n * f);
        du = scratch.get("mlp.du", n * f);
        gate.forward(x, g, n);
        up.forward(x, u, n);
        ShareThreads.forRange(n * f, 4096, (from, to) -> {
            for (int i = from; i < to; i++) {
                float s = sigmoid(g[i]);
                h[i] = g[i] * s * u[i];
            }
        });
        down.forward(h, y, n);
    }

    public void backward(float[] dy, float[] dx, boolean accumulateDx) {
        int f = gate.out();
        down.backward(dy, dh, n, false);
        ShareThreads.forRange(n * f, 4096, (from, to) -> {
            for (int i = from; i < to; i++) {
                float s = sigmoid(g[i]);
                float silu = g[i] * s;
                du[i] = dh[i] * silu;
                dg[i] = dh[i] * u[i] * s * (1f + g[i] * (1f - s));
            }
        });
        gate.backward(dg, dx, n, accumulateDx);
        up.backward(du, dx, n, true);
    }

    static float sigmoid(float x) { return 1f / (1f + (float) Math.exp(-x)); }
}
