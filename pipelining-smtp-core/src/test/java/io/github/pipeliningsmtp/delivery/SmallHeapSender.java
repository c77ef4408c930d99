package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The client side of {@link HugeEhloRepliesUnderSmallHeapIT}, run in a JVM of its own with a small
 * heap: {@value #SENDERS} threads send at once through one mailer whose pool has as many
 * connections, to the server on the port given as the argument, and one line per report is printed
 * ({@code REPORT messages=.. succeeded=.. failed=.. unknown=.. error=..}), then {@code DONE}.
 * Anything thrown is printed and the exit code is 2.
 */
public final class SmallHeapSender {

    static final int SENDERS = 8;

    private SmallHeapSender() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ExecutorService threads = Executors.newFixedThreadPool(SENDERS);
        try (SmtpMailer mailer = SmtpMailer.builder(ClientFixtures.settings(port).commandTimeout(Duration.ofSeconds(5))
                        .build())
                .poolSettings(PoolSettings.builder().maxConnections(SENDERS).maxWait(Duration.ofSeconds(10)).build())
                .build()) {
            List<Future<SendReport>> reports = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                int n = i;
                reports.add(threads.submit(() -> mailer.send(message(mailer, n))));
            }
            for (Future<SendReport> f : reports) {
                SendReport report = f.get(30, TimeUnit.SECONDS);
                Exception error = report.entries().get(0).error();
                System.out.println("REPORT messages=" + report.messages() + " succeeded=" + report.succeeded()
                        + " failed=" + report.failed() + " unknown=" + report.unknown()
                        + " error=" + (error == null ? "none" : error.toString()));
            }
            System.out.println("DONE");
        } catch (Throwable t) {
            System.out.println("THROWN " + t);
            System.exit(2);
        } finally {
            threads.shutdownNow();
        }
    }

    private static MimeMessage message(SmtpMailer mailer, int n) throws Exception {
        MimeMessage m = mailer.createMimeMessage();
        m.setFrom(new InternetAddress(ClientFixtures.SENDER));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(ClientFixtures.rcpt(n)));
        m.setSubject("small heap " + n);
        m.setText("hello");
        return m;
    }
}
