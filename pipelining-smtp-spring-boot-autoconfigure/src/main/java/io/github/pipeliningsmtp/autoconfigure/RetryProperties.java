package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;

/**
 * Automatic retry, bound from {@code smtp.pipelining.retry.*}: what is safe to send again
 * (recipients refused with a transient reply, messages whose content was never committed; never a
 * recipient whose outcome is unknown or that was delivered) is sent again after an exponential
 * back-off with jitter, within a number of attempts and a time budget. Off by default (see the
 * README): a send then returns as soon as every recipient has its first answer.
 */
public class RetryProperties {

    /** Whether to retry automatically what is safe to send again. */
    private boolean enabled;

    /** Most attempts per recipient, the first included. */
    private int maxAttempts = 4;

    /** Wait before the second attempt. */
    private Duration initialBackOff = Duration.ofSeconds(1);

    /** Each further wait is this many times the one before. */
    private double multiplier = 2;

    /** Longest wait between two attempts. */
    private Duration maxBackOff = Duration.ofSeconds(10);

    /** Part (0 to 1) by which a wait is shortened at random. */
    private double jitter = 0.2;

    /** No attempt starts later than this after the send began; must hold at least one back-off. */
    private Duration budget = Duration.ofSeconds(30);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public Duration getInitialBackOff() {
        return initialBackOff;
    }

    public void setInitialBackOff(Duration initialBackOff) {
        this.initialBackOff = initialBackOff;
    }

    public double getMultiplier() {
        return multiplier;
    }

    public void setMultiplier(double multiplier) {
        this.multiplier = multiplier;
    }

    public Duration getMaxBackOff() {
        return maxBackOff;
    }

    public void setMaxBackOff(Duration maxBackOff) {
        this.maxBackOff = maxBackOff;
    }

    public double getJitter() {
        return jitter;
    }

    public void setJitter(double jitter) {
        this.jitter = jitter;
    }

    public Duration getBudget() {
        return budget;
    }

    public void setBudget(Duration budget) {
        this.budget = budget;
    }
}
