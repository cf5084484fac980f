package dev.pith.model.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Encode throughput, single thread: Pith's tokenizers against the Hugging Face {@code tokenizers}
 * library (Rust, via DJL's JNI binding) on the same texts in the same process, alternating, median
 * of the measured rounds. Texts are encoded one line at a time (a paragraph of WikiText, a line of
 * source), as data packing does. Run by bench/tokenizers/run.sh; not a test.
 */
public final class TokenizerBench {
    public static void main(String[] args) throws Exception {
        Path shared = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String[]> corpora = List.of(
                new String[] {"wikitext-2-test", Files.readString(shared.resolve("data/text/wikitext-2-test.txt"))},
                new String[] {"jdk-java.util", jdkSource(1_300_000)});
        Path tmp = Files.createTempDirectory("tokbench");
        System.out.println("| tokenizer | text | calls | MB | tokens | Pith MB/s | HF tokenizers MB/s | ratio |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        try (var dirs = Files.list(shared.resolve("data/tokenizers/hf"))) {
            for (Path dir : dirs.sorted().toList()) {
                Path json = dir.resolve("tokenizer.json");
                Tokenizer pith = Tokenizers.fromHfJson(json);
                try (HfOracle hf = new HfOracle(HfOracle.loadable(json, tmp))) {
                    for (String[] c : corpora) for (boolean whole : new boolean[] {false, true}) {
                        // per line (as packing does) and the whole text in one call (no per-call overhead: the
                        // Rust library at its best through JNI)
                        List<String> lines = whole ? List.of(c[1]) : c[1].lines().filter(l -> !l.isEmpty()).map(l -> l + "\n").toList();
                        double mb = lines.stream().mapToLong(l -> l.getBytes(StandardCharsets.UTF_8).length).sum() / 1e6;
                        long pithTokens = 0, hfTokens = 0;
                        double[] p = new double[rounds], h = new double[rounds];
                        for (int r = -1; r < rounds; r++) { // round -1 warms both up
                            long t0 = System.nanoTime();
                            long n = 0;
                            for (String l : lines) n += pith.encode(l, false, false).length;
                            long t1 = System.nanoTime();
                            long m = 0;
                            for (String l : lines) m += hf.encode(l, false).length;
                            long t2 = System.nanoTime();
                            if (r >= 0) {
                                p[r] = mb / ((t1 - t0) / 1e9);
                                h[r] = mb / ((t2 - t1) / 1e9);
                            }
                            pithTokens = n;
                            hfTokens = m;
                        }
                        double pm = median(p), hm = median(h);
                        System.out.printf("| %s | %s | %s | %.2f | %,d%s | %.2f | %.2f | %.2f |%n", dir.getFileName(), c[0], whole ? "whole" : "lines", mb, pithTokens,
                                pithTokens == hfTokens ? "" : " (HF: " + hfTokens + ")", pm, hm, pm / hm);
                    }
                }
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The first bytes of java/util/*.java from the JDK's own src.zip (the demo's corpus). */
    private static String jdkSource(int bytes) throws IOException {
        Path zip = Path.of(System.getProperty("java.home"), "lib", "src.zip");
        StringBuilder sb = new StringBuilder();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            z.stream().filter(e -> e.getName().matches("java\\.base/java/util/[A-Za-z]+\\.java")).forEach(entries::add);
            entries.sort((a, b) -> a.getName().compareTo(b.getName()));
            for (ZipEntry e : entries) {
                try (InputStream in = z.getInputStream(e)) {
                    sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                if (sb.length() >= bytes) break;
            }
        }
        return sb.toString();
    }
}
