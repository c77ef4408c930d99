package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Why a server said "slow down": the one place where a reply is recognised as throttling, apart
 * from other negative replies. Relays use a handful of codes for several limits (Amazon SES answers
 * {@code 454} both for its sending rate and for its daily quota), so the text decides where the code
 * does not.
 *
 * <p>{@link #classify(SmtpReply)} looks, in this order, at:
 * <ol>
 *   <li>{@link #QUOTA}: text with "quota", or "daily" with "limit" (4yz or 5yz: Gmail's
 *       {@code 550 5.4.5 Daily sending quota exceeded} is permanent);</li>
 *   <li>{@link #LOGIN_RATE}: "login attempts" or "authentication attempts" ({@code 454 4.7.0 Too
 *       many login attempts});</li>
 *   <li>{@link #CONCURRENCY}: enhanced code 4.3.2, reply code 432, or text about concurrent
 *       connections, sessions or threads ({@code 432 4.3.2 STOREDRV.ClientSubmit; sender thread limit
 *       exceeded}, {@code 421 Too many concurrent SMTP connections});</li>
 *   <li>{@link #IDLE_TIMEOUT}: enhanced code 4.4.2 or a "timeout" text
 *       ({@code 451 4.4.2 Timeout waiting for data from client});</li>
 *   <li>{@link #CONNECTION_LIMIT}: enhanced code 4.4.5 (congestion; SendGrid's messages per connection),
 *       or "messages per connection" / "too many messages";</li>
 *   <li>{@link #RATE}: the word "rate", "throttl" or "too fast", enhanced code 4.2.1 ({@code 450 4.2.1}),
 *       or 4.7.x with 421 or 450 ({@code 421 4.7.0 Try again later, closing connection});</li>
 *   <li>{@link #CLOSING}: any other 421 (RFC 5321 §3.8: the service is closing the channel).</li>
 * </ol>
 * Other replies, 5yz other than a quota, and every positive reply are not throttling. Thread-safe
 * (stateless).
 */
public enum ThrottleKind {

    /** Too many messages or recipients per unit of time: wait, then try again. */
    RATE,
    /** Too many connections or transactions at once: use fewer connections, then try again. */
    CONCURRENCY,
    /**
     * A daily (or other long-period) quota is used up. Waiting seconds does not help: never retried
     * automatically within a send.
     */
    QUOTA,
    /** Too many logins per period. */
    LOGIN_RATE,
    /** The server ended an idle session (SES: 451 4.4.2 after some seconds without a command). */
    IDLE_TIMEOUT,
    /** The server ends this connection (messages per connection, congestion); a new one may go on. */
    CONNECTION_LIMIT,
    /** A 421 that says nothing more precise: the server is closing the channel. */
    CLOSING;

    private static final Pattern RATE_WORDS = Pattern.compile("\\brate\\b|throttl");

    /** Whether automatic retry may send again after this kind (every kind but {@link #QUOTA}). */
    public boolean retryable() {
        return this != QUOTA;
    }

    /** The kind of {@code reply}, empty when it is not throttling (positive replies never are). */
    public static Optional<ThrottleKind> classify(SmtpReply reply) {
        if (reply == null || reply.code() < 400) {
            return Optional.empty();
        }
        String text = reply.text().toLowerCase(Locale.ROOT);
        String enhanced = reply.enhancedStatusCode().orElse("");
        int code = reply.code();
        if (text.contains("quota") || (text.contains("daily") && text.contains("limit"))) {
            return Optional.of(QUOTA);
        }
        if (code >= 500) {
            return Optional.empty();
        }
        if (text.contains("login attempts") || text.contains("authentication attempts")) {
            return Optional.of(LOGIN_RATE);
        }
        if (enhanced.equals("4.3.2") || code == 432 || text.contains("concurren") || text.contains("thread limit")
                || text.contains("too many connections") || text.contains("too many sessions")) {
            return Optional.of(CONCURRENCY);
        }
        if (enhanced.equals("4.4.2") || text.contains("timeout") || text.contains("timed out")) {
            return Optional.of(IDLE_TIMEOUT);
        }
        if (enhanced.equals("4.4.5") || text.contains("messages per connection") || text.contains("too many messages")) {
            return Optional.of(CONNECTION_LIMIT);
        }
        if (RATE_WORDS.matcher(text).find() || text.contains("too fast") || enhanced.equals("4.2.1")
                || (enhanced.startsWith("4.7.") && (code == 421 || code == 450))) {
            return Optional.of(RATE);
        }
        if (code == 421) {
            return Optional.of(CLOSING);
        }
        return Optional.empty();
    }

    /** The tag of a meter: the name in lower case with '-' ({@code login-rate}). */
    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
