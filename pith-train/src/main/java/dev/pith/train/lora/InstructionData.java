package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.TokenSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Instruction data from JSONL, one {"instruction" or "prompt": …, "response": …} object a line
 * (an optional "input" is appended to the instruction), formatted with a plain template because
 * Pith has no chat-template engine yet:
 * <pre>
 * ### Instruction:
 * {instruction}
 *
 * ### Response:
 * {response}&lt;eos&gt;
 * </pre>
 * Examples are tokenized one by one (BOS first where the tokenizer adds it) and packed end to end;
 * the loss counts only the response tokens and the closing EOS ({@link TokenSource#trained}).
 */
public final class InstructionData {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Tokens with a per-token "trained" flag. */
    public record Packed(int[] tokens, boolean[] trained, int examples) {
        public TokenSource source(int from, int to) {
            int[] t = Arrays.copyOfRange(tokens, from, to);
            boolean[] m = Arrays.copyOfRange(trained, from, to);
            return new TokenSource() {
                public long size() { return t.length; }
                public int get(long i) { return t[Math.toIntExact(i)]; }
                @Override public boolean trained(long i) { return m[Math.toIntExact(i)]; }
            };
        }
    }

    private InstructionData() {}

    public static String prompt(String instruction) { return "### Instruction:\n" + instruction + "\n\n### Response:\n"; }

    public static boolean isJsonl(Path p) { return p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jsonl"); }

    /** Reads and tokenizes every line; a line without the fields is one sentence naming the file and line. */
    public static Packed read(Path file, Tokenizer tok) {
        int[] t = new int[1 << 12];
        boolean[] m = new boolean[t.length];
        int n = 0, examples = 0, lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode o;
                try {
                    o = JSON.readTree(line);
                } catch (IOException e) {
                    throw new PithException(file + " line " + lineNo + " is not valid JSON.");
                }
                JsonNode ins = o.has("instruction") ? o.get("instruction") : o.get("prompt");
                JsonNode res = o.get("response");
                if (!o.isObject() || ins == null || !ins.isTextual() || res == null || !res.isTextual())
                    throw new PithException(file + " line " + lineNo + " needs string fields \"instruction\" (or \"prompt\") and \"response\".");
                String instruction = ins.asText();
                if (o.hasNonNull("input") && !o.get("input").asText().isEmpty()) instruction += "\n\n" + o.get("input").asText();
                int[] p = tok.encode(prompt(instruction), tok.addBosByDefault(), false);
                int[] a = tok.encode(res.asText(), false, false);
                int need = n + p.length + a.length + 1;
                if (need > t.length) {
                    t = Arrays.copyOf(t, Math.max(need, t.length * 2));
                    m = Arrays.copyOf(m, t.length);
                }
                System.arraycopy(p, 0, t, n, p.length);
                n += p.length;
                System.arraycopy(a, 0, t, n, a.length);
                Arrays.fill(m, n, n + a.length + 1, true);
                n += a.length;
                t[n++] = tok.eos();
                examples++;
            }
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").", e);
        }
        if (examples == 0) throw new PithException(file + " holds no instruction/response pairs.");
        return new Packed(Arrays.copyOf(t, n), Arrays.copyOf(m, n), examples);
    }
}
