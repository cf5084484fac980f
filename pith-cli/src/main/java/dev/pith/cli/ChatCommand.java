package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.chat.ChatTemplate;
import dev.pith.model.runtime.Generator;
import dev.pith.model.runtime.Transformer;
import dev.pith.model.tokenizer.StreamingDecoder;
import dev.pith.model.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation through the model's chat template: each user turn is added to the history, the
 * whole conversation is rendered by the template (as transformers' apply_chat_template does) and
 * tokenized with special tokens, and the reply streams out. Earlier turns stay in the KV cache.
 */
@Command(name = "chat", description = {"Talk with a model through its chat template (tokenizer.chat_template).",
        "Interactive on stdin (one line per turn, an empty line or end of input ends), or scripted with --prompt (repeatable: one turn each)."})
final class ChatCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin SamplingOptions sampling;
    @Spec CommandSpec spec;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message first.")
    String system;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "A user turn (repeat for several); without it, turns are read from stdin.")
    List<String> prompts;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "A Jinja template file, or a tokenizer_config.json with chat_template, for models that have none or to override it.")
    Path templateFile;

    @Override
    public void run() {
        try (Model m = common.load()) {
            Tokenizer tok = m.tokenizer();
            if (tok == null) throw new PithException(common.model + " has no tokenizer, so it cannot chat.");
            ChatTemplate template = template(tok);
            Transformer t = new Transformer(m, common.runtime());
            Generator gen = new Generator(t);
            PrintWriter out = spec.commandLine().getOut();
            List<ChatTemplate.Message> history = new ArrayList<>();
            if (system != null) history.add(new ChatTemplate.Message("system", system));
            List<Map<String, Object>> turns = new ArrayList<>();
            BufferedReader in = prompts == null ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) : null;
            int next = 0;
            while (true) {
                if (prompts == null && System.console() != null) spec.commandLine().getErr().print("> ");
                String user = prompts != null ? (next < prompts.size() ? prompts.get(next++) : null) : readLine(in);
                if (user == null || (prompts == null && user.isEmpty())) break;
                history.add(new ChatTemplate.Message("user", user));
                String rendered = template.apply(history, true);
                int[] ids = tok.encode(rendered, tok.addBosByDefault() && !startsWithBos(tok, rendered), true);
                StreamingDecoder decoder = new StreamingDecoder(tok, false);
                StringBuilder reply = new StringBuilder();
                if (!common.json && prompts != null) out.println("> " + user);
                Generator.Result r = gen.continueWith(ids, sampling.maxTokens, sampling.settings(), id -> {
                    String piece = decoder.accept(id);
                    reply.append(piece);
                    if (!common.json) { out.print(piece); out.flush(); }
                });
                String tail = decoder.flush();
                reply.append(tail);
                if (!common.json) { out.println(tail); out.flush(); }
                history.add(new ChatTemplate.Message("assistant", reply.toString()));
                Map<String, Object> turn = new LinkedHashMap<>();
                turn.put("user", user);
                turn.put("assistant", reply.toString());
                turn.put("prompt_tokens", ids.length);
                turn.put("tokens", r.tokens().length);
                turn.put("stop_reason", r.stopReason());
                turn.put("tokens_per_second", r.tokens().length / Math.max(1e-9, r.generateSeconds()));
                turns.add(turn);
                if (r.stopReason().equals("context")) break;
            }
            if (common.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("turns", turns);
                o.put("prompt", template.apply(history, false));
                Json.print(out, o);
            }
        }
    }

    private ChatTemplate template(Tokenizer tok) {
        if (templateFile == null) {
            ChatTemplate t = ChatTemplate.of(tok);
            if (t == null) throw new PithException(common.model + " has no chat template (tokenizer.chat_template); give one with --chat-template FILE.");
            return t;
        }
        String text;
        try {
            text = Files.readString(templateFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PithException(templateFile + " cannot be read (" + e.getMessage() + ").");
        }
        if (templateFile.getFileName().toString().endsWith(".json")) {
            JsonNode cfg;
            try {
                cfg = Json.MAPPER.readTree(text);
            } catch (IOException e) {
                throw new PithException(templateFile + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ").");
            }
            if (!cfg.path("chat_template").isTextual()) throw new PithException(templateFile + " has no chat_template string.");
            text = cfg.get("chat_template").asText();
        }
        return new ChatTemplate(text, tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "", tok.eos() >= 0 ? tok.tokenText(tok.eos()) : "");
    }

    /** Templates that write bos_token themselves get no second BOS from the tokenizer. */
    private static boolean startsWithBos(Tokenizer tok, String rendered) {
        return tok.bos() >= 0 && rendered.startsWith(tok.tokenText(tok.bos()));
    }

    private static String readLine(BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new PithException("standard input cannot be read (" + e.getMessage() + ").");
        }
    }
}
