package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one round trip writes: commands of one group, possibly preceded by the content of the
 * previous message (RFC 2920 §3.1 allows the next envelope behind the end of data). Every step
 * expects exactly one reply, read in order.
 */
final class Flight {

    /** Largest command-only flight written on the caller's thread; larger ones are written concurrently with reading. */
    static final int INLINE_LIMIT = 4096;

    private final List<Step> steps = new ArrayList<>();
    private int commandOctets;
    private boolean hasContent;
    private boolean hasChunks;
    private FlightWindow window;

    /** Adds a command and the handler of its reply. */
    Flight command(SmtpCommand command, Duration timeout, ReplyHandler handler) {
        return command(command, timeout, handler, null);
    }

    /** As above; {@code onWritten} runs on the writing thread once the command's bytes were handed on. */
    Flight command(SmtpCommand command, Duration timeout, ReplyHandler handler, Runnable onWritten) {
        byte[] bytes = command.bytes();
        commandOctets += bytes.length;
        steps.add(new Step(SmtpStep.of(command.verb()), command, bytes, null, onWritten, command.display(), timeout,
                handler, 0, null));
        return this;
    }

    /**
     * Adds a message's content and its end of data. {@code beforeTerminator} runs on the writing
     * thread just before the terminator is written (from then on the message may be delivered).
     */
    Flight content(MessageContent content, Runnable beforeTerminator, Duration timeout, ReplyHandler handler) {
        hasContent = true;
        steps.add(new Step(SmtpStep.END_OF_DATA, null, null, content, beforeTerminator, SmtpStep.END_OF_DATA.label(),
                timeout, handler, 0, null));
        return this;
    }

    /**
     * Adds a message's content as BDAT chunks of {@code chunkSize} octets (RFC 3030); each chunk's
     * reply goes to the handler, awaited for {@code chunkTimeout}, the LAST one for {@code lastTimeout}.
     */
    Flight chunks(MessageContent content, int chunkSize, Runnable beforeLast, Duration chunkTimeout,
                  Duration lastTimeout, ChunkHandler handler) {
        hasContent = true;
        hasChunks = true;
        steps.add(new Step(SmtpStep.BDAT, null, null, content, beforeLast, SmtpStep.BDAT.label(), lastTimeout, handler,
                chunkSize, chunkTimeout));
        return this;
    }

    /**
     * Makes this a sliding-window BDAT flight: at most {@code size} messages with replies
     * outstanding (see {@link FlightWindow}); call {@link #startMessage()} before each message's steps.
     */
    Flight window(int size) {
        window = new FlightWindow(size);
        return this;
    }

    /** With a window: the steps added next belong to a new message. */
    Flight startMessage() {
        if (window != null) {
            window.messageStartsAt(steps.size());
        }
        return this;
    }

    /** The sliding window, or null. */
    FlightWindow window() {
        return window;
    }

    List<Step> steps() {
        return steps;
    }

    boolean isEmpty() {
        return steps.isEmpty();
    }

    int commandCount() {
        return (int) steps.stream().filter(s -> s.command() != null).count();
    }

    /** Small command-only flights cannot block the writer: the server read everything before, so they fit its buffers. */
    boolean writeInline() {
        return !hasContent && commandOctets <= INLINE_LIMIT;
    }

    /**
     * A DATA content followed by a small group: no reply comes while the content is written, and
     * the group's replies fit the buffers, so the caller's thread may write it all before reading,
     * under a {@link WriteWatchdog} in case the server stops reading. Saves a thread hand-off per
     * message. BDAT flights and large groups are written by a writer thread while replies are read.
     */
    boolean writeInlineWatched() {
        return hasContent && !hasChunks && commandOctets <= INLINE_LIMIT;
    }

    /**
     * One step: a command, a DATA content (chunkSize 0) or a BDAT content (chunkSize > 0), with its
     * SMTP step, its reply's handler and timeout. {@code beforeTerminator} is, for a command, what
     * runs once it was written.
     */
    record Step(SmtpStep step, SmtpCommand command, byte[] bytes, MessageContent content, Runnable beforeTerminator,
                String display, Duration timeout, ReplyHandler handler, int chunkSize, Duration chunkTimeout) {

        boolean isChunked() {
            return chunkSize > 0;
        }
    }
}
