package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {

    private static Capabilities parse(String... lines) {
        return Capabilities.fromEhloReply(SmtpReply.of(250, List.of(lines)));
    }

    @Test
    void parsesEveryKnownKeywordCaseInsensitively() {
        Capabilities c = parse("mail.example.com Hello", "pipelining", "SIZE 10485760", "8bitmime", "SMTPUTF8",
                "CHUNKING", "BINARYMIME", "STARTTLS", "AUTH plain LOGIN XOAUTH2", "ENHANCEDSTATUSCODES", "DSN",
                "LIMITS RCPTMAX=50 MAILMAX=2 RCPTDOMAINMAX=5", "X-CUSTOM a b");
        assertThat(c.pipelining()).isTrue();
        assertThat(c.maxSize()).hasValue(10485760L);
        assertThat(c.eightBitMime()).isTrue();
        assertThat(c.smtpUtf8()).isTrue();
        assertThat(c.chunking()).isTrue();
        assertThat(c.binaryMime()).isTrue();
        assertThat(c.startTls()).isTrue();
        assertThat(c.authMechanisms()).containsExactly("PLAIN", "LOGIN", "XOAUTH2");
        assertThat(c.enhancedStatusCodes()).isTrue();
        assertThat(c.dsn()).isTrue();
        assertThat(c.rcptMax()).hasValue(50);
        assertThat(c.mailMax()).hasValue(2);
        assertThat(c.rcptDomainMax()).hasValue(5);
        assertThat(c.has("x-custom")).isTrue();
        assertThat(c.parameters("X-Custom")).containsExactly("a", "b");
        assertThat(c.keywords()).contains("X-CUSTOM");
    }

    @Test
    void oldAuthEqualsFormIsFoldedIntoAuth() {
        Capabilities c = parse("mx", "AUTH=LOGIN PLAIN", "AUTH CRAM-MD5");
        assertThat(c.authMechanisms()).containsExactlyInAnyOrder("LOGIN", "PLAIN", "CRAM-MD5");
    }

    @Test
    void sizeWithoutLimitAndMissingKeywords() {
        Capabilities c = parse("mx", "SIZE", "LIMITS RCPTMAX=abc");
        assertThat(c.size()).isTrue();
        assertThat(c.maxSize()).isEmpty();
        assertThat(c.rcptMax()).isEmpty();
        assertThat(c.pipelining()).isFalse();
        assertThat(c.authMechanisms()).isEmpty();
        assertThat(Capabilities.NONE.keywords()).isEmpty();
    }

    @Test
    void firstLineIsNotAKeyword() {
        assertThat(parse("PIPELINING").pipelining()).isFalse();
    }
}
