package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.delivery.ProgressListener;
import io.github.pipeliningsmtp.delivery.SendProgress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The startup batch logs a progress line each time another N messages are done, never a second ledger line. */
@ExtendWith(OutputCaptureExtension.class)
class StartupBatchProgressTest {

    @Test
    void aProgressLineEveryNMessagesDone(CapturedOutput output) {
        ProgressListener log = StartupBatch.progressLog(100);
        for (int done : new int[] {37, 100, 137, 180, 230, 250}) {
            log.progressed(new SendProgress(done, 250, done - 1, 1, 0));
        }
        List<String> lines = output.getAll().lines().filter(l -> l.contains("progress: ")).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("progress: 100/250 messages (recipients succeeded=99 failed=1 unknown=0)");
        assertThat(lines.get(1)).contains("progress: 230/250 messages");
        assertThat(output.getAll()).doesNotContain("ledger: ");
    }

    @Test
    void noProgressLinesWhenTurnedOff(CapturedOutput output) {
        StartupBatch.progressLog(0).progressed(new SendProgress(100, 100, 100, 0, 0));
        assertThat(output.getAll()).doesNotContain("progress: ");
    }
}
