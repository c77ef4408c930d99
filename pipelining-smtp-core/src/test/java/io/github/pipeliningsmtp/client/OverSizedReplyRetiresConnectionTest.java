package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.EHLO_NO_SIZE;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.protocol.ReplyDecoder;
import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reply over {@link ReplyDecoder#DEFAULT_MAX_REPLY_OCTETS} (64 KiB) is a protocol error that
 * retires the connection, with the bound in the message (issue 12, item 2): as the EHLO reply it
 * fails the session; mid-transaction it fails the message and breaks the connection.
 */
class OverSizedReplyRetiresConnectionTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    /** 100 lines of about 1 KB: 100 KB, every line well under the 4,096-octet line bound. */
    private static String[] hugeReply(int code) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 99; i++) {
            lines.add(code + "-X-FILLER" + i + " " + "f".repeat(1000));
        }
        lines.add(code + " done");
        return lines.toArray(new String[0]);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anEhloReplyOverTheBoundFailsTheSessionWithAProtocolError() {
        server.enqueue(s -> {
            s.reply("220 mail.example.com ESMTP test");
            s.readLine();
            s.reply(hugeReply(250));
            s.stallUntilClientCloses();
        });
        assertThatThrownBy(() -> SmtpConnection.open(ClientFixtures.settings(server).build()))
                .isInstanceOfSatisfying(SmtpProtocolException.class, e -> {
                    assertThat(e.step()).contains(SmtpStep.EHLO);
                    assertThat(e).hasMessageContaining("reply longer than 65536 octets");
                });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aRcptReplyOverTheBoundFailsTheMessageAndRetiresTheConnection() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok");
            s.reply(hugeReply(550));
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(200, "ann@example.net"))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(ledger.contentCommitted()).isFalse();
        assertThat(ledger.firstError().orElseThrow().exception()).get().asString()
                .contains("reply longer than 65536 octets");
        assertThat(server.messages()).isEmpty();
    }
}
