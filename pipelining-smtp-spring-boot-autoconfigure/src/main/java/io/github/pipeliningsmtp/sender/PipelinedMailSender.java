package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.DsnOptions;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpAuthenticationException;
import io.github.pipeliningsmtp.delivery.BatchDelivery;
import io.github.pipeliningsmtp.delivery.DeliveryOptions;
import io.github.pipeliningsmtp.delivery.ProgressListener;
import io.github.pipeliningsmtp.delivery.MessagePreparationException;
import io.github.pipeliningsmtp.delivery.RetryClock;
import io.github.pipeliningsmtp.delivery.RetryPolicy;
import io.github.pipeliningsmtp.delivery.SmtpMailer;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMailMessage;

/**
 * A {@link JavaMailSender} that sends over pooled SMTP connections with PIPELINING (RFC 2920): a
 * batch is spread over up to the pool's size of connections, and on each connection the envelope of
 * the next message travels behind the content of the previous one, so N messages cost about N + 1
 * round trips per connection. Servers without PIPELINING get one command at a time.
 *
 * <p>Thread-safe: one bean serves every thread of the application. Small sends (up to 10 messages)
 * from many threads share flights: a send that arrives while a connection is busy rides in that
 * connection's next flight instead of waiting for a connection of its own (see the core's
 * {@code BatchDelivery}); {@link #sendAsync} does the same without blocking the caller.
 *
 * <p>Failures: {@link #send(MimeMessage...)} throws {@link MailSendException} whose
 * {@code getFailedMessages()} maps every message not delivered to all its recipients (the caller's
 * own {@code MimeMessage} or {@code SimpleMailMessage}) to a {@link MessageDeliveryException} holding
 * that message's ledger; {@link MailAuthenticationException} when the server refused AUTH. Partial
 * delivery is the default: a message with one refused recipient still goes to the others, and is in
 * the map. The exception's message stays short whatever the batch: the counts, the first three
 * failures (escaped and cut to 200 characters each) and how many more; the map has every one. {@link
 * #sendAndReport} returns the ledger of every message instead of throwing.
 *
 * <p>Like {@code JavaMailSenderImpl}, a message without a sent date gets the current date, and an
 * explicitly set Message-ID survives {@code saveChanges()}. The sending itself is the core's
 * {@link SmtpMailer}; this class adds Spring's message types and exceptions.
 */
public class PipelinedMailSender implements JavaMailSender, AutoCloseable {

    private final SmtpMailer mailer;
    private final DeliveryPolicy policy;
    private final SenderEvents events;

    /**
     * @param pool            the connections; closed by {@link #close()}
     * @param defaultEncoding charset for text parts without one (Jakarta Mail's {@code mail.mime.charset}), or null
     * @param policy          partial (default) or all-or-nothing delivery
     * @param shutdownTimeout longest {@link #close()} waits for sends in progress
     */
    public PipelinedMailSender(SmtpConnectionPool pool, String defaultEncoding, DeliveryPolicy policy,
                               Duration shutdownTimeout) {
        this(pool, defaultEncoding, policy, shutdownTimeout, new SenderEvents());
    }

    /**
     * As above, with the events object that the pool also reports to (metrics add their listener
     * to it).
     */
    public PipelinedMailSender(SmtpConnectionPool pool, String defaultEncoding, DeliveryPolicy policy,
                               Duration shutdownTimeout, SenderEvents events) {
        this(pool, defaultEncoding, policy, shutdownTimeout, events, true);
    }

    /**
     * As above; {@code splitTooManyRecipients} false reports recipients refused as too many (452)
     * as FAILED instead of sending them in a new transaction.
     */
    public PipelinedMailSender(SmtpConnectionPool pool, String defaultEncoding, DeliveryPolicy policy,
                               Duration shutdownTimeout, SenderEvents events, boolean splitTooManyRecipients) {
        this(pool, defaultEncoding, policy, shutdownTimeout, events, splitTooManyRecipients, RetryPolicy.DISABLED);
    }

    /**
     * As above, with automatic retry of what is safe to send again ({@link RetryPolicy#DISABLED} for
     * none): {@link #send} then returns, or throws, once retry has ended, at most the policy's
     * budget plus the last attempt's own time after it began.
     */
    public PipelinedMailSender(SmtpConnectionPool pool, String defaultEncoding, DeliveryPolicy policy,
                               Duration shutdownTimeout, SenderEvents events, boolean splitTooManyRecipients,
                               RetryPolicy retry) {
        this.events = events;
        this.mailer = new SmtpMailer(pool, new DeliveryOptions(policy, splitTooManyRecipients), defaultEncoding,
                shutdownTimeout, events, retry, RetryClock.SYSTEM);
        this.policy = policy;
    }

    /**
     * DSN requests (RFC 3461) for every message, unless an Angus {@code SMTPMessage} sets its own
     * notify or return options; sent only to servers that advertise DSN. Null for none. Set it at
     * configuration time.
     */
    public void setDefaultDsn(DsnOptions dsn) {
        mailer.setDefaultDsn(dsn);
    }

    /** Where this sender reports replies, round trips, connections and batches. */
    public SenderEvents events() {
        return events;
    }

    /** The pool, for health and metrics. */
    public SmtpConnectionPool pool() {
        return mailer.pool();
    }

    /** The core mailer this sender adapts to Spring's {@link JavaMailSender}. */
    public SmtpMailer mailer() {
        return mailer;
    }

    @Override
    public MimeMessage createMimeMessage() {
        return mailer.createMimeMessage();
    }

    /** @throws MailParseException if the stream is not a message */
    @Override
    public MimeMessage createMimeMessage(InputStream contentStream) {
        try {
            return new MimeMessage(mailer.session(), contentStream);
        } catch (MessagingException e) {
            throw new MailParseException("Could not parse raw MIME content", e);
        }
    }

    @Override
    public void send(MimeMessage... mimeMessages) {
        throwIfFailed(sendAndReport(mimeMessages));
    }

    @Override
    public void send(SimpleMailMessage... simpleMessages) {
        List<Object> originals = new ArrayList<>(simpleMessages.length);
        List<MimeMessage> mimes = new ArrayList<>(simpleMessages.length);
        for (SimpleMailMessage simple : simpleMessages) {
            MimeMailMessage message = new MimeMailMessage(createMimeMessage());
            simple.copyTo(message);
            originals.add(simple);
            mimes.add(message.getMimeMessage());
        }
        throwIfFailed(report(originals, mimes, ProgressListener.NONE));
    }

    /**
     * Sends the messages and returns the ledger of every one, without throwing for server refusals
     * or connection failures (those are in the ledgers), for callers that retry only what failed
     * transiently. A message that could not be prepared has a {@link MailParseException} as its
     * entry's error.
     *
     * @throws MailAuthenticationException when the server refused AUTH (nothing was sent)
     */
    public SendReport sendAndReport(MimeMessage... mimeMessages) {
        return report(List.of(mimeMessages), List.of(mimeMessages), ProgressListener.NONE);
    }

    /**
     * As {@link #sendAndReport(MimeMessage...)}, telling {@code progress} how the batch is getting on:
     * messages done out of the total and the recipients SUCCEEDED / FAILED / UNKNOWN so far, after
     * every share a connection finished (at most {@value BatchDelivery#PROGRESS_SHARE} messages, so at
     * least that often per connection) and once at the end (then done equals the total). Called on
     * the sending threads (the calling thread or the sender's own), one call at a time, done never
     * decreasing; it should return quickly, and what it throws is logged and ignored.
     *
     * @throws MailAuthenticationException when the server refused AUTH (nothing was sent)
     */
    public SendReport sendAndReport(ProgressListener progress, MimeMessage... mimeMessages) {
        return report(List.of(mimeMessages), List.of(mimeMessages), progress);
    }

    /**
     * Sends the messages without blocking the calling thread; the future completes with the ledger
     * of every message, as {@link #sendAndReport(MimeMessage...)} returns it, on a thread of the
     * sender's async executor (2 threads; callbacks chained without an executor run there and should
     * be quick). Never completed exceptionally for a server's refusal or a connection failure (those
     * are in the ledgers); exceptionally with {@link MailAuthenticationException} when the server
     * refused AUTH, with {@link java.util.concurrent.RejectedExecutionException} when 10,000 async
     * calls are already accepted and not yet completed, or after {@link #close()} (nothing sent).
     *
     * <p>Up to 10 messages go into the shared flights with no thread waiting for them, waiting in
     * the queue at most the pool's {@code max-wait} (then FAILED not sent with the pool's timeout);
     * a larger batch is sent in shares with one executor thread waiting for it.
     * {@link java.util.concurrent.CompletableFuture#cancel(boolean) cancel} succeeds only before any
     * of the messages' MAIL FROM is written (while they are prepared or queued): they are never sent
     * and the future is cancelled. Afterwards {@code cancel} returns false and the report follows as
     * usual. See {@link SmtpMailer#sendAsync(List, List)}.
     */
    public CompletableFuture<SendReport> sendAsync(MimeMessage... mimeMessages) {
        List<Object> originals = List.of((Object[]) mimeMessages);
        CompletableFuture<SendReport> core = mailer.sendAsync(originals, List.of(mimeMessages));
        return new CompletableFuture<SendReport>() {
            {
                core.whenComplete((r, e) -> {
                    if (e != null) {
                        completeExceptionally(e);
                        return;
                    }
                    try {
                        complete(springReport(r));
                    } catch (RuntimeException failure) {
                        completeExceptionally(failure);
                    }
                });
            }

            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                if (!core.cancel(mayInterruptIfRunning)) {
                    return false;
                }
                super.cancel(mayInterruptIfRunning); // already cancelled by the core's completion, or now
                return true;
            }
        };
    }

    /** Messages waiting in the shared queue and in flight now, for gauges (see {@link BatchDelivery#load()}). */
    public BatchDelivery.Load load() {
        return mailer.load();
    }

    private SendReport report(List<Object> originals, List<MimeMessage> mimes, ProgressListener progress) {
        return events.observer().observe(mimes.size(), () -> springReport(mailer.send(originals, mimes, progress)));
    }

    /** The core's report with Spring's exceptions; throws {@link MailAuthenticationException} for a refused AUTH. */
    private static SendReport springReport(SendReport core) {
        {
            // the batch reaches the meters (SmtpMailer tells the listener) even when AUTH was refused
            List<SendReport.Entry> entries = new ArrayList<>(core.entries().size());
            SmtpAuthenticationException auth = null;
            for (SendReport.Entry e : core.entries()) {
                Exception error = e.error();
                if (error instanceof MessagePreparationException prep) {
                    error = new MailParseException(prep.getMessage(), prep.getCause());
                } else if (auth == null && error instanceof SmtpAuthenticationException a) {
                    auth = a;
                }
                entries.add(new SendReport.Entry(e.original(), e.ledger(), error));
            }
            if (auth != null) {
                throw new MailAuthenticationException("SMTP server refused authentication: " + auth.getMessage(), auth);
            }
            return new SendReport(entries, core.roundTrips(), core.waited());
        }
    }

    private static void throwIfFailed(SendReport report) {
        Map<Object, Exception> failed = new LinkedHashMap<>();
        Exception cause = null;
        for (SendReport.Entry e : report.entries()) {
            if (e.succeeded()) {
                continue;
            }
            Exception value = e.error() instanceof MailParseException parse ? parse
                    : new MessageDeliveryException(e.ledger(), e.error());
            failed.put(e.original(), value);
            if (cause == null && e.error() != null) {
                cause = e.error();
            }
        }
        if (!failed.isEmpty()) {
            throw new BoundedMailSendException(failed.size() + " of " + report.messages()
                    + " messages were not delivered to every recipient (" + report.summary() + ")", cause, failed);
        }
    }

    /** Waits up to the shutdown timeout for sends in progress, then QUITs every connection. */
    @Override
    public void close() {
        mailer.close();
    }

    @Override
    public String toString() {
        return "PipelinedMailSender[" + mailer.pool() + ", policy=" + policy + "]";
    }
}
