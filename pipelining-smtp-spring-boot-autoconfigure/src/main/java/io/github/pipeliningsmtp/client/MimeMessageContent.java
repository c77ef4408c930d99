package io.github.pipeliningsmtp.client;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Enumeration;

/** {@link MessageContent} of a {@link MimeMessage}, with a header check against injected header lines. */
final class MimeMessageContent implements MessageContent {

    private static final String[] IGNORED_HEADERS = {"Bcc", "Content-Length"};

    private final MimeMessage message;

    MimeMessageContent(MimeMessage message) {
        this.message = message;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException, MessagingException {
        // as Transport.send does: Bcc recipients are in the envelope only, never in the content
        message.writeTo(out, IGNORED_HEADERS);
    }

    @Override
    public void check() throws MessagingException {
        Enumeration<String> lines = message.getAllHeaderLines();
        while (lines.hasMoreElements()) {
            String line = lines.nextElement();
            String name = line.substring(0, Math.max(0, line.indexOf(':')));
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\r' || c == '\n') {
                    int next = (c == '\r' && i + 1 < line.length() && line.charAt(i + 1) == '\n') ? i + 2 : i + 1;
                    if (next >= line.length() || (line.charAt(next) != ' ' && line.charAt(next) != '\t')) {
                        throw new MessagingException("header " + name
                                + " contains a line break that is not folding; it would inject a header line");
                    }
                    i = next - 1;
                }
            }
        }
    }
}
