package io.github.pipeliningsmtp.sample;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.mail.MailPreparationException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code POST /newsletter}: sends one message per recipient as one batch and answers with the ledger
 * ({@link LedgerView}). The answer is 200 whatever the server said about each recipient (read the
 * per-message status); 400 when the request has no recipients or an address that does not parse.
 */
@RestController
public class NewsletterController {

    /** The request body. {@code subject} and {@code text} may be omitted (empty). */
    public record NewsletterRequest(String subject, String text, List<String> recipients) {
    }

    private final SampleProperties properties;
    private final MessageComposer composer;
    private final PipelinedMailSender sender;

    public NewsletterController(SampleProperties properties, MessageComposer composer, PipelinedMailSender sender) {
        this.properties = properties;
        this.composer = composer;
        this.sender = sender;
    }

    @PostMapping("/newsletter")
    public LedgerView send(@RequestBody NewsletterRequest request) {
        List<String> recipients = request.recipients();
        if (recipients == null || recipients.isEmpty()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "recipients must list at least one address");
        }
        String subject = request.subject() == null ? "" : request.subject();
        String text = request.text() == null ? "" : request.text();
        MimeMessage[] messages = new MimeMessage[recipients.size()];
        for (int i = 0; i < messages.length; i++) {
            String to = recipients.get(i);
            if (to == null || to.isBlank()) {
                throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "recipients[" + i + "] is empty");
            }
            try {
                messages[i] = composer.compose(properties.getFrom(), to, subject, text);
            } catch (MailPreparationException e) {
                throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "recipients[" + i + "]: " + e.getMessage(), e);
            }
        }
        return LedgerView.of(sender.sendAndReport(messages), recipients);
    }
}
