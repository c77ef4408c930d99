package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpCommandTest {

    @Test
    void encodesEnvelopeCommands() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("SIZE", "1000");
        params.put("SMTPUTF8", null);
        assertThat(wire(SmtpCommand.mailFrom("a@example.com", params)))
                .isEqualTo("MAIL FROM:<a@example.com> SIZE=1000 SMTPUTF8\r\n");
        assertThat(wire(SmtpCommand.mailFrom("", Map.of()))).isEqualTo("MAIL FROM:<>\r\n");
        SmtpCommand rcpt = SmtpCommand.rcptTo("b@example.net", Map.of());
        assertThat(wire(rcpt)).isEqualTo("RCPT TO:<b@example.net>\r\n");
        assertThat(rcpt.display()).isEqualTo("RCPT TO:<b@example.net>");
        assertThat(SmtpCommand.mailFrom("a@example.com", Map.of()).display()).isEqualTo("MAIL FROM");
    }

    @Test
    void groupEndingCommands() {
        assertThat(SmtpCommand.mailFrom("a@b", Map.of()).endsGroup()).isFalse();
        assertThat(SmtpCommand.rcptTo("a@b", Map.of()).endsGroup()).isFalse();
        assertThat(SmtpCommand.rset().endsGroup()).isFalse();
        assertThat(SmtpCommand.data().endsGroup()).isTrue();
        assertThat(SmtpCommand.ehlo("x").endsGroup()).isTrue();
        assertThat(SmtpCommand.startTls().endsGroup()).isTrue();
        assertThat(SmtpCommand.auth("PLAIN", "AAAA").endsGroup()).isTrue();
        assertThat(SmtpCommand.noop().endsGroup()).isTrue();
        assertThat(SmtpCommand.quit().endsGroup()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rcpt-1@example.net>\r\nRCPT TO:<attacker@example.org", "a@b\nRCPT TO:<x@y",
            "a@b\r", "a\u0000@b", "a@b\u007f", "<a@b>", "a b@c", "a@b\u0085\r"})
    void rejectsInjectionInAddresses(String address) {
        assertThatThrownBy(() -> SmtpCommand.rcptTo(address, Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpCommand.mailFrom(address, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\r\nRCPT TO:<attacker@example.org>", "a b", "a=b", "x\u0000", "x\n"})
    void rejectsInjectionInParameterValues(String value) {
        assertThatThrownBy(() -> SmtpCommand.rcptTo("a@b", Map.of("ORCPT", value)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpCommand.mailFrom("a@b", Map.of("ENVID", value)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsBadParameterKeywordsAndEhloNames() {
        assertThatThrownBy(() -> SmtpCommand.mailFrom("a@b", Map.of("BAD KEY", "1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpCommand.ehlo("host\r\nMAIL FROM:<x>")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpCommand.ehlo("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpCommand.saslResponse("abc\r\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void saslDataNeverInToString() {
        SmtpCommand plain = SmtpCommand.auth("plain", "AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=");
        assertThat(plain.toString()).isEqualTo("AUTH PLAIN ****");
        assertThat(plain.display()).isEqualTo("AUTH PLAIN");
        assertThat(wire(plain)).isEqualTo("AUTH PLAIN AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=\r\n");
        SmtpCommand login = SmtpCommand.saslResponse("dXNlckBleGFtcGxlLmNvbQ==");
        assertThat(login.toString()).isEqualTo("****");
        assertThat(login.display()).doesNotContain("dXNl");
        assertThat(SmtpCommand.auth("LOGIN", null).toString()).isEqualTo("AUTH LOGIN");
    }

    private static String wire(SmtpCommand c) {
        return new String(c.bytes(), StandardCharsets.UTF_8);
    }
}
