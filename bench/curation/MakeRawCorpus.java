// Builds the "raw" corpus of the curation headline (bench/RESULTS.md, "# Data curation"): the
// shared TinyStories sample's first 90% of stories mixed with the junk a crawl brings along, and
// the last 10% of stories as clean held-out text. Deterministic (seed 42).
//
//   java bench/curation/MakeRawCorpus.java ../shared/data/text/tinystories-sample.txt OUT_DIR
//
// Writes OUT_DIR/raw.jsonl (id, text), OUT_DIR/heldout.txt and OUT_DIR/trusted.jsonl (the first 300
// training stories: the "good" examples of the quality classifier). Junk kinds and shares are printed.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;

public class MakeRawCorpus {
    static final String[] BOILER_LINES = {
            "Click here to subscribe to our newsletter",
            "Share this story: Facebook | Twitter | Pinterest | Email",
            "This website uses cookies to ensure you get the best experience. Learn more",
            "Please enable JavaScript in your browser to view this content.",
            "Advertisement",
            "Read more stories like this >>",
            "Posted by admin at 10:42 AM | 3 comments",
            "Tags: kids, bedtime, stories, moral, free",
    };
    static final String[] NAV = {"Home", "About Us", "Contact", "Privacy Policy", "Terms of Use", "Blog", "Shop", "FAQ", "Careers", "Login", "Sign up", "Sitemap"};

    public static void main(String[] a) throws Exception {
        Path sample = Path.of(a[0]), out = Path.of(a[1]);
        Files.createDirectories(out);
        List<String> stories = new ArrayList<>();
        for (String s : Files.readString(sample).split("<\\|endoftext\\|>")) if (!s.isBlank()) stories.add(s.strip());
        int nTrain = (int) (stories.size() * 0.9);
        List<String> train = stories.subList(0, nTrain), held = stories.subList(nTrain, stories.size());
        Files.writeString(out.resolve("heldout.txt"), String.join("\n\n", held) + "\n");
        StringBuilder trusted = new StringBuilder(); // a small trusted sample for the quality classifier
        for (int i = 0; i < 300; i++) trusted.append("{\"id\":\"trusted-").append(i).append("\",\"text\":").append(q(train.get(i))).append("}\n");
        Files.writeString(out.resolve("trusted.jsonl"), trusted.toString());

        Random rnd = new Random(42);
        List<String[]> docs = new ArrayList<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        for (String s : train) Collections.addAll(words, s.split("\\s+"));

        for (int i = 0; i < train.size(); i++) {
            String s = train.get(i);
            if (rnd.nextDouble() < 0.25) { // boilerplate lines around a good story
                String line = BOILER_LINES[rnd.nextInt(BOILER_LINES.length)];
                s = rnd.nextBoolean() ? line + "\n" + s : s + "\n" + line + "\n" + BOILER_LINES[rnd.nextInt(BOILER_LINES.length)];
                add(docs, bytes, "story-with-boilerplate-lines", "story-" + i, s);
            } else {
                add(docs, bytes, "story", "story-" + i, s);
            }
            if (rnd.nextDouble() < 0.3) { // exact copies (some differ only in whitespace)
                for (int c = 0, n = 1 + rnd.nextInt(3); c < n; c++)
                    add(docs, bytes, "exact-duplicate", "story-" + i + "-copy" + c, c % 2 == 0 ? train.get(i) : train.get(i).replace("\n", "\r\n") + "  \n");
            }
            if (rnd.nextDouble() < 0.1) { // a lightly edited copy
                String[] w = train.get(i).split(" ");
                for (int e = 0; e < 2; e++) w[rnd.nextInt(w.length)] = words.get(rnd.nextInt(words.size()));
                add(docs, bytes, "near-duplicate", "story-" + i + "-edited", String.join(" ", w));
            }
        }
        for (int i = 0; i < 300; i++) { // navigation / cookie / footer pages
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 6; k++) sb.append(NAV[rnd.nextInt(NAV.length)]).append(k < 5 ? " | " : "\n");
            sb.append("We use cookies to improve your experience. By continuing you agree to our cookie policy.\n");
            sb.append("© ").append(2010 + rnd.nextInt(15)).append(" Example Media ").append(rnd.nextInt(1000)).append(". All rights reserved.\n");
            for (int k = 0; k < 3 + rnd.nextInt(5); k++) sb.append(BOILER_LINES[rnd.nextInt(BOILER_LINES.length)]).append('\n');
            add(docs, bytes, "boilerplate-page", "page-" + i + ".html", sb.toString());
        }
        for (int i = 0; i < 300; i++) { // generated and garbled text
            StringBuilder sb = new StringBuilder();
            switch (i % 4) {
                case 0 -> { for (int k = 0; k < 150; k++) sb.append(words.get(rnd.nextInt(words.size()))).append(k % 17 == 16 ? "\n" : " "); } // word salad
                case 1 -> { for (int k = 0; k < 12; k++) { for (int c = 0; c < 76; c++) sb.append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charAt(rnd.nextInt(64))); sb.append('\n'); } }
                case 2 -> { String w = words.get(rnd.nextInt(words.size())); for (int k = 0; k < 20; k++) sb.append(w).append(' ').append(w).append(' ').append(w).append("!!! ").append(k % 4 == 3 ? "\n" : ""); }
                default -> { for (int k = 0; k < 10; k++) sb.append("best cheap ").append(words.get(rnd.nextInt(words.size()))).append(" buy now free shipping ... #deal #sale ...\n"); }
            }
            add(docs, bytes, "garbled-or-generated", "junk-" + i, sb.toString());
        }
        try (ZipFile z = new ZipFile(Path.of(System.getProperty("java.home"), "lib", "src.zip").toFile())) { // licence headers of source files
            List<String> names = new ArrayList<>();
            z.stream().filter(e -> e.getName().startsWith("java.base/java/util/") && e.getName().endsWith(".java")).forEach(e -> names.add(e.getName()));
            Collections.sort(names);
            for (int i = 0; i < 150; i++) {
                String n = names.get(rnd.nextInt(names.size()));
                String src = new String(z.getInputStream(z.getEntry(n)).readAllBytes(), StandardCharsets.UTF_8);
                int end = src.indexOf("*/");
                String header = end > 0 ? src.substring(0, end + 2) + "\n" : src;
                String id = "licence-" + i + "-" + n.substring(n.lastIndexOf('/') + 1);
                add(docs, bytes, "licence-header-only", id, i % 3 == 0 ? "// Code generated by a tool. DO NOT EDIT.\n" + header + "package x;\nclass G" + i + " { int[] t = {1,2,3}; }\n" : header);
            }
        }
        Collections.shuffle(docs, rnd);
        StringBuilder jl = new StringBuilder();
        for (String[] d : docs) jl.append("{\"id\":").append(q(d[0])).append(",\"text\":").append(q(d[1])).append("}\n");
        Files.writeString(out.resolve("raw.jsonl"), jl.toString());
        long total = bytes.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("%d documents, %,d bytes; held out: %d stories, %,d bytes%n", docs.size(), total, held.size(), Files.size(out.resolve("heldout.txt")));
        bytes.forEach((k, v) -> System.out.printf("  %-30s %,10d bytes (%.1f%%)%n", k, v, 100.0 * v / total));
    }

    static void add(List<String[]> docs, Map<String, Long> bytes, String kind, String id, String text) {
        docs.add(new String[]{id, text});
        bytes.merge(kind, (long) text.getBytes(StandardCharsets.UTF_8).length, Long::sum);
    }

    static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> { if (c < 0x20) sb.append(String.format("\\u%04x", (int) c)); else sb.append(c); }
            }
        }
        return sb.append('"').toString();
    }
}
