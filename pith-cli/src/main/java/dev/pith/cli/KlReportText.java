package dev.pith.cli;

import dev.pith.model.runtime.KlDivergence;

import java.io.PrintWriter;
import java.util.Map;

/** `pith perplexity --kl-divergence` as text: the blocks and labels of llama.cpp's report, so the two read alike. */
final class KlReportText {
    private KlReportText() {}

    static void print(PrintWriter out, KlDivergence.Report r) {
        out.println("====== Perplexity statistics ======");
        out.printf("Mean PPL(Q)                   : %10.6f ± %10.6f%n", r.ppl().value(), r.ppl().uncertainty());
        out.printf("Mean PPL(base)                : %10.6f ± %10.6f%n", r.pplBase().value(), r.pplBase().uncertainty());
        out.printf("Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%%%n", 100 * r.lnPplCorrelation());
        out.printf("Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f%n", r.lnPplRatio().value(), r.lnPplRatio().uncertainty());
        out.printf("Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f%n", r.pplRatio().value(), r.pplRatio().uncertainty());
        out.printf("Mean PPL(Q)-PPL(base)         : %10.6f ± %10.6f%n", r.pplDifference().value(), r.pplDifference().uncertainty());
        if (r.baseFloorPositions() > 0) {
            out.printf("(%d of %d positions have the correct token at the base file's floor, 16 nats below its top token: "
                    + "PPL(base) is a lower bound and the ratio an upper one)%n", r.baseFloorPositions(), r.positions());
        }
        out.println();
        out.println("====== KL divergence statistics ======");
        out.printf("Mean    KLD: %10.6f ± %10.6f%n", r.kld().value(), r.kld().uncertainty());
        for (Map.Entry<String, Double> e : r.kldPercentiles().entrySet()) out.printf("%-7s KLD: %10.6f%n", name(e.getKey()), e.getValue());
        out.println();
        out.println("====== Token probability statistics ======");
        out.printf("Mean    Δp: %6.3f ± %5.3f %%%n", 100 * r.deltaP().value(), 100 * r.deltaP().uncertainty());
        for (Map.Entry<String, Double> e : r.deltaPPercentiles().entrySet()) out.printf("%-7s Δp: %6.3f%%%n", name(e.getKey()), 100 * e.getValue());
        out.printf("RMS Δp    : %6.3f ± %5.3f %%%n", 100 * r.rmsDeltaP().value(), 100 * r.rmsDeltaP().uncertainty());
        out.printf("Same top p: %6.3f ± %5.3f %%%n", 100 * r.sameTop().value(), 100 * r.sameTop().uncertainty());
    }

    private static String name(String key) {
        return switch (key) {
            case "max" -> "Maximum";
            case "min" -> "Minimum";
            case "median" -> "Median";
            default -> key + "%";
        };
    }
}
