package io.github.pipeliningsmtp.pacing;

/**
 * How a rate limit slows itself down when the relay refuses a transaction for its rate
 * ({@code 454 Throttling failure: Maximum sending rate exceeded}, {@code 450 4.2.1}; a
 * {@code ThrottleKind.RATE} reply) and speeds up again after a run of accepted messages: additive
 * increase, multiplicative decrease, as Postfix backs off a destination after 4yz replies. The pace is
 * a fraction of the configured rates, 1 at the start:
 * <ul>
 *   <li>a refusal multiplies it by {@code 1 - decrease}, never below {@code floor}; the refusals of one
 *       burst count once: after a decrease, refusals are not counted again until the reservations made
 *       before it are due and one more period of the rate (1 s for a per-second rate, a minute for a
 *       per-minute one) has passed, since those transactions were spaced at the old pace;</li>
 *   <li>after {@code increaseAfter} accepted messages in a row (no refusal in between) it grows by
 *       {@code increase} (a fraction of the configured rate), never above 1.</li>
 * </ul>
 * A relay that counts in a rolling window refuses now and then a sender that keeps exactly to its
 * rate, since a few milliseconds of jitter on the way put one message too many in some window; each
 * refusal costs the budget of a message and a retry. Backing off by a few percent gives that jitter
 * room, and the increase finds the rate again when the relay allows more. Immutable.
 *
 * @param decrease      the fraction the pace loses at a counted refusal, in (0, 1)
 * @param floor         the lowest pace, in (0, 1]: the limit never goes below {@code floor} times the rates
 * @param increase      the fraction of the configured rate the pace gains after a run of accepted messages, in (0, 1]
 * @param increaseAfter accepted messages in a row before each increase, at least 1
 */
public record RateBackOff(double decrease, double floor, double increase, int increaseAfter) {

    /**
     * The default: 5 % less at each refusal (one per burst), never below half the rates, 1 % more
     * after every 20 accepted messages in a row (as the adaptive concurrency limit's run).
     */
    public static final RateBackOff DEFAULT = new RateBackOff(0.05, 0.5, 0.01, 20);

    /** No back-off (a floor of 1): the limit keeps to the configured rates whatever the relay answers. */
    public static final RateBackOff OFF = new RateBackOff(0.05, 1, 0.01, 20);

    /** @throws IllegalArgumentException when a parameter is outside its range */
    public RateBackOff {
        if (!(decrease > 0 && decrease < 1)) {
            throw new IllegalArgumentException("decrease must be in (0, 1), was " + decrease);
        }
        if (!(floor > 0 && floor <= 1)) {
            throw new IllegalArgumentException("floor must be in (0, 1], was " + floor);
        }
        if (!(increase > 0 && increase <= 1)) {
            throw new IllegalArgumentException("increase must be in (0, 1], was " + increase);
        }
        if (increaseAfter < 1) {
            throw new IllegalArgumentException("increaseAfter must be at least 1, was " + increaseAfter);
        }
    }

    /** Whether the pace can change at all ({@code floor} below 1). */
    public boolean adaptive() {
        return floor < 1;
    }
}
