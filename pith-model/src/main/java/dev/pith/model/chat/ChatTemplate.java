package dev.pith.model.chat;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's chat template applied to a conversation, as transformers' {@code apply_chat_template}
 * does: the template sees {@code messages} (role and content per message), {@code
 * add_generation_prompt}, {@code bos_token} and {@code eos_token} as strings, and the helpers
 * {@code raise_exception} and {@code strftime_now}.
 */
public final class ChatTemplate {
    /** One turn of a conversation. */
    public record Message(String role, String content) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", role);
            m.put("content", content);
            return m;
        }
    }

    private final JinjaTemplate template;
    private final String bosToken, eosToken;

    public ChatTemplate(String source, String bosToken, String eosToken) {
        try {
            this.template = JinjaTemplate.compile(source);
        } catch (JinjaException e) {
            throw new PithException("the model's chat template cannot be parsed: " + e.getMessage() + ".");
        }
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The template of a tokenizer, with its BOS and EOS token texts; null when the tokenizer has none. */
    public static ChatTemplate of(Tokenizer tok) {
        if (tok.chatTemplate() == null) return null;
        return new ChatTemplate(tok.chatTemplate(), tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "", tok.eos() >= 0 ? tok.tokenText(tok.eos()) : "");
    }

    /** The prompt text for {@code messages}; with {@code addGenerationPrompt} it ends where the assistant's reply begins. */
    public String apply(List<Message> messages, boolean addGenerationPrompt) {
        return apply(messages.stream().map(Message::asMap).toList(), addGenerationPrompt, Map.of());
    }

    /** The general form: messages as maps (tool calls and other fields pass through), extra variables (e.g. tools). */
    public String apply(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
        Map<String, Object> vars = new LinkedHashMap<>(extra);
        vars.put("messages", messages);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        vars.put("strftime_now", (JinjaValues.Callable) (args, kw) -> strftime(JinjaValues.str(args.isEmpty() ? "" : args.get(0)), ZonedDateTime.now()));
        try {
            return template.render(vars);
        } catch (JinjaException e) {
            throw new PithException("the model's chat template failed: " + e.getMessage() + ".");
        }
    }

    /** The strftime directives chat templates use for today's date. */
    static String strftime(String format, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) { sb.append(c); continue; }
            char d = format.charAt(++i);
            sb.append(switch (d) {
                case 'd' -> String.format("%02d", t.getDayOfMonth());
                case 'm' -> String.format("%02d", t.getMonthValue());
                case 'Y' -> String.valueOf(t.getYear());
                case 'y' -> String.format("%02d", t.getYear() % 100);
                case 'b' -> t.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH));
                case 'B' -> t.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH));
                case 'a' -> t.format(DateTimeFormatter.ofPattern("EEE", Locale.ENGLISH));
                case 'A' -> t.format(DateTimeFormatter.ofPattern("EEEE", Locale.ENGLISH));
                case 'H' -> String.format("%02d", t.getHour());
                case 'M' -> String.format("%02d", t.getMinute());
                case 'S' -> String.format("%02d", t.getSecond());
                case '%' -> "%";
                default -> "%" + d;
            });
        }
        return sb.toString();
    }
}
