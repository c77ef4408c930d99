package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * {@code smtp.pipelining.rate.*}: the send rate limit, for all connections of the sender together,
 * applied before each transaction's MAIL FROM. Every rate is optional (unset: no limit of that
 * kind) and must be positive when set; a relay profile ({@code smtp.pipelining.relay-profile}) sets
 * some of them unless they are set here.
 */
public class RateProperties {

    /** Messages (transactions) per second, for the whole sender; unset for no limit. */
    private Long messagesPerSecond;

    /** Messages (transactions) per minute, for relays that count per minute (Office 365); unset for no limit. */
    private Long messagesPerMinute;

    /** Recipients (RCPT TO) per second; unset for no limit. */
    private Long recipientsPerSecond;

    /** Recipients (RCPT TO) per minute; unset for no limit. */
    private Long recipientsPerMinute;

    /**
     * Longest a transaction waits for its share of the rate before it is given up (FAILED,
     * transient, not sent).
     */
    private Duration maxWait = Duration.ofSeconds(30);

    /**
     * Whether the pace backs off after the relay refuses a transaction for its rate (a {@code rate}
     * throttle reply such as {@code 454 Throttling failure}): 5 % slower at each refusal (one per
     * burst), never below half the rates, 1 % faster after every 20 accepted messages in a row, never
     * above the rates. {@code false} keeps exactly to the rates whatever the relay answers.
     */
    private boolean backOff = true;

    /** A budget shared by several instances of the application, in PostgreSQL. */
    @NestedConfigurationProperty
    private final SharedRateProperties shared = new SharedRateProperties();

    public Long getMessagesPerSecond() {
        return messagesPerSecond;
    }

    public void setMessagesPerSecond(Long messagesPerSecond) {
        this.messagesPerSecond = messagesPerSecond;
    }

    public Long getMessagesPerMinute() {
        return messagesPerMinute;
    }

    public void setMessagesPerMinute(Long messagesPerMinute) {
        this.messagesPerMinute = messagesPerMinute;
    }

    public Long getRecipientsPerSecond() {
        return recipientsPerSecond;
    }

    public void setRecipientsPerSecond(Long recipientsPerSecond) {
        this.recipientsPerSecond = recipientsPerSecond;
    }

    public Long getRecipientsPerMinute() {
        return recipientsPerMinute;
    }

    public void setRecipientsPerMinute(Long recipientsPerMinute) {
        this.recipientsPerMinute = recipientsPerMinute;
    }

    public Duration getMaxWait() {
        return maxWait;
    }

    public void setMaxWait(Duration maxWait) {
        this.maxWait = maxWait;
    }

    public boolean isBackOff() {
        return backOff;
    }

    public void setBackOff(boolean backOff) {
        this.backOff = backOff;
    }

    public SharedRateProperties getShared() {
        return shared;
    }
}
