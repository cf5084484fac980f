package dev.pith.model.gguf;

import java.util.List;

/**
 * One metadata value with its GGUF type, so that a file read and written again keeps every key's
 * exact type. Scalars are boxed Java values (unsigned integers widened: UINT32 as Long, UINT64 as
 * Long bits); arrays hold a {@code List} of such values plus the element type. Arrays read from a
 * file (other than of bools) are immutable lists over the file's bytes ({@link GgufStrings},
 * {@link GgufNumbers}), boxing or decoding an element only when it is asked for.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue of(GgufValueType type, Object value) { return new GgufValue(type, null, value); }
    public static GgufValue string(String s) { return of(GgufValueType.STRING, s); }
    public static GgufValue u32(long v) { return of(GgufValueType.UINT32, v); }
    public static GgufValue i32(int v) { return of(GgufValueType.INT32, v); }
    public static GgufValue f32(float v) { return of(GgufValueType.FLOAT32, v); }
    public static GgufValue bool(boolean v) { return of(GgufValueType.BOOL, v); }
    public static GgufValue array(GgufValueType elementType, List<?> values) { return new GgufValue(GgufValueType.ARRAY, elementType, values); }

    public boolean isArray() { return type == GgufValueType.ARRAY; }

    @SuppressWarnings("unchecked")
    public List<Object> list() { return (List<Object>) value; }

    /** The value as a long, for any integer type. */
    public long asLong() {
        return switch (value) {
            case Number n when type != GgufValueType.FLOAT32 && type != GgufValueType.FLOAT64 -> n.longValue();
            case Boolean b -> b ? 1 : 0;
            default -> throw new IllegalStateException("metadata value of type " + type + " is not an integer");
        };
    }

    public double asDouble() {
        if (value instanceof Number n) return n.doubleValue();
        throw new IllegalStateException("metadata value of type " + type + " is not a number");
    }

    @Override
    public String toString() {
        if (isArray()) {
            List<Object> l = list();
            return "[" + elementType + " × " + l.size() + "]";
        }
        return String.valueOf(value);
    }
}
