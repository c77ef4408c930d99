package io.github.pipeliningsmtp.sender;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code smtp.pipelining.pool.min-idle}: the connections are opened in the background at startup,
 * so the first send finds one open and opens none; without it nothing connects before a send.
 */
class MinIdleConnectionsOpenAtStartupTest {

    @Test
    void minIdleConnectionsAreOpenBeforeTheFirstSend() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(StandardSession.builder().build()::run);
            Senders.runner(server.port(), "smtp.pipelining.pool.min-idle=2").run(context -> {
                server.awaitConnectionCount(2, Duration.ofSeconds(10));
                PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                Awaitility.await("2 idle connections").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(1)).until(() -> sender.pool().idle() == 2);
                sender.send(Senders.message(sender, "rcpt-1@example.net"));
                assertThat(server.connectionCount()).isEqualTo(2);
            });
        }
    }

    @Test
    void withoutMinIdleNothingConnectsBeforeASend() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(StandardSession.builder().build()::run);
            Senders.runner(server.port()).run(context -> {
                PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                assertThat(sender.pool().idle()).isZero();
                assertThat(server.connectionCount()).isZero();
                sender.send(Senders.message(sender, "rcpt-1@example.net"));
                assertThat(server.connectionCount()).isEqualTo(1);
            });
        }
    }
}
