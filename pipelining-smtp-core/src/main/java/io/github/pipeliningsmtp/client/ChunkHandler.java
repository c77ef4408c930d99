package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;

/**
 * Receives the replies to one message's BDAT chunks (RFC 3030), and to the RSET the writer sends
 * after it stopped sending chunks of a refused message. {@link #onNoReply} is called once if the
 * connection ends before the last reply.
 */
interface ChunkHandler extends ReplyHandler {

    /**
     * A chunk's (or the follow-up RSET's) reply.
     *
     * @param display the command as sent, e.g. {@code BDAT 31}, {@code BDAT 12 LAST}, {@code RSET}
     * @param last    true for the reply that ends the message (LAST chunk, or the RSET)
     * @return null when the reply fits the client's model, else the out-of-step error (see
     *         {@link ReplyHandler#onReply})
     */
    SmtpError onChunkReply(String display, SmtpReply reply, boolean last);

    /** Asked by the writer before each chunk: true once a chunk was refused, so no more are sent. */
    boolean refused();

    @Override
    default SmtpError onReply(SmtpReply reply) {
        return onChunkReply("BDAT", reply, true);
    }
}
