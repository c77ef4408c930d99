package io.github.pipeliningsmtp.benchmarks;

import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Properties;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * Spring's {@link JavaMailSenderImpl} (Angus Mail), configured as Spring Boot's
 * {@code MailSenderPropertiesConfiguration} does from {@code spring.mail.host/port} and the default
 * {@code spring.mail.default-encoding=UTF-8}, no extra JavaMail properties; the batch is one
 * {@code send(MimeMessage...)} call, so one SMTP connection.
 */
final class SpringContender implements Contender {

    @Override
    public String name() {
        return "JavaMailSenderImpl";
    }

    @Override
    public int connections() {
        return 1;
    }

    /** Spring's sender as an application configures it for a plain SMTP server: no properties of its own. */
    static JavaMailSenderImpl sender(String host, int port) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost(host);
        sender.setPort(port);
        sender.setProtocol("smtp");
        sender.setDefaultEncoding("UTF-8");
        sender.setJavaMailProperties(new Properties());
        return sender;
    }

    @Override
    public Batch prepare(String host, int port, int n, List<String> recipients) throws Exception {
        JavaMailSenderImpl sender = sender(host, port);
        MimeMessage[] messages = new MimeMessage[n];
        for (int i = 0; i < n; i++) {
            messages[i] = Messages.fill(sender.createMimeMessage(), i, recipients);
        }
        return new Batch() {
            @Override
            public int send() {
                try {
                    sender.send(messages);
                    return n;
                } catch (MailSendException e) {
                    return n - e.getFailedMessages().size();
                }
            }

            @Override
            public void close() {
                // JavaMailSenderImpl closes its Transport at the end of send
            }
        };
    }
}
