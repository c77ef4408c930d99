package io.github.pipeliningsmtp.test;

import io.github.pipeliningsmtp.testing.StoredMessage;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A message a {@link TestSmtpServer} accepted: its envelope as the client gave it (MAIL FROM and the
 * accepted RCPT TO addresses) and its content, with accessors for assertions. The content is
 * parsed with Jakarta Mail on first use. Immutable and thread-safe.
 */
public final class ReceivedMessage {

    private static final Session SESSION = Session.getInstance(new Properties());

    private final StoredMessage stored;
    private volatile MimeMessage mime;

    ReceivedMessage(StoredMessage stored) {
        this.stored = stored;
    }

    /** The envelope sender given to MAIL FROM (without angle brackets; {@code ""} for the null sender). */
    public String envelopeSender() {
        return stored.mailFrom();
    }

    /** The envelope recipients the server accepted (RCPT TO), in the order given; Bcc recipients included. */
    public List<String> recipients() {
        return stored.recipients();
    }

    /**
     * The value of the first header field with this name (case-insensitive), unfolded, with RFC 2047
     * encoded words decoded ({@code =?UTF-8?Q?...?=}); empty when there is none.
     */
    public Optional<String> header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every value of the header fields with this name, in order, unfolded and decoded as {@link #header}. */
    public List<String> headers(String name) {
        try {
            String[] raw = mimeMessage().getHeader(name);
            if (raw == null) {
                return List.of();
            }
            List<String> values = new ArrayList<>();
            for (String value : raw) {
                values.add(MimeUtility.decodeText(MimeUtility.unfold(value)).trim());
            }
            return List.copyOf(values);
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("cannot read header " + name + " of " + this, e);
        }
    }

    /** The decoded Subject, or {@code ""} when there is none. */
    public String subject() {
        try {
            String subject = mimeMessage().getSubject();
            return subject == null ? "" : subject;
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot read the subject of " + this, e);
        }
    }

    /**
     * The plain text: the content of a {@code text/plain} message, or of the first {@code text/plain}
     * part of a multipart one (depth first), with its transfer encoding and charset decoded and line
     * ends as {@code \n}; empty when there is no such part.
     */
    public Optional<String> text() {
        return firstPart("text/plain");
    }

    /** As {@link #text()} for the first {@code text/html} part. */
    public Optional<String> html() {
        return firstPart("text/html");
    }

    /** The content as received: headers and body, CRLF line ends, dot-stuffing removed, as UTF-8 text. */
    public String content() {
        return stored.contentAsString();
    }

    /** The content's octets as received. */
    public byte[] contentBytes() {
        return stored.content();
    }

    /** The content parsed by Jakarta Mail, for what the other accessors do not cover (a copy: change it freely). */
    public MimeMessage mimeMessage() {
        try {
            return new MimeMessage(parsed());
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot copy " + this, e);
        }
    }

    private MimeMessage parsed() {
        MimeMessage m = mime;
        if (m == null) {
            try {
                m = new MimeMessage(SESSION, new ByteArrayInputStream(stored.content()));
            } catch (MessagingException e) {
                throw new IllegalStateException("the content does not parse as a message: " + this, e);
            }
            mime = m;
        }
        return m;
    }

    private Optional<String> firstPart(String type) {
        try {
            return find(parsed(), type).map(s -> s.replace("\r\n", "\n"));
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot read the " + type + " part of " + this, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<String> find(Part part, String type) throws MessagingException, IOException {
        if (part.isMimeType(type) && !Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
            Object content = part.getContent();
            return Optional.of(content instanceof String s ? s
                    : new String(part.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                Optional<String> found = find(child, type);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReceivedMessage m && m.stored.equals(stored);
    }

    @Override
    public int hashCode() {
        return stored.hashCode();
    }

    /** For example {@code ReceivedMessage[from=me@example.com, to=[ann@example.com], subject=News, 312 octets]}. */
    @Override
    public String toString() {
        String subject;
        try {
            subject = subject();
        } catch (RuntimeException e) {
            subject = "?";
        }
        return "ReceivedMessage[from=" + envelopeSender() + ", to=" + recipients() + ", subject=" + subject + ", "
                + stored.content().length + " octets]";
    }

    static List<ReceivedMessage> of(List<StoredMessage> stored) {
        return stored.stream().map(ReceivedMessage::new).toList();
    }
}
