package dev.pith.model.chat;

import java.util.List;
import java.util.Map;

/** The parsed template: statements ({@link Node}) and expressions ({@link Expr}). */
final class JinjaAst {
    private JinjaAst() {}

    sealed interface Node permits Text, Output, If, For, Assign, SetBlock, Macro, Break, Continue, CallNode {}

    record Text(String text) implements Node {}
    record Output(Expr value) implements Node {}
    record Branch(Expr condition, List<Node> body) {}
    record If(List<Branch> branches, List<Node> otherwise) implements Node {}
    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise) implements Node {}
    /** {@code set a = …}, {@code set a, b = …}, or {@code set ns.attr = …} (attribute non-null). */
    record Assign(List<String> targets, String attribute, Expr value) implements Node {}
    record SetBlock(String target, List<Node> body) implements Node {}
    record Macro(String name, List<String> params, Map<String, Expr> defaults, List<Node> body) implements Node {}
    record Break() implements Node {}
    record Continue() implements Node {}
    /** An expression statement ({@code {% do … %}}). */
    record CallNode(Expr call) implements Node {}

    sealed interface Expr permits Literal, Name, Attr, Item, Slice, Call, Filter, Test, Unary, Binary, Cond, ListLit, DictLit {}

    record Literal(Object value) implements Expr {}
    record Name(String name) implements Expr {}
    record Attr(Expr target, String name) implements Expr {}
    record Item(Expr target, Expr key) implements Expr {}
    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {}
    record Call(Expr function, List<Expr> args, Map<String, Expr> kwargs) implements Expr {}
    record Filter(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {}
    record Test(Expr value, String name, List<Expr> args, boolean negated) implements Expr {}
    record Unary(String op, Expr operand) implements Expr {}
    record Binary(String op, Expr left, Expr right) implements Expr {}
    record Cond(Expr then, Expr condition, Expr otherwise) implements Expr {}
    record ListLit(List<Expr> items, boolean tuple) implements Expr {}
    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}
}
