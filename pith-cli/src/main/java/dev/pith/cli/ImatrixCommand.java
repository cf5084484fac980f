package dev.pith.cli;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.imatrix.Imatrix;
import dev.pith.compress.imatrix.ImatrixCollector;
import dev.pith.compress.imatrix.ImatrixFile;
import dev.pith.model.Model;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "imatrix",
        description = {"Importance matrix from calibration text, as llama-imatrix computes it: for every weight matrix of the",
                "blocks, the per-column mean of the squared activations it multiplies. Written in llama.cpp's GGUF imatrix",
                "format, which `pith quantize --imatrix` and llama-quantize --imatrix read."})
final class ImatrixCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--calib", required = true, paramLabel = "FILE", description = "Calibration text (UTF-8).")
    Path calib;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Output imatrix file (.gguf).")
    Path out;

    @Option(names = "--chunks", defaultValue = "0", paramLabel = "N", description = "Chunks to process; 0 = the whole text (default).")
    int chunks;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try (Model m = common.load()) {
            int ctx = common.ctx > 0 ? common.ctx : Math.min(512, m.config().contextLength());
            List<int[]> cs = CalibrationText.chunks(m, calib, ctx, chunks);
            ImatrixCollector collector = new ImatrixCollector();
            try (ProgressBar bar = Progress.bar("imatrix", cs.size())) {
                CalibrationText.run(m, cs, collector, bar::stepTo);
            }
            Imatrix im = collector.result(calib.getFileName().toString(), cs.size(), ctx);
            ImatrixFile.write(im, out);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", common.model.toString());
            o.put("calib", calib.toString());
            o.put("out", out.toString());
            o.put("chunks", cs.size());
            o.put("ctx", ctx);
            o.put("tokens", (long) cs.size() * ctx);
            o.put("entries", im.entries().size());
            o.put("seconds", (System.nanoTime() - t0) / 1e9);
            if (common.json) Json.print(spec.commandLine().getOut(), o);
            else spec.commandLine().getOut().printf("wrote %s (%d matrices, %d chunks of %d tokens)%n", out, im.entries().size(), cs.size(), ctx);
        }
    }
}
