package io.github.pipeliningsmtp.sample;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/**
 * Builds messages the ordinary Spring way: from the injected {@link JavaMailSender} (whichever
 * implementation the starter configured) with {@link MimeMessageHelper}.
 */
@Component
public class MessageComposer {

    private final JavaMailSender mailSender;

    public MessageComposer(JavaMailSender mailSender) {
        this.mailSender = mailSender;
    }

    /**
     * A plain-text UTF-8 message to one recipient.
     *
     * @throws MailPreparationException when an address cannot be parsed
     */
    public MimeMessage compose(String from, String to, String subject, String text) {
        MimeMessage message = mailSender.createMimeMessage();
        try {
            MimeMessageHelper helper = new MimeMessageHelper(message, "UTF-8");
            helper.setFrom(from);
            helper.setTo(to);
            helper.setSubject(subject);
            helper.setText(text);
        } catch (MessagingException e) {
            throw new MailPreparationException("Could not build the message to " + to + ": " + e.getMessage(), e);
        }
        return message;
    }
}
