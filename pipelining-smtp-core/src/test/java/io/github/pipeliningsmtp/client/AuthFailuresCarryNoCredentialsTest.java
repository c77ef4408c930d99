package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.SessionScript;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Credentials never logged (docs/fault-kinds.md#credentials-never-logged): no exception of any AUTH failure path
 * carries the password or its encodings.
 */
class AuthFailuresCarryNoCredentialsTest {

    private static final List<String> SECRETS = List.of("S3cret-Pa55", "UzNjcmV0LVBhNTU=",
            "AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=", "dXNlckBleGFtcGxlLmNvbQ==");

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(8));
        server.close();
    }

    private Throwable failWith(String mechanism, SessionScript script) {
        server.enqueue(script);
        Throwable[] thrown = new Throwable[1];
        assertThatThrownBy(() -> SmtpConnection.open(ClientFixtures.settings(server)
                .commandTimeout(Duration.ofSeconds(1))
                .allowPlaintextAuth(true).authMechanism(mechanism)
                .credentials(Credentials.password("user@example.com", "S3cret-Pa55")).build()).close())
                .satisfies(t -> thrown[0] = t);
        StringWriter trace = new StringWriter();
        thrown[0].printStackTrace(new PrintWriter(trace));
        for (String secret : SECRETS) {
            assertThat(trace.toString()).doesNotContain(secret);
        }
        return thrown[0];
    }

    @Test
    void loginWithUnexpectedChallengesThenAFurther334() {
        Throwable t = failWith("LOGIN", s -> {
            greet(s, ClientFixtures.D_EHLO);
            s.readLine();
            s.reply("334 UGFzc3dvcmQ6"); // asks for the password first
            s.readLine();
            s.reply("334 this is not base64 at all !!");
            s.readLine();
            s.reply("334 " + "VXNlcm5hbWU6");
            String cancel = s.readLine();
            s.reply("501 5.7.0 Authentication cancelled: " + cancel);
            ClientFixtures.quit(s);
        });
        assertThat(t.getMessage()).contains("501");
    }

    @Test
    void eofRightAfterThePassword() {
        failWith("LOGIN", s -> {
            greet(s, ClientFixtures.D_EHLO);
            s.readLine();
            s.reply("334 VXNlcm5hbWU6");
            s.readLine();
            s.reply("334 UGFzc3dvcmQ6");
            s.readLine();
            s.closeFin();
        });
    }

    @Test
    void timeoutAfterThePlainInitialResponse() {
        failWith("PLAIN", s -> {
            greet(s, ClientFixtures.D_EHLO);
            s.readLine();
            s.stallUntilClientCloses();
        });
    }

    @Test
    void malformedReplyAfterThePlainInitialResponse() {
        failWith("PLAIN", s -> {
            greet(s, ClientFixtures.D_EHLO);
            s.readLine();
            s.reply("xyz garbage");
            s.stallUntilClientCloses();
        });
    }
}
