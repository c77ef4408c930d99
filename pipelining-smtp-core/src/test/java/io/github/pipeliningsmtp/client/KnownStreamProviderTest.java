package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.StreamProvider;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The known stream provider (issue 14, item 3) changes no octet of the content and leaves the
 * thread's context class loader as it was.
 */
class KnownStreamProviderTest {

    private static MimeMessage multipart() throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom("sender@example.com");
        m.setSubject("Grüße", "UTF-8");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Grüße aus Köln\r\n" + "x".repeat(2000) + "\r\n", "UTF-8");
        MimeBodyPart plain = new MimeBodyPart();
        plain.setText("plain ascii\r\n", "US-ASCII");
        MimeBodyPart binary = new MimeBodyPart();
        byte[] bytes = new byte[3000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        binary.setContent(bytes, "application/octet-stream");
        m.setContent(new MimeMultipart(text, plain, binary));
        m.saveChanges();
        return m;
    }

    @Test
    void theContentIsTheSameOctetForOctetAsJakartaMailWritesIt() throws Exception {
        MimeMessage m = multipart();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        m.writeTo(plain, new String[] {"Bcc", "Content-Length"});
        ByteArrayOutputStream known = new ByteArrayOutputStream();
        MessageContent.of(m).writeTo(known);
        assertThat(known.toString(StandardCharsets.ISO_8859_1)).isEqualTo(plain.toString(StandardCharsets.ISO_8859_1));
        assertThat(plain.toString(StandardCharsets.ISO_8859_1)).contains("Content-Transfer-Encoding: base64",
                "Content-Transfer-Encoding: quoted-printable", "Content-Transfer-Encoding: 7bit");
    }

    @Test
    void theContextClassLoaderIsRestoredAndTheProviderIsTheStandardOne() throws Exception {
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        String[] seen = new String[2];
        KnownStreamProvider.<RuntimeException, RuntimeException>run(() -> {
            seen[0] = StreamProvider.provider().getClass().getName();
            seen[1] = Thread.currentThread().getContextClassLoader().getClass().getSimpleName();
        });
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
        assertThat(seen[0]).isEqualTo(StreamProvider.provider().getClass().getName());
        assertThat(seen[1]).isEqualTo("KnownStreamProvider");
    }

    @Test
    void anotherContextClassLoaderIsLeftAlone() {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        ClassLoader other = new ClassLoader(before) { };
        thread.setContextClassLoader(other);
        try {
            ClassLoader[] seen = new ClassLoader[1];
            KnownStreamProvider.<RuntimeException, RuntimeException>run(
                    () -> seen[0] = Thread.currentThread().getContextClassLoader());
            assertThat(seen[0]).isSameAs(other);
        } finally {
            thread.setContextClassLoader(before);
        }
    }
}
