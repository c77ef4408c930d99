package io.github.pipeliningsmtp.client;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.util.LineOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Enumeration;

/** {@link MessageContent} of a {@link MimeMessage}, with a header check against injected header lines. */
final class MimeMessageContent implements MessageContent {

    private static final String[] IGNORED_HEADERS = {"Bcc", "Content-Length"};
    /** Jakarta Mail's own switch for UTF-8 in headers, read the way {@code MimeBodyPart} reads it. */
    private static final boolean ALLOW_UTF8 = Boolean.getBoolean("mail.mime.allowutf8");

    private final MimeMessage message;

    MimeMessageContent(MimeMessage message) {
        this.message = message;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException, MessagingException {
        // as Transport.send does: Bcc recipients are in the envelope only, never in the content.
        // Handing Jakarta Mail the line stream it would create itself (Angus Mail's) spares it a
        // service-loader lookup of its stream provider on every message (jakarta.mail-api 2.1).
        // KnownStreamProvider spares the same lookup once per part (MimeUtility.encode).
        KnownStreamProvider.<IOException, MessagingException>run(() -> message.writeTo(new LineOutputStream(out, ALLOW_UTF8), IGNORED_HEADERS));
    }

    @Override
    public boolean repeatable() {
        return true;
    }

    @Override
    public boolean needsSmtpUtf8() {
        try {
            Enumeration<String> lines = message.getAllHeaderLines();
            while (lines.hasMoreElements()) {
                String line = lines.nextElement();
                for (int i = 0; i < line.length(); i++) {
                    if (line.charAt(i) > 127) {
                        return true;
                    }
                }
            }
            return false;
        } catch (MessagingException e) {
            return false;
        }
    }

    /** Every leaf part is re-encoded from its data with the 7-bit encoding Jakarta Mail picks (quoted-printable or base64). */
    @Override
    public boolean convertToSevenBit() throws MessagingException {
        return reencode(false);
    }

    /**
     * Every leaf part in an identity encoding (none, 7bit, 8bit, binary) is re-encoded from its data
     * with the encoding Jakarta Mail picks: quoted-printable for text with a line over 998 octets
     * ({@code MimeUtility.getEncoding}), base64 otherwise. A header line over 998 octets stays and is
     * refused by the scan that follows.
     */
    @Override
    public boolean reencodeLongLines() throws MessagingException {
        return reencode(true);
    }

    private boolean reencode(boolean sevenBitToo) throws MessagingException {
        try {
            reencode(message, sevenBitToo);
        } catch (java.io.IOException e) {
            throw new MessagingException("could not re-encode the content", e);
        }
        message.saveChanges();
        return true;
    }

    private static void reencode(jakarta.mail.Part part, boolean sevenBitToo)
            throws MessagingException, java.io.IOException {
        if (part.isMimeType("multipart/*")) {
            jakarta.mail.Multipart multipart = (jakarta.mail.Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                reencode(multipart.getBodyPart(i), sevenBitToo);
            }
            return;
        }
        String[] cte = part.getHeader("Content-Transfer-Encoding");
        if (cte == null || cte[0].equalsIgnoreCase("8bit") || cte[0].equalsIgnoreCase("binary")
                || (sevenBitToo && cte[0].trim().equalsIgnoreCase("7bit"))) {
            jakarta.activation.DataHandler data = part.getDataHandler();
            if (data.getDataSource() instanceof jakarta.mail.internet.MimePartDataSource) {
                // a parsed part: Jakarta Mail would keep its encoding; its data are its raw octets
                // (an identity encoding), read again from the part on every write
                data = new jakarta.activation.DataHandler(new RawPartData(part));
            }
            part.setDataHandler(data);
            part.removeHeader("Content-Transfer-Encoding");
        }
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

    /** The octets of a parsed part in an identity encoding (none, 7bit, 8bit, binary), as its new data. */
    private record RawPartData(jakarta.mail.Part part, String contentType) implements jakarta.activation.DataSource {

        RawPartData(jakarta.mail.Part part) throws MessagingException {
            this(part, part.getContentType());
        }

        @Override
        public java.io.InputStream getInputStream() throws IOException {
            try {
                if (part instanceof MimeMessage m) {
                    return m.getRawInputStream();
                }
                return ((jakarta.mail.internet.MimeBodyPart) part).getRawInputStream();
            } catch (MessagingException e) {
                throw new IOException("could not read the part", e);
            }
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public String getName() {
            return null;
        }
    }
}
