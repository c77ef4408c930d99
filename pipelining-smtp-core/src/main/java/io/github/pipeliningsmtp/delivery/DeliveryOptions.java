package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import java.util.Objects;

/**
 * How a batch is delivered over the pool, beyond how each connection sends: the delivery policy
 * (partial, the RFC 5321 default, or all-or-nothing) and whether recipients refused as one too
 * many (452 4.5.3, or 552 5.5.3, RFC 5321 §4.5.3.1.10) are sent in a new transaction. Immutable.
 *
 * @param policy                 partial or all-or-nothing delivery
 * @param splitTooManyRecipients whether recipients refused as too many go in a new transaction
 */
public record DeliveryOptions(DeliveryPolicy policy, boolean splitTooManyRecipients) {

    /** Partial delivery, splitting on "too many recipients". */
    public static final DeliveryOptions DEFAULTS = new DeliveryOptions(DeliveryPolicy.PARTIAL, true);

    public DeliveryOptions {
        Objects.requireNonNull(policy, "policy");
    }
}
