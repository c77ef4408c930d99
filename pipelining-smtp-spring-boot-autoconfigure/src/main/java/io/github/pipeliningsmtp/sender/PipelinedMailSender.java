package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.DsnOptions;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SmtpAuthenticationException;
import io.github.pipeliningsmtp.delivery.BatchDelivery;
import io.github.pipeliningsmtp.delivery.DeliveryOptions;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * <p>Thread-safe: one bean serves every thread of the application.
 *
 * <p>Failures: {@link #send(MimeMessage...)} throws {@link MailSendException} whose
 * {@code getFailedMessages()} maps every message not delivered to all its recipients (the caller's
 * own {@code MimeMessage} or {@code SimpleMailMessage}) to a {@link MessageDeliveryException} holding
 * that message's ledger; {@link MailAuthenticationException} when the server refused AUTH. Partial
 * delivery is the default: a message with one refused recipient still goes to the others, and is in
 * the map. {@link #sendAndReport} returns the ledger of every message instead of throwing.
 *
 * <p>Like {@code JavaMailSenderImpl}, a message without a sent date gets the current date, and an
 * explicitly set Message-ID survives {@code saveChanges()}.
 */
public class PipelinedMailSender implements JavaMailSender, AutoCloseable {

    private final SmtpConnectionPool pool;
    private final BatchDelivery delivery;
    private final Session session;
    private final DeliveryPolicy policy;
    private final Duration shutdownTimeout;
    private final SenderEvents events;
    private volatile DsnOptions defaultDsn;

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
     * As above, with the events object that the pool and its connection settings also report to
     * (metrics add their listener to it).
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
        this.events = events;
        this.pool = pool;
        this.delivery = new BatchDelivery(pool, new DeliveryOptions(policy, splitTooManyRecipients));
        Properties properties = new Properties();
        if (defaultEncoding != null) {
            properties.setProperty("mail.mime.charset", defaultEncoding);
        }
        this.session = Session.getInstance(properties);
        this.policy = policy;
        this.shutdownTimeout = shutdownTimeout;
    }

    /**
     * DSN requests (RFC 3461) for every message, unless an Angus {@code SMTPMessage} sets its own
     * notify or return options; sent only to servers that advertise DSN. Null for none. Set it at
     * configuration time.
     */
    public void setDefaultDsn(DsnOptions dsn) {
        this.defaultDsn = dsn;
    }

    /** Where this sender reports replies, round trips, connections and batches. */
    public SenderEvents events() {
        return events;
    }

    /** The pool, for health and metrics. */
    public SmtpConnectionPool pool() {
        return pool;
    }

    @Override
    public MimeMessage createMimeMessage() {
        return new MimeMessage(session);
    }

    /** @throws MailParseException if the stream is not a message */
    @Override
    public MimeMessage createMimeMessage(InputStream contentStream) {
        try {
            return new MimeMessage(session, contentStream);
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
        throwIfFailed(report(originals, mimes));
    }

    /**
     * Sends the messages and returns the ledger of every one, without throwing for server refusals
     * or connection failures (those are in the ledgers), for callers that retry only what failed
     * transiently.
     *
     * @throws MailAuthenticationException when the server refused AUTH (nothing was sent)
     */
    public SendReport sendAndReport(MimeMessage... mimeMessages) {
        return report(List.of(mimeMessages), List.of(mimeMessages));
    }

    private SendReport report(List<Object> originals, List<MimeMessage> mimes) {
        return events.observer().observe(mimes.size(), () -> {
            long start = System.nanoTime();
            Reported reported = doReport(originals, mimes);
            // the batch reaches the meters even when it ends in an exception (AUTH refused)
            events.batchCompleted(reported.report(), Duration.ofNanos(System.nanoTime() - start));
            if (reported.authFailure() != null) {
                throw new MailAuthenticationException("SMTP server refused authentication: "
                        + reported.authFailure().getMessage(), reported.authFailure());
            }
            return reported.report();
        });
    }

    /** A batch's report, and the AUTH refusal that stopped it, if one did. */
    private record Reported(SendReport report, SmtpAuthenticationException authFailure) {
    }

    private Reported doReport(List<Object> originals, List<MimeMessage> mimes) {
        int n = mimes.size();
        Exception[] errors = new Exception[n];
        List<OutgoingMessage> outgoing = new ArrayList<>(n);
        List<Integer> index = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                outgoing.add(prepare(mimes.get(i)));
                index.add(i);
            } catch (MessagingException | IllegalArgumentException e) {
                errors[i] = new MailParseException("Could not prepare message: " + e.getMessage(), e);
            }
        }
        BatchDelivery.Outcome outcome = delivery.deliver(outgoing);
        SmtpAuthenticationException auth = outcome.connectionFailure() instanceof SmtpAuthenticationException a ? a : null;
        MessageLedger[] ledgers = new MessageLedger[n];
        for (int k = 0; k < index.size(); k++) {
            ledgers[index.get(k)] = outcome.ledgers().get(k);
        }
        for (int i = 0; i < n; i++) {
            if (ledgers[i] == null) {
                // not prepared: its recipients, if it has any, are in the ledger as FAILED (LOCAL)
                ledgers[i] = unpreparedLedger(mimes.get(i), errors[i]);
            }
        }
        List<SendReport.Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Exception error = errors[i];
            if (error == null && outcome.connectionFailure() != null && !ledgers[i].started()) {
                error = outcome.connectionFailure();
            }
            entries.add(new SendReport.Entry(originals.get(i), ledgers[i], error));
        }
        return new Reported(new SendReport(entries, outcome.roundTrips()), auth);
    }

    private static MessageLedger unpreparedLedger(MimeMessage message, Exception error) {
        try {
            List<String> recipients = new ArrayList<>();
            for (String header : new String[] {"To", "Cc", "Bcc"}) {
                String value = message.getHeader(header, ",");
                if (value != null) {
                    // not strict: a header that failed preparation may not parse strictly
                    for (jakarta.mail.internet.InternetAddress a
                            : jakarta.mail.internet.InternetAddress.parseHeader(value, false)) {
                        recipients.add(a.getAddress());
                    }
                }
            }
            if (recipients.isEmpty()) {
                return null;
            }
            return MessageLedger.notSent(new Envelope("", recipients),
                    io.github.pipeliningsmtp.client.SmtpError.local(io.github.pipeliningsmtp.protocol.SmtpStep.MAIL_FROM,
                            "not sent: the message could not be prepared: " + error.getMessage(), error));
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    private OutgoingMessage prepare(MimeMessage message) throws MessagingException {
        if (message.getSentDate() == null) {
            message.setSentDate(new Date());
        }
        String messageId = message.getMessageID();
        message.saveChanges();
        if (messageId != null) {
            message.setHeader("Message-ID", messageId);
        }
        Envelope envelope = MimeEnvelopes.of(message);
        return new OutgoingMessage(envelope, MessageContent.of(message), MimeEnvelopes.dsn(message, defaultDsn));
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
            throw new MailSendException(failed.size() + " of " + report.messages()
                    + " messages were not delivered to every recipient (" + report.summary() + ")", cause, failed);
        }
    }

    /** Waits up to the shutdown timeout for sends in progress, then QUITs every connection. */
    @Override
    public void close() {
        delivery.close();
        pool.close(shutdownTimeout);
    }

    @Override
    public String toString() {
        return "PipelinedMailSender[" + pool + ", policy=" + policy + "]";
    }
}
