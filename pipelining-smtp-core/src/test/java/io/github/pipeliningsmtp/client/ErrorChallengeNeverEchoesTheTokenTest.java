package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The decoded XOAUTH2 error challenge goes into exception messages and logs; a hostile server that
 * echoes the access token inside it must not get the token into them.
 */
class ErrorChallengeNeverEchoesTheTokenTest {

    private static SmtpReply challenge(String json) {
        return SmtpReply.of(334, Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aMemberThatEchoesTheTokenIsRedacted() {
        String token = "ya29.secret-access-token";
        XOAuth2ErrorChallenge c = XOAuth2ErrorChallenge.decode(
                challenge("{\"status\":\"401\",\"schemes\":\"bearer " + token + "\",\"scope\":\"https://mail.google.com/\"}"),
                token);

        assertThat(c.describe()).isEqualTo("status 401, schemes [redacted], scope https://mail.google.com/")
                .doesNotContain(token);
    }

    @Test
    void anOrdinaryChallengeIsKeptAsSent() {
        XOAuth2ErrorChallenge c = XOAuth2ErrorChallenge.decode(
                challenge("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}"), "tok");

        assertThat(c.describe()).isEqualTo("status 401, schemes bearer, scope https://mail.google.com/");
    }
}
