package io.github.pipeliningsmtp.autoconfigure.shared;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One instance of an application that shares a PostgreSQL-backed rate budget, run in its own JVM
 * by {@link SharedRateLimitAcrossInstancesIT}: a Spring context with the starter's auto-configuration
 * and a DataSource, which sends batches of 40 messages (over its 4 connections) as fast as the budget lets it for the given
 * time, then prints {@code RESULT name=.. sent=.. succeeded=.. failed=.. unknown=..} and exits.
 *
 * <p>Arguments: name, sink port, JDBC url, user, password, budget key, rate (messages/s), run time
 * (ms), the directory where it writes {@code <name>.ready} and waits for {@code go} (the start time
 * in epoch ms).
 */
public final class SharedBudgetInstance {

    private SharedBudgetInstance() {
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(PipeliningSmtpAutoConfiguration.class)
    static class App {
        @Bean
        DataSource dataSource(org.springframework.core.env.Environment env) {
            return PostgresFixture.dataSource(env.getProperty("it.url"), env.getProperty("it.user"),
                    env.getProperty("it.password"));
        }
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        long runMillis = Long.parseLong(args[7]);
        Path dir = Path.of(args[8]);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .properties("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + args[1],
                        "smtp.pipelining.pool.max-connections=4", "smtp.pipelining.rate.messages-per-second=" + args[6],
                        "smtp.pipelining.rate.shared.enabled=true", "smtp.pipelining.rate.shared.key=" + args[5],
                        "it.url=" + args[2], "it.user=" + args[3], "it.password=" + args[4],
                        "spring.main.banner-mode=off")
                .run()) {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            Files.writeString(dir.resolve(name + ".ready"), "ready");
            Path go = dir.resolve("go");
            long deadline = System.currentTimeMillis() + 60_000;
            while (!Files.exists(go) || Files.readString(go).isBlank()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("no go within 60 s");
                }
                Thread.sleep(5);
            }
            long end = Long.parseLong(Files.readString(go).trim()) + runMillis;
            long sent = 0;
            long succeeded = 0;
            long failed = 0;
            long unknown = 0;
            while (System.currentTimeMillis() < end) {
                MimeMessage[] batch = new MimeMessage[40]; // 10 per connection: all 4 connections at once
                for (int i = 0; i < batch.length; i++) {
                    MimeMessage m = sender.createMimeMessage();
                    m.setFrom(new InternetAddress("sender@example.com"));
                    m.setRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress("rcpt@example.net"));
                    m.setSubject("shared budget");
                    m.setHeader("X-Seq", name + "-" + sent++);
                    m.setText("one of many");
                    batch[i] = m;
                }
                SendReport report = sender.sendAndReport(batch);
                for (SendReport.Entry e : report.entries()) {
                    succeeded += e.ledger().count(RecipientStatus.SUCCEEDED);
                    failed += e.ledger().count(RecipientStatus.FAILED);
                    unknown += e.ledger().count(RecipientStatus.UNKNOWN);
                }
            }
            System.out.println("RESULT name=" + name + " sent=" + sent + " succeeded=" + succeeded + " failed=" + failed
                    + " unknown=" + unknown);
        }
    }
}
