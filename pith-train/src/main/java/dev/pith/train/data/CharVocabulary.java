package dev.pith.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** A character-level vocabulary (nanoGPT's shakespeare_char): every distinct code point, sorted, one token each. */
public final class CharVocabulary {
    private final TreeSet<Integer> codePoints = new TreeSet<>();

    public void add(String text) { text.codePoints().forEach(codePoints::add); }

    public List<String> tokens() {
        List<String> out = new ArrayList<>();
        for (int cp : codePoints) out.add(new String(Character.toChars(cp)));
        return out;
    }
}
