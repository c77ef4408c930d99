package io.github.pipeliningsmtp.test;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StoredMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An SMTP server for an application's tests, on 127.0.0.1 and a free port: it advertises PIPELINING
 * (RFC 2920) and CHUNKING (RFC 3030) by default, so the client takes its pipelined path (command
 * groups, BDAT windows) as against a production relay; it accepts every recipient and keeps every
 * message it accepted ({@link #messages()}), and gives chosen refusals ({@link #refuse(Refusal)}).
 *
 * <p>EHLO advertises {@code PIPELINING}, {@code SIZE 10485760} (Postfix's default limit; see
 * {@link Builder#sizeLimit(long)}), {@code 8BITMIME}, {@code SMTPUTF8}, {@code CHUNKING},
 * {@code ENHANCEDSTATUSCODES} and {@code AUTH PLAIN LOGIN XOAUTH2}; AUTH accepts any credentials. There
 * is no STARTTLS: point the client at it with {@code tls: none} (what
 * {@link io.github.pipeliningsmtp.test.autoconfigure.AutoConfigureTestSmtpServer} sets). Without
 * PIPELINING ({@link Builder#pipelining(boolean) pipelining(false)}) it behaves as a server that
 * does not support it: a client that pipelines anyway gets 500 and is disconnected.
 *
 * <p>Threading: every connection is served on a daemon thread of its own; every method of this class
 * may be called from any thread. A message is recorded before the reply that accepts it is written,
 * so once a send has returned its messages are in {@link #messages()}; {@link #awaitMessages} is for
 * mail sent in the background. Every wait is bounded: {@link #awaitMessages(int)} by
 * {@link #DEFAULT_AWAIT} (10 s), {@link #close()} by 5 s for the server's threads to end.
 */
public final class TestSmtpServer implements AutoCloseable {

    /** How long {@link #awaitMessages(int)} waits: 10 s. */
    public static final Duration DEFAULT_AWAIT = Duration.ofSeconds(10);

    /** The default SIZE limit advertised, in octets: 10485760 (10 MiB). */
    public static final long DEFAULT_SIZE_LIMIT = 10_485_760;

    private final ScriptedSmtpServer server;
    private final RefusingConversation conversation;
    private final List<String> ehloReply;
    private final Object lock = new Object();
    private int messagesBeforeReset;
    private int commandsBeforeReset;

    private TestSmtpServer(Builder b) throws IOException {
        this.ehloReply = ehloReply(b);
        this.conversation = new RefusingConversation();
        this.server = ScriptedSmtpServer.start();
        server.setDefaultScript(conversation.session(ehloReply, b.pipelining, b.chunking));
    }

    /** Starts a server with the defaults (PIPELINING and CHUNKING advertised). */
    public static TestSmtpServer start() {
        return builder().start();
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1}. */
    public String host() {
        return server.host();
    }

    /** The port it listens on (chosen by the OS when it started). */
    public int port() {
        return server.port();
    }

    /** The EHLO keywords it advertises, e.g. {@code [PIPELINING, SIZE 10485760, 8BITMIME, ...]}. */
    public List<String> capabilities() {
        return ehloReply.subList(1, ehloReply.size()).stream().map(l -> l.substring(4)).toList();
    }

    /** The messages accepted since it started or was last {@linkplain #reset() reset}, in the order accepted. */
    public List<ReceivedMessage> messages() {
        List<StoredMessage> all = server.messages();
        synchronized (lock) {
            return ReceivedMessage.of(all.subList(Math.min(messagesBeforeReset, all.size()), all.size()));
        }
    }

    /**
     * Waits at most {@link #DEFAULT_AWAIT} (10 s) until at least {@code count} messages were accepted
     * since the last reset, and returns them all.
     *
     * @throws AssertionError when fewer arrived in time (naming how many did)
     */
    public List<ReceivedMessage> awaitMessages(int count) {
        return awaitMessages(count, DEFAULT_AWAIT);
    }

    /**
     * Waits at most {@code timeout} until at least {@code count} messages were accepted since the last
     * reset, and returns them all (possibly more than {@code count}).
     *
     * @throws AssertionError when fewer arrived in time (naming how many did)
     * @throws IllegalStateException when the waiting thread is interrupted (its interrupt flag is set again)
     */
    public List<ReceivedMessage> awaitMessages(int count, Duration timeout) {
        int before;
        synchronized (lock) {
            before = messagesBeforeReset;
        }
        try {
            server.awaitMessageCount(before + count, timeout);
        } catch (AssertionError e) {
            throw new AssertionError("expected " + count + " messages within " + timeout + ", got "
                    + messages().size() + ": " + messages());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + count + " messages", e);
        }
        return messages();
    }

    /** The command lines received since it started or was last reset (AUTH responses included), in order. */
    public List<String> commands() {
        List<RecordedCommand> all = server.commands();
        List<String> lines = new ArrayList<>();
        synchronized (lock) {
            for (int i = Math.min(commandsBeforeReset, all.size()); i < all.size(); i++) {
                lines.add(all.get(i).line());
            }
        }
        return List.copyOf(lines);
    }

    /** How many connections it accepted since it started (not reset). */
    public int connectionCount() {
        return server.connectionCount();
    }

    /** Adds a refusal; it applies from the next command a connection reads. Returns this server. */
    public TestSmtpServer refuse(Refusal refusal) {
        conversation.add(Objects.requireNonNull(refusal));
        return this;
    }

    /**
     * Refuses RCPT TO for {@code address} (in every transaction, until reset), e.g.
     * {@code refuseRecipient("ben@example.com", 550, "5.1.1", "No such user")}.
     */
    public TestSmtpServer refuseRecipient(String address, int code, String enhancedStatusCode, String text) {
        return refuse(Refusal.at(Stage.RCPT_TO, code, enhancedStatusCode, text).forRecipient(address));
    }

    /** Refuses RCPT TO for {@code address} with {@code 550 5.1.1 No such user}. */
    public TestSmtpServer refuseRecipient(String address) {
        return refuseRecipient(address, 550, "5.1.1", "No such user");
    }

    /** Refuses every transaction at {@code stage} (until reset), e.g. {@code refuseAt(Stage.END_OF_DATA, 554, "5.7.1", "Spam")}. */
    public TestSmtpServer refuseAt(Stage stage, int code, String enhancedStatusCode, String text) {
        return refuse(Refusal.at(stage, code, enhancedStatusCode, text));
    }

    /**
     * Forgets the messages and commands received so far and removes every refusal; connections stay
     * open (a pooled client keeps using them). What a test sees after it is what happened after it.
     */
    public void reset() {
        conversation.clear();
        synchronized (lock) {
            messagesBeforeReset = server.messages().size();
            commandsBeforeReset = server.commands().size();
        }
    }

    /**
     * Stops listening and closes every connection (a client's pooled connections then fail their next
     * use and are replaced); waits at most 5 s for its threads.
     *
     * @throws UncheckedIOException when the listening socket cannot be closed
     */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "TestSmtpServer[" + host() + ":" + port() + " " + capabilities() + "]";
    }

    private static List<String> ehloReply(Builder b) {
        List<String> keywords = new ArrayList<>();
        keywords.add(RefusingConversation.HOST_NAME);
        if (b.pipelining) {
            keywords.add("PIPELINING");
        }
        if (b.sizeLimit > 0) {
            keywords.add("SIZE " + b.sizeLimit);
        }
        keywords.add("8BITMIME");
        keywords.add("SMTPUTF8");
        if (b.chunking) {
            keywords.add("CHUNKING");
        }
        keywords.add("ENHANCEDSTATUSCODES");
        keywords.add("AUTH PLAIN LOGIN XOAUTH2");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < keywords.size(); i++) {
            lines.add((i == keywords.size() - 1 ? "250 " : "250-") + keywords.get(i));
        }
        return List.copyOf(lines);
    }

    /** What a {@link TestSmtpServer} advertises. Not thread-safe; {@link #start()} may be called many times. */
    public static final class Builder {
        private boolean pipelining = true;
        private boolean chunking = true;
        private long sizeLimit = DEFAULT_SIZE_LIMIT;

        private Builder() {
        }

        /** Advertise PIPELINING (default true); without it a client that pipelines is disconnected. */
        public Builder pipelining(boolean advertise) {
            pipelining = advertise;
            return this;
        }

        /** Advertise CHUNKING and take BDAT (default true). */
        public Builder chunking(boolean advertise) {
            chunking = advertise;
            return this;
        }

        /**
         * The SIZE limit advertised (RFC 1870), in octets (default {@link #DEFAULT_SIZE_LIMIT}); 0: no
         * SIZE keyword. The client itself fails a larger message (LOCAL) before MAIL FROM.
         */
        public Builder sizeLimit(long octets) {
            if (octets < 0) {
                throw new IllegalArgumentException("sizeLimit must be 0 or more, not " + octets);
            }
            sizeLimit = octets;
            return this;
        }

        /**
         * Starts a server with these settings.
         *
         * @throws UncheckedIOException when no port can be bound on 127.0.0.1
         */
        public TestSmtpServer start() {
            try {
                return new TestSmtpServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the test SMTP server on 127.0.0.1", e);
            }
        }

        Builder copy() {
            return new Builder().pipelining(pipelining).chunking(chunking).sizeLimit(sizeLimit);
        }
    }
}
