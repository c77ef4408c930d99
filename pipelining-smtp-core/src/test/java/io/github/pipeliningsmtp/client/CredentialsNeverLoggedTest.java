package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Credentials never logged (docs/fault-kinds.md#credentials-never-logged): AUTH PLAIN, LOGIN, XOAUTH2 and a
 * refusal, with wire logging at TRACE.
 */
class CredentialsNeverLoggedTest {

    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";
    private static final String TOKEN = "ya29.TEST-TOKEN";
    private static final List<String> SECRETS = List.of(PASSWORD, "UzNjcmV0LVBhNTU=",
            "AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=", TOKEN,
            "dXNlcj11c2VyQGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHlhMjkuVEVTVC1UT0tFTgEB", "dXNlckBleGFtcGxlLmNvbQ==");
    private static final String[] EHLO = {"250-mail.example.com", "250-PIPELINING", "250-ENHANCEDSTATUSCODES",
        "250 AUTH PLAIN LOGIN XOAUTH2"};

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final List<String> seen = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void expect(ServerSession s, String line) throws IOException {
        assertThat(s.readLine()).isEqualTo(line);
    }

    private ConnectionSettings settings(Credentials credentials, String mechanism) {
        ConnectionSettings settings = ClientFixtures.settings(server).credentials(credentials).authMechanism(mechanism)
                .allowPlaintextAuth(true).build();
        seen.add(settings.toString());
        seen.add(credentials.toString());
        return settings;
    }

    private void openAndClose(ConnectionSettings settings) throws IOException {
        try (SmtpConnection c = SmtpConnection.open(settings)) {
            seen.add(c.toString());
        }
    }

    @Test
    void noSecretInLogsExceptionsOrToString() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO);
            expect(s, "AUTH PLAIN " + b64("\0" + USER + "\0" + PASSWORD));
            s.reply("235 2.7.0 Authentication successful");
            ClientFixtures.quit(s);
        });
        server.enqueue(s -> {
            greet(s, EHLO);
            expect(s, "AUTH LOGIN");
            s.reply("334 VXNlcm5hbWU6");
            expect(s, b64(USER));
            s.reply("334 UGFzc3dvcmQ6");
            expect(s, b64(PASSWORD));
            s.reply("235 2.7.0 Authentication successful");
            ClientFixtures.quit(s);
        });
        server.enqueue(s -> {
            greet(s, EHLO);
            expect(s, "AUTH XOAUTH2 " + b64("user=" + USER + "\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
            s.reply("235 2.7.0 Accepted");
            ClientFixtures.quit(s);
        });
        server.enqueue(s -> {
            greet(s, EHLO);
            s.readLine();
            s.reply("535 5.7.8 Authentication credentials invalid");
            s.stallUntilClientCloses();
        });
        for (int attempt = 0; attempt < 2; attempt++) {
            // the refused token, then the one asked for again on a new connection
            server.enqueue(s -> {
                greet(s, EHLO);
                s.readLine();
                s.reply("334 " + b64("{\"status\":\"401\",\"schemes\":\"bearer\"}"));
                expect(s, "");
                s.reply("535 5.7.8 Username and Password not accepted");
                s.stallUntilClientCloses();
            });
        }
        Credentials password = Credentials.password(USER, PASSWORD);
        Credentials oauth = Credentials.oauth2(USER, () -> TOKEN);
        try (LogCapture logs = new LogCapture()) {
            openAndClose(settings(password, null));
            openAndClose(settings(password, "LOGIN"));
            openAndClose(settings(oauth, null));
            assertThatThrownBy(() -> openAndClose(settings(password, null)))
                    .isInstanceOfSatisfying(SmtpAuthenticationException.class, e -> {
                        SmtpError error = e.error().orElseThrow();
                        assertThat(error.command()).isEqualTo("AUTH PLAIN");
                        assertThat(error.code()).isEqualTo(535);
                        assertThat(error.enhancedStatusCode()).contains("5.7.8");
                        seen.add(e.toString());
                        seen.add(error.toString());
                    });
            assertThatThrownBy(() -> openAndClose(settings(oauth, null)))
                    .isInstanceOfSatisfying(SmtpAuthenticationException.class, e -> {
                        assertThat(e.error().orElseThrow().command()).isEqualTo("AUTH XOAUTH2");
                        assertThat(e.error().orElseThrow().code()).isEqualTo(535);
                        seen.add(e.toString());
                    });
            assertThat(logs.all()).contains("AUTH PLAIN ****").contains("AUTH XOAUTH2 ****").contains("AUTH LOGIN");
            seen.addAll(logs.lines());
        }
        String everything = String.join("\n", seen);
        for (String secret : SECRETS) {
            assertThat(everything).doesNotContain(secret);
        }
    }

    @Test
    void authIsRefusedOverPlaintextUnlessAllowed() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO);
            ClientFixtures.quit(s);
        });
        ConnectionSettings settings = ClientFixtures.settings(server).credentials(Credentials.password(USER, PASSWORD)).build();
        assertThatThrownBy(() -> SmtpConnection.open(settings))
                .isInstanceOf(SmtpSecurityException.class)
                .hasMessageContaining("unencrypted");
        server.awaitNoOpenConnections(Duration.ofSeconds(1));
        assertThat(server.commands()).extracting(r -> r.line()).noneMatch(l -> l.startsWith("AUTH"));
    }
}
