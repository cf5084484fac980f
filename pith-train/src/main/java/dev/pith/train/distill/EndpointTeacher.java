package dev.pith.train.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A teacher behind an OpenAI-compatible chat completions endpoint ({@code POST URL/v1/chat/completions}).
 * Answers 429 and 5xx, and connection failures, are retried with exponential back-off (the delay
 * doubling from {@code backoffMillis}, honouring a Retry-After header in seconds); after
 * {@code retries} retries the endpoint counts as unreachable. A 200 answer without a usable
 * {@code choices[0].message.content}, or another 4xx, is malformed: null, skipped by the job.
 * Nothing is sent anywhere unless the user names the URL.
 */
public final class EndpointTeacher implements TeacherWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI uri;
    private final String model, apiKey;
    private final int maxTokens, retries;
    private final double temperature;
    private final long seed, backoffMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public EndpointTeacher(String url, String model, String apiKey, int maxTokens, double temperature, long seed, int retries, long backoffMillis) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            this.uri = URI.create(base.endsWith("/chat/completions") ? base : base + (base.endsWith("/v1") ? "" : "/v1") + "/chat/completions");
        } catch (IllegalArgumentException e) {
            throw new PithException("--teacher-url " + url + " is not a URL (" + e.getMessage() + ").");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
            throw new PithException("--teacher-url " + url + " must start with http:// or https://.");
        this.model = model;
        this.apiKey = apiKey;
        this.maxTokens = maxTokens;
        this.temperature = temperature;
        this.seed = seed;
        this.retries = retries;
        this.backoffMillis = backoffMillis;
    }

    public URI uri() { return uri; }

    @Override
    public String complete(long id, String prompt) {
        ObjectNode body = JSON.createObjectNode();
        if (model != null) body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", temperature);
        body.put("seed", seed + id);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null && !apiKey.isEmpty()) rb.header("Authorization", "Bearer " + apiKey);
        HttpRequest request = rb.build();
        String last = "";
        for (int attempt = 0; ; attempt++) {
            long wait = backoffMillis << Math.min(attempt, 20);
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int code = r.statusCode();
                if (code == 200) return content(r.body());
                if (code != 429 && code < 500) return null; // the endpoint refuses this request: skip it
                last = "HTTP " + code;
                wait = Math.max(wait, r.headers().firstValue("Retry-After").map(EndpointTeacher::seconds).orElse(0L) * 1000);
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PithException("interrupted while waiting for " + uri + ".");
            }
            if (attempt >= retries) throw new PithException("the teacher endpoint " + uri + " did not answer after " + (retries + 1) + " tries (" + last + ").");
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PithException("interrupted while waiting for " + uri + ".");
            }
        }
    }

    private static long seconds(String v) {
        try {
            return Math.min(60, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The completion text of a chat answer, or null when the answer has none. */
    static String content(String body) {
        try {
            JsonNode c = JSON.readTree(body).path("choices").path(0);
            JsonNode text = c.path("message").path("content");
            if (text.isTextual()) return text.asText();
            return c.path("text").isTextual() ? c.path("text").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
