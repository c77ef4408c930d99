package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile server's 4 MB replies under a small heap (docs/fault-kinds.md#oversized-replies): a JVM
 * of its own with {@code -Xmx64m} ({@link SmallHeapSender}) opens 8 connections at once to a server
 * that answers every EHLO with 999 lines of 4 KB (about 4 MB each, 32 MB together). Each reply is
 * refused at 64 KiB as it arrives, so the outcome is a clean report for every send (each message
 * FAILED with the protocol error), never an {@link OutOfMemoryError}, and every connection is closed.
 */
class HugeEhloRepliesUnderSmallHeapIT {

    private static final byte[] LINE = ("250-" + "x".repeat(4090) + "\r\n").getBytes(StandardCharsets.US_ASCII);

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    @Test
    void eightHugeEhloRepliesAtOnceEndInACleanReportUnderXmx64m() throws Exception {
        CountDownLatch allOpen = new CountDownLatch(SmallHeapSender.SENDERS);
        server.setDefaultScript(s -> {
            s.reply("220 mail.example.com ESMTP hostile");
            String ehlo = s.readLine();
            assertThat(ehlo).startsWith("EHLO");
            allOpen.countDown();
            // the replies go out together, once every connection waits for one (at most 5 s)
            allOpen.await(5, TimeUnit.SECONDS);
            try {
                for (int i = 0; i < 998; i++) {
                    s.write(LINE);
                }
                s.write(("250 " + "y".repeat(4090) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException clientGaveUp) {
                // the client closed after the bound: the rest is never read
            }
        });
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                SmallHeapSender.class.getName(), String.valueOf(server.port()))
                .redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = child.getInputStream()) {
                in.transferTo(output);
            } catch (IOException ignored) {
                // the child ended
            }
        });
        reader.start();
        boolean ended = child.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(5_000);
        String out = output.toString(StandardCharsets.UTF_8);
        assertThat(ended).as(out).isTrue();
        assertThat(out).doesNotContain("OutOfMemoryError");
        assertThat(child.exitValue()).as(out).isZero();
        List<String> reports = out.lines().filter(l -> l.startsWith("REPORT")).toList();
        assertThat(reports).as(out).hasSize(SmallHeapSender.SENDERS).allSatisfy(line -> assertThat(line)
                .contains("messages=1 succeeded=0 failed=1 unknown=0").contains("65536 octets"));
        assertThat(out).contains("DONE");
        assertThat(allOpen.getCount()).as("8 connections were open at once").isZero();
        assertThat(server.connectionCount()).isGreaterThanOrEqualTo(SmallHeapSender.SENDERS);
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }
}
