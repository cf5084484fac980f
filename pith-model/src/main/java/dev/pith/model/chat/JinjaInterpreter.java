package dev.pith.model.chat;

import dev.pith.model.chat.JinjaAst.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.pith.model.chat.JinjaValues.UNDEFINED;
import static dev.pith.model.chat.JinjaValues.str;
import static dev.pith.model.chat.JinjaValues.truth;

/**
 * Renders a parsed template. Scopes follow Jinja2: a {@code for} body gets a fresh scope per
 * iteration (so {@code set} inside a loop does not leak out, which is why templates use
 * {@code namespace()}); {@code if} bodies share their enclosing scope; a macro runs in its own.
 */
final class JinjaInterpreter {
    private enum Flow { NORMAL, BREAK, CONTINUE }

    private final Deque<Map<String, Object>> scopes = new ArrayDeque<>();
    private final Map<String, Object> globals, templateScope = new HashMap<>();

    JinjaInterpreter(Map<String, Object> globals) {
        this.globals = new HashMap<>(globals);
        scopes.push(this.globals);
        scopes.push(templateScope);
    }

    String render(List<Node> nodes) {
        StringBuilder out = new StringBuilder();
        if (run(nodes, out) != Flow.NORMAL) throw new JinjaException("{% break %} or {% continue %} outside a loop");
        return out.toString();
    }

    private Flow run(List<Node> nodes, StringBuilder out) {
        for (Node n : nodes) {
            Flow f = exec(n, out);
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Node node, StringBuilder out) {
        switch (node) {
            case Text t -> out.append(t.text());
            case Output o -> out.append(str(eval(o.value())));
            case If i -> {
                for (Branch b : i.branches()) if (truth(eval(b.condition()))) return run(b.body(), out);
                return run(i.otherwise(), out);
            }
            case For f -> { return forLoop(f, out); }
            case Assign s -> assign(s);
            case SetBlock s -> {
                StringBuilder captured = new StringBuilder();
                run(s.body(), captured);
                scopes.peek().put(s.target(), captured.toString());
            }
            case Macro m -> scopes.peek().put(m.name(), macro(m));
            case Break b -> { return Flow.BREAK; }
            case Continue c -> { return Flow.CONTINUE; }
            case CallNode c -> eval(c.call());
        }
        return Flow.NORMAL;
    }

    private void assign(Assign s) {
        Object v = eval(s.value());
        if (s.attribute() != null) {
            Object ns = lookup(s.targets().get(0));
            if (!(ns instanceof JinjaBuiltins.Namespace n)) throw new JinjaException("cannot set an attribute of '" + s.targets().get(0) + "', which is not a namespace()");
            n.put(s.attribute(), v);
            return;
        }
        if (s.targets().size() == 1) {
            scopes.peek().put(s.targets().get(0), v);
            return;
        }
        List<Object> items = JinjaBuiltins.iterate(v);
        if (items.size() != s.targets().size()) throw new JinjaException("cannot unpack " + items.size() + " values into " + s.targets().size() + " names");
        for (int i = 0; i < items.size(); i++) scopes.peek().put(s.targets().get(i), items.get(i));
    }

    private Flow forLoop(For f, StringBuilder out) {
        List<Object> all = JinjaBuiltins.iterate(eval(f.iterable()));
        List<Object> items = new ArrayList<>();
        for (Object item : all) {
            if (f.filter() == null) { items.add(item); continue; }
            scopes.push(new HashMap<>());
            bindTargets(f.targets(), item);
            boolean keep = truth(eval(f.filter()));
            scopes.pop();
            if (keep) items.add(item);
        }
        if (items.isEmpty()) return run(f.otherwise(), out);
        int n = items.size();
        for (int i = 0; i < n; i++) {
            Map<String, Object> frame = new HashMap<>();
            scopes.push(frame);
            try {
                bindTargets(f.targets(), items.get(i));
                frame.put("loop", loopObject(items, i));
                Flow flow = run(f.body(), out);
                if (flow == Flow.BREAK) break;
            } finally {
                scopes.pop();
            }
        }
        return Flow.NORMAL;
    }

    private void bindTargets(List<String> targets, Object item) {
        if (targets.size() == 1) {
            scopes.peek().put(targets.get(0), item);
            return;
        }
        List<Object> parts = JinjaBuiltins.iterate(item);
        if (parts.size() != targets.size()) throw new JinjaException("cannot unpack " + parts.size() + " values into " + targets.size() + " loop variables");
        for (int k = 0; k < targets.size(); k++) scopes.peek().put(targets.get(k), parts.get(k));
    }

    private static Map<String, Object> loopObject(List<Object> items, int i) {
        int n = items.size();
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("index", (long) i + 1);
        loop.put("index0", (long) i);
        loop.put("revindex", (long) (n - i));
        loop.put("revindex0", (long) (n - i - 1));
        loop.put("first", i == 0);
        loop.put("last", i == n - 1);
        loop.put("length", (long) n);
        loop.put("previtem", i > 0 ? items.get(i - 1) : UNDEFINED);
        loop.put("nextitem", i < n - 1 ? items.get(i + 1) : UNDEFINED);
        loop.put("cycle", (JinjaValues.Callable) (args, kw) -> args.isEmpty() ? UNDEFINED : args.get(i % args.size()));
        return loop;
    }

    private JinjaValues.Callable macro(Macro m) {
        return (args, kwargs) -> {
            Map<String, Object> frame = new HashMap<>();
            for (int p = 0; p < m.params().size(); p++) {
                String name = m.params().get(p);
                Object v = p < args.size() ? args.get(p) : kwargs.containsKey(name) ? kwargs.get(name)
                        : m.defaults().containsKey(name) ? eval(m.defaults().get(name)) : UNDEFINED;
                frame.put(name, v);
            }
            Deque<Map<String, Object>> saved = new ArrayDeque<>(scopes);
            scopes.clear();
            scopes.push(globals);
            scopes.push(templateScope);
            scopes.push(frame);
            try {
                StringBuilder out = new StringBuilder();
                run(m.body(), out);
                return out.toString();
            } finally {
                scopes.clear();
                scopes.addAll(saved);
            }
        };
    }

    private Object lookup(String name) {
        for (Map<String, Object> frame : scopes) if (frame.containsKey(name)) return frame.get(name);
        return UNDEFINED;
    }

    // ------------------------------------------------------------------ expressions

    Object eval(Expr e) {
        switch (e) {
            case Literal l -> { return l.value(); }
            case Name n -> { return lookup(n.name()); }
            case Attr a -> { return JinjaBuiltins.attribute(eval(a.target()), a.name()); }
            case Item i -> { return JinjaBuiltins.item(eval(i.target()), eval(i.key())); }
            case Slice s -> {
                return JinjaBuiltins.slice(eval(s.target()), s.start() == null ? null : eval(s.start()),
                        s.stop() == null ? null : eval(s.stop()), s.step() == null ? null : eval(s.step()));
            }
            case Call c -> { return call(c); }
            case Filter f -> { return JinjaBuiltins.filter(f.name(), eval(f.value()), evalAll(f.args()), evalKw(f.kwargs())); }
            case Test t -> {
                boolean r = JinjaBuiltins.test(t.name(), eval(t.value()), evalAll(t.args()));
                return t.negated() != r;
            }
            case Unary u -> {
                Object v = eval(u.operand());
                if (u.op().equals("not")) return !truth(v);
                if (v instanceof Long l) return -l;
                return -JinjaValues.toDouble(v);
            }
            case Binary b -> { return binary(b); }
            case Cond c -> { return truth(eval(c.condition())) ? eval(c.then()) : eval(c.otherwise()); }
            case ListLit l -> { return l.tuple() ? new JinjaValues.Tuple(evalAll(l.items())) : evalAll(l.items()); }
            case DictLit d -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int k = 0; k < d.keys().size(); k++) m.put(str(eval(d.keys().get(k))), eval(d.values().get(k)));
                return m;
            }
        }
    }

    private Object call(Call c) {
        List<Object> args = evalAll(c.args());
        Map<String, Object> kwargs = evalKw(c.kwargs());
        if (c.function() instanceof Attr a) {
            Object target = eval(a.target());
            Object member = target instanceof Map<?, ?> m ? m.get(a.name()) : null;
            if (member instanceof JinjaValues.Callable fn) return fn.call(args, kwargs);
            return JinjaBuiltins.method(target, a.name(), args, kwargs);
        }
        Object fn = eval(c.function());
        if (fn instanceof JinjaValues.Callable callable) return callable.call(args, kwargs);
        String name = c.function() instanceof Name n ? n.name() : "value";
        throw new JinjaException("'" + name + "' is " + (fn == UNDEFINED ? "undefined" : "not callable"));
    }

    private Object binary(Binary b) {
        switch (b.op()) {
            case "and" -> { Object l = eval(b.left()); return truth(l) ? eval(b.right()) : l; }
            case "or" -> { Object l = eval(b.left()); return truth(l) ? l : eval(b.right()); }
            default -> { }
        }
        Object l = eval(b.left()), r = eval(b.right());
        return JinjaBuiltins.operator(b.op(), l, r);
    }

    private List<Object> evalAll(List<Expr> exprs) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr x : exprs) out.add(eval(x));
        return out;
    }

    private Map<String, Object> evalKw(Map<String, Expr> kw) {
        if (kw.isEmpty()) return Map.of();
        Map<String, Object> out = new LinkedHashMap<>();
        kw.forEach((k, v) -> out.put(k, eval(v)));
        return out;
    }
}
