package io.github.pipeliningsmtp.sample;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the sample application, bound from {@code sample.*}. */
@ConfigurationProperties("sample")
public class SampleProperties {

    /** How many messages the startup batch sends; 0 sends none. */
    private int batchSize = 100;

    /** Recipients of the startup batch: message i goes to recipient i modulo their number. */
    private List<String> recipients = new ArrayList<>(List.of("alice@example.com", "bob@example.com", "carol@example.com"));

    /** Sender address (From and MAIL FROM) of every message the sample sends. */
    private String from = "sample@example.com";

    /** Exit after the startup batch's ledger line (batch mode, no web server) instead of serving. */
    private boolean exit;

    /** The startup batch logs a {@code progress:} line each time this many more messages are done; 0 for none. */
    private int progressEvery = 100;

    public int getProgressEvery() {
        return progressEvery;
    }

    public void setProgressEvery(int progressEvery) {
        if (progressEvery < 0) {
            throw new IllegalArgumentException("sample.progress-every must be 0 or more, not " + progressEvery);
        }
        this.progressEvery = progressEvery;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        if (batchSize < 0) {
            throw new IllegalArgumentException("sample.batch-size must be 0 or more, not " + batchSize);
        }
        this.batchSize = batchSize;
    }

    public List<String> getRecipients() {
        return recipients;
    }

    public void setRecipients(List<String> recipients) {
        this.recipients = recipients;
    }

    public String getFrom() {
        return from;
    }

    public void setFrom(String from) {
        this.from = from;
    }

    public boolean isExit() {
        return exit;
    }

    public void setExit(boolean exit) {
        this.exit = exit;
    }
}
