package dev.pith.model.gguf;

/**
 * A metadata array kept as the bytes a GGUF file holds for its elements ({@link GgufStrings},
 * {@link GgufNumbers}): the writer copies {@link #raw} as it is when the value's element type is
 * {@link #elementType}.
 */
sealed interface GgufRawArray permits GgufStrings, GgufNumbers {
    /** The elements exactly as GGUF stores them (the element type and count are not included). */
    byte[] raw();

    GgufValueType elementType();
}
