package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;

/** Receives the outcome of one step of a flight: exactly one of the two methods is called, once. */
interface ReplyHandler {

    /**
     * The step's reply arrived.
     *
     * @return null when the reply fits the client's model of the server's state; otherwise the
     *         out-of-step error (see {@link SmtpError#outOfStep}) that ends the flight: later steps
     *         get {@link #onNoReply} and the connection is retired
     */
    SmtpError onReply(SmtpReply reply);

    /** The step got no reply: the connection ended (timeout, reset, EOF, a 421 earlier, a local failure, out of step). */
    void onNoReply(SmtpError error);

    /**
     * The content of this step's message could not be produced (called on the writing thread, before
     * the connection is aborted). The default ignores it.
     */
    default void onContentFailure(SmtpError error) {
    }
}
