package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * AUTH LOGIN without initial response (issue 12, item 10): a strict server refuses
 * {@code AUTH LOGIN <base64 user>} with 501 and takes the username only after its first 334. The client
 * sends {@code AUTH LOGIN} alone, waits for each 334, then the username and the password each on a
 * line of its own, and nothing ahead of the challenge.
 */
class AuthLoginWithoutInitialResponseTest {

    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theUsernameGoesAfterTheFirstChallengeNotInline() throws Exception {
        server.enqueue(s -> {
            ClientFixtures.greet(s, "250-mail.example.com", "250-PIPELINING", "250 AUTH LOGIN");
            String auth = s.readLine();
            if (!auth.equals("AUTH LOGIN")) {
                s.reply("501 5.5.4 Initial response not allowed for LOGIN");
                throw new AssertionError("strict server: expected AUTH LOGIN alone, got " + auth);
            }
            // nothing may arrive before the challenge
            s.pause(Duration.ofMillis(100));
            assertThat(s.inputBuffered()).as("bytes sent ahead of the first 334").isFalse();
            s.reply("334 VXNlcm5hbWU6");
            assertThat(s.readLine()).isEqualTo(b64(USER));
            s.pause(Duration.ofMillis(50));
            assertThat(s.inputBuffered()).as("bytes sent ahead of the second 334").isFalse();
            s.reply("334 UGFzc3dvcmQ6");
            assertThat(s.readLine()).isEqualTo(b64(PASSWORD));
            s.reply("235 2.7.0 Authentication successful");
            ClientFixtures.quit(s);
        });
        ConnectionSettings settings = ClientFixtures.settings(server)
                .credentials(Credentials.password(USER, PASSWORD)).allowPlaintextAuth(true).build();
        try (SmtpConnection c = SmtpConnection.open(settings)) {
            assertThat(c.isPipelining()).isTrue();
        }
        List<String> lines = server.commands(0).stream().map(r -> r.line()).toList();
        assertThat(lines).containsSubsequence("AUTH LOGIN", b64(USER), b64(PASSWORD), "QUIT");
        assertThat(lines).noneMatch(l -> l.startsWith("AUTH LOGIN "));
    }
}
