package io.github.pipeliningsmtp.sample;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.delivery.ProgressListener;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.stereotype.Component;

/**
 * The sample's main job: at startup, sends {@code sample.batch-size} messages, message i to
 * {@code sample.recipients[i % n]}, as one batch through {@link PipelinedMailSender#sendAndReport}, and
 * logs exactly one line {@code ledger: } followed by {@link SendReport#summary()}. While the batch is
 * sent it logs a line {@code progress: <done>/<total> messages (recipients succeeded=.. failed=..
 * unknown=..)} each time another {@code sample.progress-every} messages (default 100) are done, from
 * the sender's progress callback (see {@link PipelinedMailSender#sendAndReport(ProgressListener,
 * MimeMessage...)}); such a line never starts with {@code ledger:}.
 *
 * <p>Refused recipients are part of the ledger, not an error of the job. The job itself failed (exit
 * code 1, for {@code sample.exit=true}) when the send threw (e.g. AUTH refused) or a message could not
 * be sent at all (no connection, a message that could not be prepared): then an ERROR line says why.
 * The application keeps serving either way unless {@code sample.exit=true}.
 */
@Component
public class StartupBatch implements ApplicationRunner, ExitCodeGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(StartupBatch.class);

    private final SampleProperties properties;
    private final MessageComposer composer;
    private final PipelinedMailSender sender;
    private volatile int exitCode;
    private volatile SendReport report;

    public StartupBatch(SampleProperties properties, MessageComposer composer, PipelinedMailSender sender) {
        this.properties = properties;
        this.composer = composer;
        this.sender = sender;
    }

    @Override
    public void run(ApplicationArguments args) {
        List<String> recipients = properties.getRecipients();
        int n = properties.getBatchSize();
        try {
            if (n > 0 && (recipients == null || recipients.isEmpty())) {
                throw new IllegalStateException("sample.recipients is empty but sample.batch-size is " + n);
            }
            MimeMessage[] messages = new MimeMessage[n];
            for (int i = 0; i < n; i++) {
                String to = recipients.get(i % recipients.size());
                messages[i] = composer.compose(properties.getFrom(), to, "Sample batch message " + (i + 1) + " of " + n,
                        "Hello " + to + ",\n\nthis is message " + (i + 1) + " of " + n
                                + " of the pipelining SMTP sample's startup batch.\n");
            }
            SendReport result = sender.sendAndReport(progressLog(properties.getProgressEvery()), messages);
            this.report = result;
            LOG.info("ledger: {}", result.summary());
            long notSent = result.entries().stream().filter(e -> e.error() != null).count();
            if (notSent > 0) {
                Exception first = result.entries().stream().filter(e -> e.error() != null).findFirst().orElseThrow().error();
                LOG.error("{} of {} messages could not be sent at all; first error: {}", notSent, n, first.toString());
                exitCode = 1;
            }
        } catch (RuntimeException e) {
            LOG.error("The startup batch failed: {}", e.toString(), e);
            exitCode = 1;
        }
    }

    /** Logs a progress line each time another {@code every} messages are done (the callback's calls come one at a time). */
    static ProgressListener progressLog(int every) {
        if (every <= 0) {
            return ProgressListener.NONE;
        }
        int[] logged = {0};
        return progress -> {
            if (progress.messagesDone() / every > logged[0] / every) {
                logged[0] = progress.messagesDone();
                LOG.info("progress: {}", progress);
            }
        };
    }

    /** The report of the startup batch, or null when it did not run or threw. */
    public SendReport report() {
        return report;
    }

    /** 0 when the batch was sent (whatever the server said about each recipient), 1 when the send broke. */
    @Override
    public int getExitCode() {
        return exitCode;
    }
}
