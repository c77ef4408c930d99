package io.github.pipeliningsmtp.test;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.delivery.SmtpMailer;
import io.github.pipeliningsmtp.pool.PoolSettings;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/** The library's own client, pointed at a test server, as an application would use it. */
final class Mail {

    private Mail() {
    }

    static SmtpMailer mailer(TestSmtpServer server) {
        return mailer(ConnectionSettings.builder(server.host(), server.port()).build());
    }

    static SmtpMailer mailer(ConnectionSettings settings) {
        return SmtpMailer.builder(settings).poolSettings(PoolSettings.builder().maxConnections(1).build()).build();
    }

    static MimeMessage message(SmtpMailer mailer, String from, String subject, String text, String... to)
            throws MessagingException {
        MimeMessage m = mailer.createMimeMessage();
        m.setFrom(new InternetAddress(from));
        for (String t : to) {
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(t));
        }
        m.setSubject(subject, "UTF-8");
        m.setText(text, "UTF-8");
        return m;
    }
}
