package dev.pith.model.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A varied corpus for comparing tokenizers with the reference: WikiText-2 lines and chunks, JDK
 * source files from the running JDK's lib/src.zip, and hand-written strings with emoji, CJK and other
 * scripts, odd whitespace (tabs, CRLF, NBSP, ideographic space) and special-token strings.
 */
final class OracleCorpus {
    private OracleCorpus() {}

    static final List<String> JDK_FILES = List.of("java.base/java/lang/String.java", "java.base/java/util/HashMap.java",
            "java.base/java/util/regex/Pattern.java", "java.base/java/lang/Character.java");

    static List<String> wikiText() throws IOException {
        String all = Files.readString(VocabTestCases.shared().resolve("data/text/wikitext-2-test.txt"));
        List<String> out = new ArrayList<>(List.of(all.substring(0, 150_000).split("(?<=\n)")));
        for (int at : new int[] {300_000, 700_000, 1_100_000}) out.add(all.substring(at, at + 20_000));
        return out;
    }

    /** The first 60 kB of a few JDK sources (tabs are rare in them, so CRLF and tab variants are added). */
    static List<String> jdkSource() throws IOException {
        Path zip = Path.of(System.getProperty("java.home"), "lib", "src.zip");
        List<String> out = new ArrayList<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (String name : JDK_FILES) {
                ZipEntry e = z.getEntry(name);
                if (e == null) throw new IOException(zip + " has no " + name);
                try (InputStream in = z.getInputStream(e)) {
                    String src = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    src = src.substring(0, Math.min(src.length(), 60_000));
                    out.add(src);
                    String part = src.substring(0, 8_000);
                    out.add(part.replace("\n", "\r\n"));
                    out.add(part.replace("    ", "\t"));
                }
            }
        }
        return out;
    }

    static final List<String> HANDWRITTEN = List.of(
            // emoji: plain, skin tones, ZWJ families, flags, keycaps, variation selectors
            "I ❤️ tokenizers 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇯🇵🇫🇷 1️⃣ ☕︎ 🦙🤗",
            "🧑🏿‍🚀🏳️‍🌈 emoji at the end 🐍",
            // CJK and other scripts
            "東京は日本の首都です。北京是中国的首都。서울은 한국의 수도입니다.",
            "日本語のテキスト、カタカナ、ひらがな、漢字。中文标点：“引号”，《书名》！",
            "Привет, мир! Ελληνικά κείμενα. مرحبا بالعالم. שלום עולם. नमस्ते दुनिया। สวัสดีชาวโลก",
            "naïve café résumé Æsir Øresund straße ǅ ﬁ ﬀ Ω ℃ ½ ² ⅷ ①",
            "e\u0301 vs é, a\u030A vs å, \u1100\u1161 Hangul jamo, Zalgo z̸̡̛a̴̢l̷g̸o̵",
            // whitespace
            "tabs\tbetween\t\twords\t", "CRLF line\r\nnext line\r\n\r\nafter blank\r\n", "lone\rcarriage return",
            "many     spaces      here   ", "   leading and trailing   ", "\n\n\n\nnewlines\n\n",
            "nbsp\u00A0here\u00A0\u00A0twice", "ideographic\u3000space", "thin\u2009space and\u200Bzero width",
            "vertical\u000Btab and form\u000Cfeed", "mixed \t \r\n \u00A0\u3000 end",
            // numbers and punctuation
            "1234567890 3.14159 1,000,000 0x1F 1e-9 2024-01-01 12:34:56", "a--b...c!!!d???e;;;f",
            "He said \"don't\" and 'I'll' — it's O'Neill's DON'T SHOUT'S", "$100 + €50 = £? ¥¥ ₿",
            "https://example.com/path?q=1&r=2#frag user@example.org",
            // code
            "def f(x):\n    return x ** 2  # square\n\nprint(f(3))\n", "int main() { printf(\"%d\\n\", 42); }",
            "{\"key\": [1, 2, {\"nested\": null}], \"t\": true}", "<html><body class=\"x\">Hi &amp; bye</body></html>",
            // special-token strings, whole, partial, adjacent, padded
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello [/INST] Hi!</s>",
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>",
            "<|endoftext|>after end<|endoftext|><|endoftext|>", "<s><s></s></s>", " <s> spaced </s> ", "<unk> <pad> <mask>",
            "<think>\nreasoning\n</think>\n\nanswer", "<|im_start", "im_end|>", "<|", "|>", "<<s>>", "<s", "s>",
            "<|user|>\nHi</s>\n<|assistant|>\n",
            // control characters and oddities
            "nul\u0000byte bell\u0007 esc\u001B[31mred\u001B[0m del\u007F", "\uFEFFBOM at start", "soft\u00ADhyphen",
            "", " ", "a", "  ", "\t", "\n", "\r\n");

    static List<String> all() throws IOException {
        List<String> out = new ArrayList<>(HANDWRITTEN);
        out.addAll(wikiText());
        out.addAll(jdkSource());
        return out;
    }
}
