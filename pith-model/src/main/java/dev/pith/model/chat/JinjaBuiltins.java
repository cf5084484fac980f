package dev.pith.model.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.pith.model.chat.JinjaValues.UNDEFINED;
import static dev.pith.model.chat.JinjaValues.equal;
import static dev.pith.model.chat.JinjaValues.str;
import static dev.pith.model.chat.JinjaValues.toDouble;
import static dev.pith.model.chat.JinjaValues.toLong;
import static dev.pith.model.chat.JinjaValues.truth;
import static dev.pith.model.chat.JinjaValues.typeName;

/** Jinja's operators, filters and tests, and the Python methods of str, dict and list that chat templates call. */
final class JinjaBuiltins {
    private JinjaBuiltins() {}

    /** What {@code namespace()} makes: the one mutable object a template can assign into from inside a loop. */
    static final class Namespace extends LinkedHashMap<String, Object> {}

    // ------------------------------------------------------------------ access

    static List<Object> iterate(Object v) {
        if (v == UNDEFINED) return List.of();
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>();
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        throw new JinjaException("a " + typeName(v) + " is not iterable");
    }

    static Object attribute(Object target, String name) {
        if (target instanceof Map<?, ?> m) return m.containsKey(name) ? m.get(name) : UNDEFINED;
        return UNDEFINED;
    }

    static Object item(Object target, Object key) {
        if (target instanceof Map<?, ?> m) {
            Object k = key instanceof String ? key : str(key);
            return m.containsKey(k) ? m.get(k) : UNDEFINED;
        }
        if ((target instanceof List<?> || target instanceof String) && (key instanceof Long || key instanceof Boolean)) {
            List<Object> items = iterate(target);
            long i = toLong(key);
            if (i < 0) i += items.size();
            return i >= 0 && i < items.size() ? items.get((int) i) : UNDEFINED;
        }
        if (key instanceof String s) return attribute(target, s);
        return UNDEFINED;
    }

    /** Python's seq[start:stop:step] for lists and strings. */
    static Object slice(Object target, Object start, Object stop, Object step) {
        List<Object> items = iterate(target);
        int n = items.size();
        long st = step == null ? 1 : toLong(step);
        if (st == 0) throw new JinjaException("slice step cannot be zero");
        List<Object> out = new ArrayList<>();
        if (st > 0) {
            long a = bound(start, n, 0, 0, n), b = bound(stop, n, n, 0, n);
            for (long i = a; i < b; i += st) out.add(items.get((int) i));
        } else {
            long a = bound(start, n, n - 1, -1, n - 1), b = bound(stop, n, -1, -1, n - 1);
            for (long i = a; i > b; i += st) out.add(items.get((int) i));
        }
        if (target instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (Object o : out) sb.append(o);
            return sb.toString();
        }
        return out;
    }

    private static long bound(Object v, int n, long dflt, long lo, long hi) {
        if (v == null || v == UNDEFINED) return dflt;
        long i = toLong(v);
        if (i < 0) i += n;
        return Math.max(lo, Math.min(hi, i));
    }

    // ------------------------------------------------------------------ operators

    static Object operator(String op, Object l, Object r) {
        switch (op) {
            case "==" -> { return equal(l, r); }
            case "!=" -> { return !equal(l, r); }
            case "<" -> { return JinjaValues.compare(l, r) < 0; }
            case ">" -> { return JinjaValues.compare(l, r) > 0; }
            case "<=" -> { return JinjaValues.compare(l, r) <= 0; }
            case ">=" -> { return JinjaValues.compare(l, r) >= 0; }
            case "in" -> { return contains(r, l); }
            case "not in" -> { return !contains(r, l); }
            case "~" -> { return str(l) + str(r); }
            default -> { }
        }
        if (op.equals("+")) {
            if (l instanceof String a && r instanceof String b) return a + b;
            if (l instanceof List<?> a && r instanceof List<?> b) {
                List<Object> out = new ArrayList<>(a);
                out.addAll(b);
                return out;
            }
        }
        if (op.equals("*") && l instanceof String s && r instanceof Long k) return s.repeat((int) Math.max(0, k));
        if (!JinjaValues.isNumber(l) || !JinjaValues.isNumber(r))
            throw new JinjaException("unsupported operand types for " + op + ": " + typeName(l) + " and " + typeName(r));
        boolean ints = !(l instanceof Double) && !(r instanceof Double);
        switch (op) {
            case "+" -> { return ints ? (Object) (toLong(l) + toLong(r)) : toDouble(l) + toDouble(r); }
            case "-" -> { return ints ? (Object) (toLong(l) - toLong(r)) : toDouble(l) - toDouble(r); }
            case "*" -> { return ints ? (Object) (toLong(l) * toLong(r)) : toDouble(l) * toDouble(r); }
            case "/" -> { return toDouble(l) / toDouble(r); }
            case "//" -> {
                if (ints) return Math.floorDiv(toLong(l), toLong(r));
                return Math.floor(toDouble(l) / toDouble(r));
            }
            case "%" -> {
                if (ints) return Math.floorMod(toLong(l), toLong(r));
                double a = toDouble(l), b = toDouble(r);
                return a - b * Math.floor(a / b);
            }
            case "**" -> {
                double p = Math.pow(toDouble(l), toDouble(r));
                return ints && toLong(r) >= 0 ? (Object) (long) p : p;
            }
            default -> throw new JinjaException("unknown operator " + op);
        }
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) return s.contains(str(item));
        if (container instanceof List<?> l) {
            for (Object o : l) if (equal(o, item)) return true;
            return false;
        }
        if (container instanceof Map<?, ?> m) return m.containsKey(item);
        if (container == UNDEFINED) return false;
        throw new JinjaException("'in' needs a string, list or dict, not a " + typeName(container));
    }

    // ------------------------------------------------------------------ tests

    static boolean test(String name, Object v, List<Object> args) {
        Object a = args.isEmpty() ? null : args.get(0);
        return switch (name) {
            case "defined" -> v != UNDEFINED;
            case "undefined" -> v == UNDEFINED;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "number" -> v instanceof Long || v instanceof Double;
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "mapping" -> v instanceof Map;
            case "sequence", "iterable" -> v instanceof List || v instanceof String || v instanceof Map;
            case "callable" -> v instanceof JinjaValues.Callable;
            case "even" -> toLong(v) % 2 == 0;
            case "odd" -> toLong(v) % 2 != 0;
            case "divisibleby" -> toLong(v) % toLong(a) == 0;
            case "eq", "equalto", "==" -> equal(v, a);
            case "ne", "!=" -> !equal(v, a);
            case "lt", "lessthan", "<" -> JinjaValues.compare(v, a) < 0;
            case "gt", "greaterthan", ">" -> JinjaValues.compare(v, a) > 0;
            case "le", "<=" -> JinjaValues.compare(v, a) <= 0;
            case "ge", ">=" -> JinjaValues.compare(v, a) >= 0;
            case "in" -> contains(a, v);
            case "sameas" -> v == a || (v != null && v.equals(a) && (v instanceof Boolean));
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase());
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase());
            default -> throw new JinjaException("unknown test '" + name + "'");
        };
    }

    // ------------------------------------------------------------------ filters

    static Object filter(String name, Object v, List<Object> args, Map<String, Object> kw) {
        Object a0 = args.isEmpty() ? null : args.get(0);
        switch (name) {
            case "trim" -> { return a0 == null ? PyStrings.strip(str(v), null) : PyStrings.strip(str(v), str(a0)); }
            case "length", "count" -> { return (long) (v instanceof String s ? s.codePointCount(0, s.length()) : iterate(v).size()); }
            case "tojson" -> {
                Object indent = kw.getOrDefault("indent", a0);
                return JinjaValues.json(v, indent == null || indent == UNDEFINED ? null : (int) toLong(indent), truth(kw.get("sort_keys")));
            }
            case "string" -> { return str(v); }
            case "lower" -> { return str(v).toLowerCase(); }
            case "upper" -> { return str(v).toUpperCase(); }
            case "title" -> { return PyStrings.title(str(v)); }
            case "capitalize" -> { return PyStrings.capitalize(str(v)); }
            case "replace" -> { return PyStrings.replace(str(v), str(a0), str(args.get(1)), args.size() > 2 ? toLong(args.get(2)) : -1); }
            case "safe", "e", "escape" -> { return name.equals("safe") ? v : PyStrings.escapeHtml(str(v)); }
            case "join" -> {
                String sep = a0 == null ? str(kw.getOrDefault("d", "")) : str(a0);
                Object attr = kw.get("attribute");
                StringBuilder sb = new StringBuilder();
                List<Object> items = iterate(v);
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) sb.append(sep);
                    sb.append(str(attr == null ? items.get(i) : item(items.get(i), attr)));
                }
                return sb.toString();
            }
            case "first" -> { List<Object> l = iterate(v); return l.isEmpty() ? UNDEFINED : l.get(0); }
            case "last" -> { List<Object> l = iterate(v); return l.isEmpty() ? UNDEFINED : l.get(l.size() - 1); }
            case "list" -> { return iterate(v); }
            case "reverse" -> {
                if (v instanceof String s) return new StringBuilder(s).reverse().toString();
                List<Object> l = iterate(v);
                Collections.reverse(l);
                return l;
            }
            case "default", "d" -> {
                boolean bool = truth(args.size() > 1 ? args.get(1) : kw.get("boolean"));
                boolean missing = v == UNDEFINED || (bool && !truth(v));
                return missing ? (a0 == null ? "" : a0) : v;
            }
            case "items" -> { return pairs(v); }
            case "dictsort" -> {
                List<Object> p = pairs(v);
                p.sort((x, y) -> JinjaValues.compare(((List<?>) x).get(0), ((List<?>) y).get(0)));
                return p;
            }
            case "selectattr", "rejectattr" -> {
                boolean select = name.equals("selectattr");
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v)) {
                    Object attr = item(o, a0);
                    boolean ok = args.size() < 2 ? truth(attr) : test(str(args.get(1)), attr, args.subList(2, args.size()));
                    if (ok == select) out.add(o);
                }
                return out;
            }
            case "select", "reject" -> {
                boolean select = name.equals("select");
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v)) {
                    boolean ok = args.isEmpty() ? truth(o) : test(str(a0), o, args.subList(1, args.size()));
                    if (ok == select) out.add(o);
                }
                return out;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v)) {
                    if (kw.containsKey("attribute")) {
                        Object x = item(o, kw.get("attribute"));
                        out.add(x == UNDEFINED && kw.containsKey("default") ? kw.get("default") : x);
                    } else {
                        out.add(filter(str(a0), o, args.subList(1, args.size()), Map.of()));
                    }
                }
                return out;
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v)) if (out.stream().noneMatch(x -> equal(x, o))) out.add(o);
                return out;
            }
            case "sort" -> {
                List<Object> l = iterate(v);
                Object attr = kw.get("attribute");
                l.sort((x, y) -> JinjaValues.compare(attr == null ? x : item(x, attr), attr == null ? y : item(y, attr)));
                if (truth(kw.getOrDefault("reverse", a0))) Collections.reverse(l);
                return l;
            }
            case "int" -> {
                if (v instanceof String s) {
                    try { return Long.parseLong(s.strip()); } catch (NumberFormatException e) { return a0 == null ? 0L : a0; }
                }
                return JinjaValues.isNumber(v) ? toLong(v) : 0L;
            }
            case "float" -> {
                if (v instanceof String s) {
                    try { return Double.parseDouble(s.strip()); } catch (NumberFormatException e) { return 0.0; }
                }
                return JinjaValues.isNumber(v) ? toDouble(v) : 0.0;
            }
            case "abs" -> { return v instanceof Long l ? (Object) Math.abs(l) : Math.abs(toDouble(v)); }
            case "round" -> {
                int digits = a0 == null ? 0 : (int) toLong(a0);
                return new java.math.BigDecimal(toDouble(v)).setScale(digits, java.math.RoundingMode.HALF_EVEN).doubleValue();
            }
            case "sum" -> {
                Object total = 0L;
                for (Object o : iterate(v)) total = operator("+", total, o);
                return total;
            }
            case "min", "max" -> {
                List<Object> l = iterate(v);
                if (l.isEmpty()) return UNDEFINED;
                Object best = l.get(0);
                for (Object o : l) if (name.equals("min") ? JinjaValues.compare(o, best) < 0 : JinjaValues.compare(o, best) > 0) best = o;
                return best;
            }
            case "indent" -> {
                int width = (int) toLong(kw.getOrDefault("width", a0 == null ? 4L : a0));
                boolean first = truth(kw.getOrDefault("first", args.size() > 1 ? args.get(1) : false));
                return PyStrings.indent(str(v), " ".repeat(width), first, truth(kw.get("blank")));
            }
            case "wordcount" -> { return (long) PyStrings.split(str(v), null, -1).size(); }
            default -> throw new JinjaException("unknown filter '" + name + "'");
        }
    }

    private static List<Object> pairs(Object v) {
        if (!(v instanceof Map<?, ?> m)) throw new JinjaException("items() needs a dict, not a " + typeName(v));
        List<Object> out = new ArrayList<>();
        m.forEach((k, x) -> out.add(new JinjaValues.Tuple(java.util.Arrays.asList(k, x))));
        return out;
    }

    // ------------------------------------------------------------------ methods

    static Object method(Object target, String name, List<Object> args, Map<String, Object> kw) {
        Object a0 = args.isEmpty() ? null : args.get(0);
        if (target instanceof String s) {
            return switch (name) {
                case "strip" -> PyStrings.strip(s, a0 == null ? null : str(a0));
                case "lstrip" -> PyStrings.lstrip(s, a0 == null ? null : str(a0));
                case "rstrip" -> PyStrings.rstrip(s, a0 == null ? null : str(a0));
                case "split" -> new ArrayList<Object>(PyStrings.split(s, a0 == null ? null : str(a0), args.size() > 1 ? toLong(args.get(1)) : -1));
                case "rsplit" -> new ArrayList<Object>(PyStrings.rsplit(s, a0 == null ? null : str(a0), args.size() > 1 ? toLong(args.get(1)) : -1));
                case "splitlines" -> new ArrayList<Object>(PyStrings.splitlines(s));
                case "startswith" -> anyAffix(a0, s::startsWith);
                case "endswith" -> anyAffix(a0, s::endsWith);
                case "upper" -> s.toUpperCase();
                case "lower" -> s.toLowerCase();
                case "title" -> PyStrings.title(s);
                case "capitalize" -> PyStrings.capitalize(s);
                case "replace" -> PyStrings.replace(s, str(a0), str(args.get(1)), args.size() > 2 ? toLong(args.get(2)) : -1);
                case "find" -> (long) s.indexOf(str(a0));
                case "count" -> (long) PyStrings.count(s, str(a0));
                case "join" -> {
                    StringBuilder sb = new StringBuilder();
                    List<Object> items = iterate(a0);
                    for (int i = 0; i < items.size(); i++) sb.append(i > 0 ? s : "").append(str(items.get(i)));
                    yield sb.toString();
                }
                case "format" -> PyStrings.format(s, args);
                default -> throw new JinjaException("a string has no method '" + name + "'");
            };
        }
        if (target instanceof Map<?, ?> m) {
            return switch (name) {
                case "items" -> pairs(m);
                case "keys" -> new ArrayList<Object>(m.keySet());
                case "values" -> new ArrayList<Object>(m.values());
                case "get" -> m.containsKey(a0) ? m.get(a0) : (args.size() > 1 ? args.get(1) : null);
                default -> throw new JinjaException("a dict has no method '" + name + "'");
            };
        }
        if (target instanceof List<?> l) {
            return switch (name) {
                case "index" -> {
                    for (int i = 0; i < l.size(); i++) if (equal(l.get(i), a0)) yield (long) i;
                    throw new JinjaException(JinjaValues.repr(a0) + " is not in the list");
                }
                case "count" -> l.stream().filter(x -> equal(x, a0)).count();
                default -> throw new JinjaException("a list has no method '" + name + "' (templates cannot change lists)");
            };
        }
        throw new JinjaException("'" + name + "' is not a method of a " + typeName(target));
    }

    private static boolean anyAffix(Object affix, java.util.function.Predicate<String> p) {
        if (affix instanceof List<?> l) return l.stream().anyMatch(x -> p.test(str(x)));
        return p.test(str(affix));
    }

    // ------------------------------------------------------------------ globals

    static Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (JinjaValues.Callable) (args, kw) -> {
            long start = args.size() > 1 ? toLong(args.get(0)) : 0, stop = toLong(args.get(args.size() > 1 ? 1 : 0));
            long step = args.size() > 2 ? toLong(args.get(2)) : 1;
            if (step == 0) throw new JinjaException("range() step must not be zero");
            List<Object> out = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) out.add(i);
            return out;
        });
        g.put("namespace", (JinjaValues.Callable) (args, kw) -> {
            Namespace ns = new Namespace();
            for (Object a : args) if (a instanceof Map<?, ?> m) m.forEach((k, v) -> ns.put(str(k), v));
            ns.putAll(kw);
            return ns;
        });
        g.put("dict", (JinjaValues.Callable) (args, kw) -> new LinkedHashMap<>(kw));
        g.put("raise_exception", (JinjaValues.Callable) (args, kw) -> {
            throw new JinjaException("the chat template refused the conversation: " + (args.isEmpty() ? "" : str(args.get(0))));
        });
        return g;
    }
}
