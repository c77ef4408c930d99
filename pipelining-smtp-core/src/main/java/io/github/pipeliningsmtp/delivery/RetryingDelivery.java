package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.ThrottleKind;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Automatic retry above the batch delivery: sends a batch, then sends again, in new transactions,
 * what is safe to send again, until nothing is left to retry, the {@link RetryPolicy}'s attempts are
 * used up, or the next attempt would start after its budget.
 *
 * <p>Safe to send again is a recipient FAILED with a {@link FailureType#TRANSIENT} error (a 4yz
 * reply, or a connection that ended before anything of its content could have been committed: the
 * ledger marks a recipient FAILED only then). Never retried: UNKNOWN (the content may have been
 * delivered), SUCCEEDED (its content got a 2yz), PERMANENT, LOCAL and CONFIGURATION failures, a
 * {@link ThrottleKind#QUOTA} refusal (a daily quota does not come back within a send's budget, and a
 * relay must not be hammered with it), and content that cannot be written twice
 * ({@link io.github.pipeliningsmtp.client.MessageContent#repeatable()}). A message is never
 * delivered twice by retry; it may be delivered later than its first attempt, by up to the budget.
 *
 * <p>Each attempt is a new {@link BatchDelivery#deliver} of the retried recipients (a new
 * transaction, on whatever connection the pool lends: a refused connection is not reused when it
 * ended, and after a 421 on an open session every idle connection is closed first, so the retry goes on a fresh one).
 * The ledger of a retried recipient is that of its last attempt, with
 * {@link RecipientResult#attempts()} counting them.
 *
 * <p>Waits: before retry n (n ≥ 1) the policy's back-off ({@link RetryPolicy#backOff}), at most
 * {@link RetryPolicy#maxBackOff()}; no attempt starts later than {@link RetryPolicy#budget()} after
 * the call began, so the retries add at most the budget plus the last attempt's own sending time. A
 * wait ends at once when the thread is interrupted: nothing more is sent, the ledgers are those of
 * the attempts made, and the interrupt flag is set again.
 *
 * <p>Thread-safe: every call keeps its state on its own stack; calls from many threads share the
 * pool. The listener is told {@link SmtpListener#retrying} and {@link SmtpListener#retryWaited} on
 * the calling thread.
 */
public final class RetryingDelivery {

    private final Function<List<OutgoingMessage>, BatchDelivery.Outcome> batch;
    private final Runnable clearIdle;
    private final RetryPolicy policy;
    private final SmtpListener listener;
    private final RetryClock clock;

    /** What a call did: the merged outcome (one ledger per message, in order) and the time spent waiting. */
    public record Outcome(BatchDelivery.Outcome batch, Duration waited) {
    }

    /**
     * @param batch    the delivery below (not closed by this class)
     * @param policy   when to retry
     * @param listener told of retries and waits
     * @param clock    time source and wait; {@link RetryClock#SYSTEM} outside tests
     */
    public RetryingDelivery(BatchDelivery batch, RetryPolicy policy, SmtpListener listener, RetryClock clock) {
        this(batch::deliver, () -> batch.pool().clearIdle(), policy, listener, clock);
    }

    RetryingDelivery(Function<List<OutgoingMessage>, BatchDelivery.Outcome> batch, Runnable clearIdle,
                     RetryPolicy policy, SmtpListener listener, RetryClock clock) {
        this.batch = batch;
        this.clearIdle = clearIdle;
        this.policy = policy;
        this.listener = listener;
        this.clock = clock;
    }

    /** The policy. */
    public RetryPolicy policy() {
        return policy;
    }

    /**
     * Sends the batch, then retries what is safe to retry; see the class comment.
     *
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was sent
     */
    public Outcome deliver(List<OutgoingMessage> messages) {
        return deliver(messages, batch);
    }

    /**
     * As {@link #deliver(List)}, with the first attempt made by {@code firstAttempt} (a send that
     * tells a progress listener, say); the retries go through the delivery below as usual.
     *
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was sent
     */
    public Outcome deliver(List<OutgoingMessage> messages,
                           Function<List<OutgoingMessage>, BatchDelivery.Outcome> firstAttempt) {
        long start = clock.nanoTime();
        BatchDelivery.Outcome first = firstAttempt.apply(messages);
        if (!policy.enabled() || policy.maxAttempts() < 2) {
            return new Outcome(first, Duration.ZERO);
        }
        MessageLedger[] ledgers = first.ledgers().toArray(new MessageLedger[0]);
        long roundTrips = first.roundTrips();
        IOException failure = first.connectionFailure();
        long waited = 0;
        for (int retry = 1; retry < policy.maxAttempts(); retry++) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            List<Integer> which = new ArrayList<>();
            List<int[]> indexes = new ArrayList<>();
            List<OutgoingMessage> again = new ArrayList<>();
            int recipients = 0;
            boolean closing = false;
            for (int i = 0; i < ledgers.length; i++) {
                OutgoingMessage message = messages.get(i);
                int[] safe = retryable(ledgers[i], message);
                if (safe.length == 0) {
                    continue;
                }
                which.add(i);
                indexes.add(safe);
                again.add(subMessage(message, safe));
                recipients += safe.length;
                for (int j : safe) {
                    // a 421 on an open session: the others opened with it are likely closing too
                    closing |= ledgers[i].recipients().get(j).error()
                            .map(e -> e.code() == 421 && e.step() != SmtpStep.GREETING).orElse(false);
                }
            }
            if (again.isEmpty()) {
                break;
            }
            Duration backOff = policy.backOff(retry, () -> ThreadLocalRandom.current().nextDouble());
            if (clock.nanoTime() - start + backOff.toNanos() > policy.budget().toNanos()) {
                break;
            }
            listener.retrying(again.size(), recipients, backOff);
            long before = clock.nanoTime();
            boolean interrupted = false;
            try {
                clock.sleep(backOff);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            long slept = clock.nanoTime() - before;
            waited += slept;
            listener.retryWaited(Duration.ofNanos(slept));
            if (interrupted) {
                Thread.currentThread().interrupt();
                break;
            }
            if (closing) {
                clearIdle.run();
            }
            BatchDelivery.Outcome next = batch.apply(again);
            roundTrips += next.roundTrips();
            if (next.connectionFailure() != null) {
                failure = next.connectionFailure();
            }
            for (int k = 0; k < which.size(); k++) {
                int i = which.get(k);
                ledgers[i] = MessageLedger.retried(ledgers[i], indexes.get(k), next.ledgers().get(k));
            }
        }
        return new Outcome(new BatchDelivery.Outcome(List.of(ledgers), roundTrips, failure), Duration.ofNanos(waited));
    }

    /** Envelope indexes of the recipients that are safe to send again and have attempts left. */
    private int[] retryable(MessageLedger ledger, OutgoingMessage message) {
        if (!message.content().repeatable()) {
            return new int[0];
        }
        List<RecipientResult> results = ledger.recipients();
        return IntStream.range(0, results.size()).filter(j -> safeToRetry(results.get(j))).toArray();
    }

    private boolean safeToRetry(RecipientResult r) {
        if (r.status() != RecipientStatus.FAILED || r.attempts() >= policy.maxAttempts()) {
            return false;
        }
        SmtpError error = r.error().orElse(null);
        return error != null && error.type() == FailureType.TRANSIENT
                && error.throttle().map(ThrottleKind::retryable).orElse(true);
    }

    private static OutgoingMessage subMessage(OutgoingMessage message, int[] indexes) {
        Envelope envelope = message.envelope();
        if (indexes.length == envelope.recipients().size()) {
            return message;
        }
        List<String> recipients = new ArrayList<>(indexes.length);
        for (int j : indexes) {
            recipients.add(envelope.recipients().get(j));
        }
        return new OutgoingMessage(new Envelope(envelope.mailFrom(), recipients), message.content(), message.dsn());
    }
}
