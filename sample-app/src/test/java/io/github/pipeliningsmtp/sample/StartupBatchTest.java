package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.test.ReceivedMessage;
import io.github.pipeliningsmtp.test.TestSmtpServer;
import io.github.pipeliningsmtp.test.autoconfigure.AutoConfigureTestSmtpServer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The startup batch against the published test server: the first (here the only) test on a new
 * context sees the mail sent while the context started, one message per recipient in turn, and the
 * batch's report equals what arrived.
 */
@SpringBootTest(properties = {"sample.batch-size=5", "sample.recipients=ann@example.com,ben@example.com"})
@AutoConfigureTestSmtpServer
class StartupBatchTest {

    @Autowired
    private TestSmtpServer smtp;

    @Autowired
    private StartupBatch startupBatch;

    @Test
    void theStartupBatchArrivesMessageIToRecipientIModuloTheirNumber() {
        SendReport report = startupBatch.report();
        assertThat(report.summary()).startsWith("messages=5 accepted=5 succeeded=5 failed=0 unknown=0");
        assertThat(startupBatch.getExitCode()).isZero();
        assertThat(smtp.messages()).hasSize(5).allSatisfy(m -> {
            int i = Integer.parseInt(m.subject().replaceAll("Sample batch message (\\d+) of 5", "$1")) - 1;
            assertThat(m.recipients()).containsExactly(i % 2 == 0 ? "ann@example.com" : "ben@example.com");
            assertThat(m.text()).hasValueSatisfying(t -> assertThat(t).contains("this is message " + (i + 1) + " of 5"));
        });
        assertThat(smtp.messages()).extracting(ReceivedMessage::envelopeSender).containsOnly("sample@example.com");
    }
}
