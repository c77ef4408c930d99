package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.SendReport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The future of one {@link SmtpMailer#sendAsync} call; {@link #cancel} only while nothing of it can be
 * written. {@link #run} prepares and sends it on a thread of the mailer's async executor.
 */
final class AsyncSend extends CompletableFuture<SendReport> {
    private final SmtpMailer mailer;
    private final RetryingDelivery retrying;
    private final BatchDelivery delivery;
    private final Executor async;
    private final List<?> originals;
    private final List<MimeMessage> messages;
    private final Object guard = new Object();
    private BatchDelivery.Pending pending;
    private boolean sending;

    /**
     * @param mailer   prepares the messages and makes the report
     * @param retrying sends with automatic retry, when its policy is enabled
     * @param delivery the shared flights, without retry
     * @param async    the mailer's async executor, which completes the future
     */
    AsyncSend(SmtpMailer mailer, RetryingDelivery retrying, BatchDelivery delivery, Executor async, List<?> originals,
              List<MimeMessage> messages) {
        this.mailer = mailer;
        this.retrying = retrying;
        this.delivery = delivery;
        this.async = async;
        this.originals = originals;
        this.messages = messages;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        synchronized (guard) {
            if (isDone() || sending || (pending != null && !pending.withdraw())) {
                return false;
            }
            return super.cancel(mayInterruptIfRunning);
        }
    }

    void run() {
        try {
            long start = System.nanoTime();
            if (isDone()) {
                return; // cancelled while waiting for the executor
            }
            PreparedMessages prepared = mailer.prepare(messages);
            // with automatic retry the send waits on this thread for its retries; without, small
            // sends go to the shared flights and no thread waits for them
            BatchDelivery.Pending queued = retrying.policy().enabled() ? null : delivery.submit(prepared.outgoing);
            synchronized (guard) {
                if (isDone()) {
                    if (queued != null) {
                        queued.withdraw();
                    }
                    return;
                }
                if (queued == null) {
                    sending = true;
                } else {
                    pending = queued;
                }
            }
            if (queued == null) {
                RetryingDelivery.Outcome outcome = retrying.deliver(prepared.outgoing);
                complete(mailer.report(originals, prepared, outcome.batch(), outcome.waited(), start));
                return;
            }
            queued.outcome().whenComplete((outcome, failure) -> {
                Runnable finish = () -> {
                    try {
                        if (failure != null) {
                            completeExceptionally(failure);
                        } else {
                            complete(mailer.report(originals, prepared, outcome, Duration.ZERO, start));
                        }
                    } catch (RuntimeException | Error e) {
                        completeExceptionally(e);
                    }
                };
                try {
                    async.execute(finish);
                } catch (RejectedExecutionException closed) {
                    finish.run();
                }
            });
        } catch (RuntimeException | Error e) {
            completeExceptionally(e);
        }
    }
}
