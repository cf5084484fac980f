package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.PithException;
import dev.pith.model.chat.ChatTemplate;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.TokenSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Instruction data from JSONL, one {"instruction" or "prompt": …, "response": …} object a line
 * (an optional "input" is appended to the instruction). When the tokenizer carries a chat template
 * the pair is one user turn and one assistant turn through it (everything after the generation
 * prompt is the response, the template's end-of-turn included); otherwise a plain template:
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

    /** Tokens with a per-token "trained" flag; {@code chatTemplate} says whether the model's template formatted them. */
    public record Packed(int[] tokens, boolean[] trained, int examples, boolean chatTemplate) {
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
        ChatTemplate chat = ChatTemplate.of(tok);
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
                int[][] pa = chat != null ? viaTemplate(chat, tok, instruction, res.asText()) : new int[][] {
                        tok.encode(prompt(instruction), tok.addBosByDefault(), false), append(tok.encode(res.asText(), false, false), tok.eos())};
                int[] p = pa[0], a = pa[1];
                int need = n + p.length + a.length;
                if (need > t.length) {
                    t = Arrays.copyOf(t, Math.max(need, t.length * 2));
                    m = Arrays.copyOf(m, t.length);
                }
                System.arraycopy(p, 0, t, n, p.length);
                n += p.length;
                System.arraycopy(a, 0, t, n, a.length);
                Arrays.fill(m, n, n + a.length, true);
                n += a.length;
                examples++;
            }
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").", e);
        }
        if (examples == 0) throw new PithException(file + " holds no instruction/response pairs.");
        return new Packed(Arrays.copyOf(t, n), Arrays.copyOf(m, n), examples, chat != null);
    }

    private static int[] append(int[] a, int v) {
        int[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }

    /** {prompt tokens, response tokens} through the model's chat template. */
    private static int[][] viaTemplate(ChatTemplate chat, Tokenizer tok, String instruction, String response) {
        List<ChatTemplate.Message> user = List.of(new ChatTemplate.Message("user", instruction));
        String prompt = chat.apply(user, true);
        String full = chat.apply(List.of(user.getFirst(), new ChatTemplate.Message("assistant", response)), false);
        // templates render the conversation so far identically; if one does not, fall back to the reply text alone
        String reply = full.startsWith(prompt) ? full.substring(prompt.length()) : response;
        String bosText = tok.bos() >= 0 ? tok.tokenText(tok.bos()) : null;
        boolean addBos = tok.addBosByDefault() && (bosText == null || !prompt.startsWith(bosText));
        return new int[][] {tok.encode(prompt, addBos, true), tok.encode(reply, false, true)};
    }
}
