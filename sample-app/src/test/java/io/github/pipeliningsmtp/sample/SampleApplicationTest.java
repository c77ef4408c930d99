package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * The sample on its embedded default (no smtp.pipelining.host), as the quick start runs it: GreenMail
 * behind the PIPELINING relay, and a small startup batch. POST /newsletter is tested against the
 * published test server in {@link NewsletterControllerTest}.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "sample.batch-size=7")
class SampleApplicationTest {

    private static final Pattern LEDGER = Pattern.compile(
            "ledger: messages=(\\d+) accepted=(\\d+) succeeded=(\\d+) failed=(\\d+) unknown=(\\d+) round-trips=(\\d+)");

    @Autowired
    private EmbeddedSmtpServer embedded;

    @Autowired
    private JavaMailSender mailSender;

    @Test
    void theStarterSenderIsTheJavaMailSenderAndPointsAtTheEmbeddedServer() {
        assertThat(mailSender).isInstanceOf(io.github.pipeliningsmtp.sender.PipelinedMailSender.class);
        assertThat(embedded.port()).isNotEqualTo(embedded.greenMailPort());
    }

    @Test
    void startupBatchLogsOneLedgerLineAndGreenMailReceivesEveryMessage(CapturedOutput output) throws Exception {
        List<String> lines = output.getAll().lines().filter(l -> l.contains("ledger: ")).toList();
        assertThat(lines).hasSize(1);
        Matcher m = LEDGER.matcher(lines.get(0));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("7");
        assertThat(m.group(3)).as("succeeded").isEqualTo(m.group(1));
        assertThat(m.group(2)).as("accepted").isEqualTo("7");
        assertThat(m.group(4)).as("failed").isEqualTo("0");
        assertThat(m.group(5)).as("unknown").isEqualTo("0");
        assertThat(output.getAll()).contains("started an embedded SMTP server");

        List<MimeMessage> batch = received("Sample batch message ");
        assertThat(batch).hasSize(7);
        // message i goes to recipient i modulo 3
        assertThat(batch.stream().map(SampleApplicationTest::to).sorted().toList()).containsExactly(
                "alice@example.com", "alice@example.com", "alice@example.com",
                "bob@example.com", "bob@example.com", "carol@example.com", "carol@example.com");
    }

    private List<MimeMessage> received(String subjectPrefix) {
        return Arrays.stream(embedded.greenMail().getReceivedMessages()).filter(m -> {
            try {
                return m.getSubject() != null && m.getSubject().startsWith(subjectPrefix);
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static String to(MimeMessage message) {
        try {
            return message.getRecipients(Message.RecipientType.TO)[0].toString();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
