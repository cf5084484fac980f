package dev.pith.model.chat;

import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja template, rendered the way Hugging Face transformers renders chat templates
 * (Jinja2 with {@code trim_blocks} and {@code lstrip_blocks}, loop controls, Python value
 * semantics, transformers' {@code tojson}). Covers the statements, expressions, filters, tests and
 * Python methods that published chat templates use; anything else is a {@link JinjaException}
 * naming it. Written here because no maintained Java Jinja library renders these templates
 * exactly (Jinjava 2.8 rejects Qwen's {@code messages[::-1]} and {@code namespace(a=expr)}).
 */
public final class JinjaTemplate {
    private final List<JinjaAst.Node> nodes;

    private JinjaTemplate(List<JinjaAst.Node> nodes) { this.nodes = nodes; }

    /** Parses {@code source}; a syntax error is a {@link JinjaException} with the line. */
    public static JinjaTemplate compile(String source) {
        // Jinja2's default keep_trailing_newline=False: one newline at the very end is dropped.
        String s = source.endsWith("\r\n") ? source.substring(0, source.length() - 2) : source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        return new JinjaTemplate(JinjaParser.parse(s));
    }

    /**
     * Renders with these variables (String, Boolean, Integer/Long, Double, List, Map values;
     * nested freely) on top of the built-in globals (range, namespace, dict, raise_exception).
     */
    public String render(Map<String, ?> variables) {
        Map<String, Object> globals = JinjaBuiltins.globals();
        variables.forEach((k, v) -> globals.put(k, normalize(v)));
        try {
            return new JinjaInterpreter(globals).render(nodes);
        } catch (StackOverflowError e) {
            throw new JinjaException("the template recursed too deeply (a macro calling itself?)");
        }
    }

    /** Java values into the template's value model: integers as Long, floats as Double, nested collections copied. */
    static Object normalize(Object v) {
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return (double) f;
        if (v instanceof List<?> l) return l.stream().map(JinjaTemplate::normalize).collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normalize(x)));
            return out;
        }
        return v;
    }
}
