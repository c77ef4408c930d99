package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code smtp.pipelining.relay-profile}: the documented limits of a relay as defaults for the pool
 * ({@code pool.max-connections}, {@code pool.max-messages-per-connection},
 * {@code pool.max-connection-age}), the rate ({@code rate.*}) and the recipients per transaction
 * ({@code max-recipients-per-transaction}); any property set explicitly wins. The values and their
 * sources are in the README ("Relay profiles"). A value left null here leaves the property at its
 * own default.
 */
public enum RelayProfile {

    /**
     * Exchange Online SMTP AUTH submission: 3 concurrent connections per mailbox, 30 messages per
     * minute, 500 recipients per message.
     */
    OFFICE365(3, null, 30L, null, null, null, 500),

    /**
     * Amazon SES SMTP: the sending rate counts recipients; 14 per second is the default of an
     * account out of the sandbox (yours is in the SES console: set {@code rate.recipients-per-second});
     * 50 recipients per message.
     */
    SES(null, null, null, 14L, null, null, 50),

    /**
     * Google Workspace SMTP relay / smtp.gmail.com: 100 recipients per message over SMTP; daily
     * quotas are not rates. The connection cap of 3 is an assumption (Google publishes none; it
     * answers bursts with 421 4.7.0 / 450 4.2.1).
     */
    GMAIL(3, null, null, null, null, null, 100),

    /** SendGrid SMTP relay: up to 5,000 messages per connection, 1,000 recipients per message. */
    SENDGRID(null, null, null, null, 5000, null, 1000);

    final Integer maxConnections;
    final Long messagesPerSecond;
    final Long messagesPerMinute;
    final Long recipientsPerSecond;
    final Integer maxMessagesPerConnection;
    final Duration maxConnectionAge;
    /**
     * The relay's documented recipients per message: the default of
     * {@code smtp.pipelining.max-recipients-per-transaction}, so a message with more goes in several
     * transactions (the smaller of this and a trusted RCPTMAX, RFC 9422 §4.2, counts).
     */
    final int recipientsPerMessage;

    RelayProfile(Integer maxConnections, Long messagesPerSecond, Long messagesPerMinute, Long recipientsPerSecond,
                 Integer maxMessagesPerConnection, Duration maxConnectionAge, int recipientsPerMessage) {
        this.maxConnections = maxConnections;
        this.messagesPerSecond = messagesPerSecond;
        this.messagesPerMinute = messagesPerMinute;
        this.recipientsPerSecond = recipientsPerSecond;
        this.maxMessagesPerConnection = maxMessagesPerConnection;
        this.maxConnectionAge = maxConnectionAge;
        this.recipientsPerMessage = recipientsPerMessage;
    }

    /** The names a property may take: office365, ses, gmail, sendgrid. */
    static String allowed() {
        return Arrays.stream(values()).map(p -> p.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }

    /**
     * The profile named {@code value}, in any case.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    static RelayProfile of(String value) {
        for (RelayProfile p : values()) {
            if (p.name().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown relay profile '" + value + "'; allowed: " + allowed());
    }
}
