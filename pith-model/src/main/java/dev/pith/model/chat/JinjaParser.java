package dev.pith.model.chat;

import dev.pith.model.chat.JinjaAst.*;
import dev.pith.model.chat.JinjaLexer.Kind;
import dev.pith.model.chat.JinjaLexer.Token;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Recursive-descent parser for the Jinja statements and expressions chat templates use, with Jinja's operator precedence. */
final class JinjaParser {
    private final List<Token> tokens;
    private int at;

    private JinjaParser(List<Token> tokens) { this.tokens = tokens; }

    static List<Node> parse(String template) {
        JinjaParser p = new JinjaParser(JinjaLexer.lex(template));
        try {
            return p.template();
        } catch (StackOverflowError e) {
            throw new JinjaException("the template nests too deeply");
        }
    }

    private List<Node> template() {
        JinjaParser p = this;
        List<Node> body = p.body(Set.of());
        if (p.peek().kind() != Kind.EOF) throw p.error("unexpected {% " + p.peekBlockName() + " %}");
        return body;
    }

    // ------------------------------------------------------------------ statements

    /** Nodes up to (not including) a block tag whose keyword is in {@code enders}. */
    private List<Node> body(Set<String> enders) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!enders.isEmpty()) throw error("the template ends before {% " + String.join(" / ", enders) + " %}");
                    return nodes;
                }
                case TEXT -> { at++; nodes.add(new Text(t.text())); }
                case VAR_BEGIN -> {
                    at++;
                    nodes.add(new Output(expression()));
                    expect(Kind.VAR_END, "}}");
                }
                case BLOCK_BEGIN -> {
                    String name = peekBlockName();
                    if (enders.contains(name)) return nodes;
                    at += 2;
                    nodes.add(statement(name));
                }
                default -> throw error("unexpected '" + t.text() + "'");
            }
        }
    }

    private String peekBlockName() {
        Token t = ahead(1);
        if (t.kind() != Kind.NAME) throw error("a block tag must start with a keyword");
        return t.text();
    }

    private Node statement(String name) {
        switch (name) {
            case "if" -> { return ifStatement(); }
            case "for" -> { return forStatement(); }
            case "set" -> { return setStatement(); }
            case "macro" -> { return macro(); }
            case "break" -> { endTag(); return new Break(); }
            case "continue" -> { endTag(); return new Continue(); }
            case "do" -> { Expr e = expression(); endTag(); return new CallNode(e); }
            case "generation" -> {
                // transformers' assistant-mask marker: renders its body unchanged.
                endTag();
                List<Node> b = body(Set.of("endgeneration"));
                closing("endgeneration");
                return new If(List.of(new Branch(new Literal(true), b)), List.of());
            }
            default -> throw error("unknown tag {% " + name + " %}");
        }
    }

    private Node ifStatement() {
        List<Branch> branches = new ArrayList<>();
        Expr cond = expression();
        endTag();
        List<Node> b = body(Set.of("elif", "else", "endif"));
        branches.add(new Branch(cond, b));
        List<Node> otherwise = List.of();
        while (true) {
            String n = peekBlockName();
            at += 2;
            if (n.equals("elif")) {
                Expr c = expression();
                endTag();
                branches.add(new Branch(c, body(Set.of("elif", "else", "endif"))));
            } else if (n.equals("else")) {
                endTag();
                otherwise = body(Set.of("endif"));
            } else {
                endTag();
                return new If(branches, otherwise);
            }
        }
    }

    private Node forStatement() {
        List<String> targets = new ArrayList<>();
        do targets.add(name()); while (acceptOp(","));
        if (!accept(Kind.NAME, "in")) throw error("'for' needs 'in'");
        Expr iter = orExpr(false);
        Expr filter = accept(Kind.NAME, "if") ? orExpr(true) : null;
        accept(Kind.NAME, "recursive");
        endTag();
        List<Node> body = body(Set.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (peekBlockName().equals("else")) {
            at += 2;
            endTag();
            otherwise = body(Set.of("endfor"));
        }
        closing("endfor");
        return new For(targets, iter, filter, body, otherwise);
    }

    private Node setStatement() {
        String first = name();
        if (acceptOp(".")) {
            String attr = name();
            expectOp("=");
            Expr v = expression();
            endTag();
            return new Assign(List.of(first), attr, v);
        }
        List<String> targets = new ArrayList<>(List.of(first));
        while (acceptOp(",")) targets.add(name());
        if (peek().kind() == Kind.BLOCK_END) {
            endTag();
            List<Node> b = body(Set.of("endset"));
            closing("endset");
            return new SetBlock(first, b);
        }
        expectOp("=");
        Expr v = expression();
        endTag();
        return new Assign(targets, null, v);
    }

    private Node macro() {
        String name = name();
        expectOp("(");
        List<String> params = new ArrayList<>();
        Map<String, Expr> defaults = new LinkedHashMap<>();
        while (!acceptOp(")")) {
            String p = name();
            params.add(p);
            if (acceptOp("=")) defaults.put(p, expression());
            if (!acceptOp(",")) { expectOp(")"); break; }
        }
        endTag();
        List<Node> b = body(Set.of("endmacro"));
        closing("endmacro");
        return new Macro(name, params, defaults, b);
    }

    private void closing(String keyword) {
        if (!peekBlockName().equals(keyword)) throw error("expected {% " + keyword + " %}");
        at += 2;
        endTag();
    }

    private void endTag() { expect(Kind.BLOCK_END, "%}"); }

    // ------------------------------------------------------------------ expressions

    Expr expression() {
        Expr e = orExpr(true);
        if (peek().kind() == Kind.OP && peek().text().equals(",") && ahead(1).kind() != Kind.BLOCK_END) {
            // a bare tuple, e.g. {% set a, b = 1, 2 %}
            List<Expr> items = new ArrayList<>(List.of(e));
            while (acceptOp(",")) items.add(orExpr(true));
            return new ListLit(items, true);
        }
        return e;
    }

    /** or-expression, optionally followed by the conditional {@code a if c else b}. */
    private Expr orExpr(boolean allowConditional) {
        Expr e = or();
        if (allowConditional && accept(Kind.NAME, "if")) {
            Expr cond = or();
            Expr otherwise = accept(Kind.NAME, "else") ? orExpr(true) : new Literal(JinjaValues.UNDEFINED);
            return new Cond(e, cond, otherwise);
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (accept(Kind.NAME, "or")) e = new Binary("or", e, and());
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (accept(Kind.NAME, "and")) e = new Binary("and", e, not());
        return e;
    }

    private Expr not() {
        if (peek().isName("not") && !ahead(1).isName("in")) {
            at++;
            return new Unary("not", not());
        }
        return compare();
    }

    private Expr compare() {
        Expr e = add();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && Set.of("==", "!=", "<", ">", "<=", ">=").contains(t.text())) {
                at++;
                e = new Binary(t.text(), e, add());
            } else if (t.isName("in")) {
                at++;
                e = new Binary("in", e, add());
            } else if (t.isName("not") && ahead(1).isName("in")) {
                at += 2;
                e = new Binary("not in", e, add());
            } else {
                return e;
            }
        }
    }

    private Expr add() {
        Expr e = concat();
        while (peek().isOp("+") || peek().isOp("-")) e = new Binary(next().text(), e, concat());
        return e;
    }

    private Expr concat() {
        Expr e = mul();
        while (acceptOp("~")) e = new Binary("~", e, mul());
        return e;
    }

    private Expr mul() {
        Expr e = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) e = new Binary(next().text(), e, pow());
        return e;
    }

    private Expr pow() {
        Expr e = unary();
        while (acceptOp("**")) e = new Binary("**", e, unary());
        return e;
    }

    private Expr unary() {
        if (acceptOp("-")) return filters(new Unary("-", unary()));
        if (acceptOp("+")) return filters(unary());
        return filters(postfix(primary()));
    }

    /** Filters ({@code |name(args)}) and tests ({@code is [not] name args}) after a value. */
    private Expr filters(Expr e) {
        while (true) {
            if (acceptOp("|")) {
                String name = name();
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                if (acceptOp("(")) arguments(args, kwargs);
                e = new Filter(e, name, args, kwargs);
            } else if (accept(Kind.NAME, "is")) {
                boolean negated = accept(Kind.NAME, "not");
                String name = peek().kind() == Kind.NAME ? name() : next().text(); // 'none', 'defined', or '==' style tests
                List<Expr> args = new ArrayList<>();
                if (acceptOp("(")) arguments(args, new LinkedHashMap<>());
                else if (startsPrimary(peek())) args.add(add());
                e = new Test(e, name, args, negated);
            } else {
                return e;
            }
        }
    }

    private static boolean startsPrimary(Token t) {
        return switch (t.kind()) {
            case STRING, INT, FLOAT -> true;
            case NAME -> !Set.of("and", "or", "not", "in", "is", "if", "else").contains(t.text());
            default -> false;
        };
    }

    private Expr postfix(Expr e) {
        while (true) {
            if (acceptOp(".")) {
                Token t = next();
                e = t.kind() == Kind.INT ? new Item(e, new Literal(Long.parseLong(t.text()))) : new Attr(e, t.text());
            } else if (acceptOp("[")) {
                e = subscript(e);
            } else if (acceptOp("(")) {
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                arguments(args, kwargs);
                e = new Call(e, args, kwargs);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr target) {
        Expr start = null, stop = null, step = null;
        boolean slice = false;
        if (!peek().isOp(":")) start = expression();
        if (acceptOp(":")) {
            slice = true;
            if (!peek().isOp(":") && !peek().isOp("]")) stop = expression();
            if (acceptOp(":") && !peek().isOp("]")) step = expression();
        }
        expectOp("]");
        return slice ? new Slice(target, start, stop, step) : new Item(target, start);
    }

    /** Call arguments after '(' up to and including ')'. */
    private void arguments(List<Expr> args, Map<String, Expr> kwargs) {
        while (!acceptOp(")")) {
            if (peek().kind() == Kind.NAME && ahead(1).isOp("=")) {
                String k = name();
                at++;
                kwargs.put(k, orExpr(true));
            } else {
                args.add(orExpr(true));
            }
            if (!acceptOp(",")) { expectOp(")"); return; }
        }
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case STRING -> {
                StringBuilder s = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) s.append(next().text()); // adjacent literals concatenate
                return new Literal(s.toString());
            }
            case INT -> { return new Literal(Long.parseLong(t.text())); }
            case FLOAT -> { return new Literal(Double.parseDouble(t.text())); }
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Literal(true);
                    case "false", "False" -> new Literal(false);
                    case "none", "None" -> new Literal(null);
                    default -> new Name(t.text());
                };
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (acceptOp(")")) return new ListLit(List.of(), true);
                        Expr e = orExpr(true);
                        if (peek().isOp(",")) {
                            List<Expr> items = new ArrayList<>(List.of(e));
                            while (acceptOp(",") && !peek().isOp(")")) items.add(orExpr(true));
                            e = new ListLit(items, true);
                        }
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!acceptOp("]")) {
                            items.add(orExpr(true));
                            if (!acceptOp(",")) { expectOp("]"); break; }
                        }
                        return new ListLit(items, false);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>(), values = new ArrayList<>();
                        while (!acceptOp("}")) {
                            keys.add(orExpr(true));
                            expectOp(":");
                            values.add(orExpr(true));
                            if (!acceptOp(",")) { expectOp("}"); break; }
                        }
                        return new DictLit(keys, values);
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw error("unexpected '" + t.text() + "' in an expression");
    }

    // ------------------------------------------------------------------ token helpers

    private Token peek() { return tokens.get(Math.min(at, tokens.size() - 1)); }

    /** The token k places ahead, or the final EOF. */
    private Token ahead(int k) { return tokens.get(Math.min(at + k, tokens.size() - 1)); }
    private Token next() {
        Token t = peek();
        at++;
        return t;
    }

    private boolean accept(Kind k, String text) {
        if (peek().is(k, text)) { at++; return true; }
        return false;
    }

    private boolean acceptOp(String op) { return accept(Kind.OP, op); }

    private void expectOp(String op) {
        if (!acceptOp(op)) throw error("expected '" + op + "' but found '" + peek().text() + "'");
    }

    private void expect(Kind k, String what) {
        if (peek().kind() != k) throw error("expected " + what + " but found '" + peek().text() + "'");
        at++;
    }

    private String name() {
        Token t = next();
        if (t.kind() != Kind.NAME) throw error("expected a name but found '" + t.text() + "'");
        return t.text();
    }

    private JinjaException error(String what) { return new JinjaException(what + " (line " + tokens.get(Math.min(at, tokens.size() - 1)).line() + ")"); }
}
