package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;

/**
 * Logit distillation compares distributions token by token, so teacher and student must number the
 * same tokens the same way. Sequence-level distillation (training on the teacher's text) has no
 * such need.
 */
public final class SharedVocabulary {
    private SharedVocabulary() {}

    /**
     * Refuses, naming both models, when the vocabulary sizes differ or, where both carry a
     * tokenizer, when any token's bytes differ.
     */
    public static void require(String teacherName, int teacherVocab, Tokenizer teacherTok, String studentName, int studentVocab, Tokenizer studentTok) {
        String fix = "; logit distillation needs one shared vocabulary (make the student with pith init --tokenizer-from the teacher).";
        if (teacherVocab != studentVocab)
            throw new PithException("the teacher " + teacherName + " has a vocabulary of " + teacherVocab + " tokens and the student "
                    + studentName + " one of " + studentVocab + fix);
        if (teacherTok == null || studentTok == null) return;
        int n = Math.min(teacherTok.vocabSize(), studentTok.vocabSize());
        if (teacherTok.vocabSize() != studentTok.vocabSize())
            throw new PithException("the teacher " + teacherName + " has a tokenizer of " + teacherTok.vocabSize() + " tokens and the student "
                    + studentName + " one of " + studentTok.vocabSize() + fix);
        for (int id = 0; id < n; id++) {
            if (!java.util.Arrays.equals(teacherTok.tokenBytes(id), studentTok.tokenBytes(id)))
                throw new PithException("the teacher " + teacherName + " and the student " + studentName + " number their tokens differently (token "
                        + id + " is '" + teacherTok.tokenText(id) + "' in one and '" + studentTok.tokenText(id) + "' in the other)" + fix);
        }
    }
}
