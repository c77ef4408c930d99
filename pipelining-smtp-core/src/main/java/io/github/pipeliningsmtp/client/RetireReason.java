package io.github.pipeliningsmtp.client;

/** Why a connection was closed and left the pool (the {@code reason} tag of the connection meter). */
public enum RetireReason {
    /** The server ended it or it broke (421, timeout, reset, EOF, a reply out of step). */
    BROKEN("broken"),
    /** Found unusable when borrowed or returned: the server had closed it or sent something unasked. */
    STALE("stale"),
    /** It sent the pool's maximum of messages per connection. */
    MAX_MESSAGES("max-messages"),
    /** It started as many transactions as the server's MAILMAX allows (RFC 9422 §4.1). */
    MAIL_MAX("mail-max"),
    /** It reached the pool's maximum connection age. */
    MAX_AGE("max-age"),
    /** It sat idle past the pool's maximum idle time. */
    IDLE("idle"),
    /** The pool was closed. */
    SHUTDOWN("shutdown");

    private final String tag;

    RetireReason(String tag) {
        this.tag = tag;
    }

    /** The lower-case name used in meter tags and logs, e.g. {@code max-messages}. */
    public String tag() {
        return tag;
    }
}
