package io.github.pipeliningsmtp.benchmarks;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's messages: 1 KB of text from one sender. */
final class Messages {

    static final String FROM = "bench@example.com";
    static final String BODY = body();

    private Messages() {
    }

    private static String body() {
        StringBuilder b = new StringBuilder(1024);
        String line = "The quick brown fox jumps over the lazy dog, pipelined or not.";
        while (b.length() + line.length() + 2 <= 1024) {
            b.append(line).append("\r\n");
        }
        while (b.length() < 1024) {
            b.insert(0, 'x');
        }
        return b.toString();
    }

    static List<String> recipients(int count) {
        return recipients(count, "example.org");
    }

    /** {@code count} recipients at {@code domain} (Postfix of scripts/mta delivers example.net locally). */
    static List<String> recipients(int count, String domain) {
        List<String> r = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            r.add("rcpt" + i + "@" + domain);
        }
        return List.copyOf(r);
    }

    /** Fills a Jakarta Mail message as an application would with MimeMessageHelper's basics. */
    static MimeMessage fill(MimeMessage m, int index, List<String> recipients) throws MessagingException {
        m.setFrom(new InternetAddress(FROM));
        InternetAddress[] to = new InternetAddress[recipients.size()];
        for (int i = 0; i < to.length; i++) {
            to[i] = new InternetAddress(recipients.get(i));
        }
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject("Benchmark message " + index, "UTF-8");
        m.setText(BODY, "UTF-8");
        return m;
    }
}
