package io.github.pipeliningsmtp.test.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.test.ReceivedMessage;
import io.github.pipeliningsmtp.test.TestSmtpServer;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;

/**
 * {@link AutoConfigureTestSmtpServer} on a {@code @SpringBootTest} whose configuration points at a
 * real relay with STARTTLS and AUTH: the annotation wins, the starter sends to the test server (AUTH
 * taken), and the server is reset after each test. The methods run in order: the second checks what
 * the first left behind.
 */
@SpringBootTest(classes = AutoConfigureTestSmtpServerTest.App.class, properties = {
        "smtp.pipelining.host=smtp.invalid", "smtp.pipelining.port=587", "smtp.pipelining.tls=starttls-required",
        "smtp.pipelining.username=app@example.com", "smtp.pipelining.password=secret"})
@AutoConfigureTestSmtpServer
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AutoConfigureTestSmtpServerTest {

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }

    @Autowired
    private TestSmtpServer smtp;

    @Autowired
    private Environment environment;

    @Autowired
    private PipelinedMailSender sender;

    @Test
    @Order(1)
    void theStarterIsPointedAtTheTestServerAndSendsThroughIt() {
        assertThat(environment.getProperty("smtp.pipelining.host")).isEqualTo("127.0.0.1");
        assertThat(environment.getProperty("smtp.pipelining.port", Integer.class)).isEqualTo(smtp.port());
        assertThat(environment.getProperty("smtp.pipelining.tls")).isEqualTo("none");
        assertThat(smtp.capabilities()).contains("PIPELINING", "CHUNKING");

        smtp.refuseRecipient("ann@example.com", 550, "5.1.1", "No such user");
        assertThatThrownBy(() -> sender.send(mail("ann@example.com"))).isInstanceOf(MailSendException.class);
        sender.send(mail("ben@example.com"));

        assertThat(smtp.messages()).singleElement().satisfies(m -> {
            assertThat(m.recipients()).containsExactly("ben@example.com");
            assertThat(m.subject()).isEqualTo("Hello");
            assertThat(m.text()).hasValue("Hi ben@example.com\n");
        });
        assertThat(smtp.commands()).anyMatch(c -> c.startsWith("AUTH ")).anyMatch(c -> c.startsWith("BDAT "));
    }

    @Test
    @Order(2)
    void afterEachTestTheServerIsResetMessagesAndRefusalsAlike() {
        assertThat(smtp.messages()).isEmpty();
        sender.send(mail("ann@example.com")); // refused by the first test's refusal if it were still there
        assertThat(smtp.messages()).extracting(ReceivedMessage::recipients).containsExactly(List.of("ann@example.com"));
    }

    private static SimpleMailMessage mail(String to) {
        SimpleMailMessage m = new SimpleMailMessage();
        m.setFrom("app@example.com");
        m.setTo(to);
        m.setSubject("Hello");
        m.setText("Hi " + to + "\n");
        return m;
    }
}
