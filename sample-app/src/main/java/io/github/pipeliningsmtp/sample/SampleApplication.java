package io.github.pipeliningsmtp.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot web application that sends mail through the pipelining SMTP starter the way a user's
 * application would: it injects {@code JavaMailSender}, builds {@code MimeMessage}s with
 * {@code MimeMessageHelper}, and uses {@code PipelinedMailSender} only where it wants the ledger.
 *
 * <ul>
 *   <li>At startup ({@link StartupBatch}) it sends {@code sample.batch-size} messages and logs one line
 *       {@code ledger: messages=M accepted=A succeeded=S failed=F unknown=U round-trips=R}.</li>
 *   <li>{@code POST /newsletter} ({@link NewsletterController}) sends one message per recipient and
 *       returns the ledger as JSON.</li>
 *   <li>Without {@code smtp.pipelining.host} it starts GreenMail behind a PIPELINING relay on loopback
 *       ({@link EmbeddedSmtpServerInitializer}).</li>
 *   <li>With {@code sample.exit=true} it runs as a batch job: no web server
 *       ({@link BatchModeEnvironmentPostProcessor}), and it exits after the ledger line with the exit
 *       code of {@link StartupBatch}: 0, or 1 when the batch could not be sent.</li>
 * </ul>
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {

    public static void main(String[] args) {
        ConfigurableApplicationContext context = SpringApplication.run(SampleApplication.class, args);
        if (context.getBean(SampleProperties.class).isExit()) {
            System.exit(SpringApplication.exit(context));
        }
    }
}
