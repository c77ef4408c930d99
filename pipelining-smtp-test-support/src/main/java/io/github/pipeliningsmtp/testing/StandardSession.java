package io.github.pipeliningsmtp.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A complete, configurable, ordinary SMTP server conversation: greeting, EHLO/HELO, AUTH (PLAIN,
 * LOGIN, XOAUTH2), STARTTLS, MAIL/RCPT/DATA with sequence checks, RSET, NOOP, QUIT. Accepted messages
 * are stored with {@link ServerSession#store}. Instances are immutable and may serve many
 * connections; queue ids ({@code Q1}, {@code Q2}, ...) are unique per instance.
 *
 * <p>Modes: {@linkplain Builder#strictPipelining(boolean) strict pipelining} (records improper
 * pipelining and rejects the next DATA), {@linkplain Builder#noPipelining(boolean) no pipelining}
 * (a server that does not advertise PIPELINING and drops clients that pipeline),
 * {@linkplain Builder#holdRepliesUntilData(boolean) hold replies until DATA},
 * {@linkplain Builder#chunking(boolean) CHUNKING} (BDAT, RFC 3030) and
 * {@linkplain Builder#keepTransactionAfterFailure(boolean) keep the transaction after a failure}
 * (Exim 4.96).
 */
public final class StandardSession implements SessionScript {

    static final List<String> DEFAULT_GREETING = List.of("220 mail.example.com ESMTP test");
    static final List<String> DEFAULT_HELO = List.of("250 mail.example.com");

    final List<String> greeting;
    final List<String> ehloReply;
    final List<String> postTlsEhloReply;
    final List<String> heloReply;
    final ReplyFunction mailReply;
    final ReplyFunction rcptReply;
    final ReplyFunction dataReply;
    final ReplyFunction endOfDataReply;
    final ReplyFunction bdatReply;
    final ReplyFunction rsetReply;
    final ReplyFunction noopReply;
    final ReplyFunction quitReply;
    final ReplyFunction unknownCommandReply;
    final Map<String, String> credentials;
    final Set<String> xoauth2Tokens;
    final boolean requireAuth;
    final SSLContext tlsContext;
    final boolean strictPipelining;
    final boolean noPipelining;
    final boolean holdRepliesUntilData;
    final boolean chunking;
    final boolean keepTransactionAfterFailure;
    final Duration pipeliningCheckDelay;
    final CommandHook commandHook;
    private final AtomicInteger queueIds = new AtomicInteger();
    private final Builder source;

    /** Creates a session with all defaults (what {@link ScriptedSmtpServer} runs by default). */
    public StandardSession() {
        this(new Builder());
    }

    private StandardSession(Builder b) {
        source = b.copy();
        greeting = b.greeting;
        heloReply = b.heloReply;
        ehloReply = b.ehloReply != null ? b.ehloReply : defaultEhlo(b, b.tlsContext != null);
        postTlsEhloReply = b.postTlsEhloReply != null ? b.postTlsEhloReply
                : b.ehloReply != null ? b.ehloReply : defaultEhlo(b, false);
        mailReply = b.mailReply;
        rcptReply = b.rcptReply;
        dataReply = b.dataReply;
        endOfDataReply = b.endOfDataReply;
        bdatReply = b.bdatReply;
        rsetReply = b.rsetReply;
        noopReply = b.noopReply;
        quitReply = b.quitReply;
        unknownCommandReply = b.unknownCommandReply;
        credentials = Map.copyOf(b.credentials);
        xoauth2Tokens = Set.copyOf(b.xoauth2Tokens);
        requireAuth = b.requireAuth;
        tlsContext = b.tlsContext;
        strictPipelining = b.strictPipelining;
        noPipelining = b.noPipelining;
        holdRepliesUntilData = b.holdRepliesUntilData;
        chunking = b.chunking;
        keepTransactionAfterFailure = b.keepTransactionAfterFailure;
        pipeliningCheckDelay = b.pipeliningCheckDelay;
        commandHook = b.commandHook;
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder initialised with this session's configuration. */
    public Builder toBuilder() {
        return source.copy();
    }

    /** Returns the EHLO reply lines used before STARTTLS. */
    public List<String> ehloReply() {
        return ehloReply;
    }

    /** Returns the EHLO reply lines used after STARTTLS. */
    public List<String> postTlsEhloReply() {
        return postTlsEhloReply;
    }

    @Override
    public void run(ServerSession session) throws Exception {
        new StandardConversation(this, session).run();
    }

    String nextQueueId() {
        return "Q" + queueIds.incrementAndGet();
    }

    private static List<String> defaultEhlo(Builder b, boolean offerStartTls) {
        List<String> keywords = new ArrayList<>();
        keywords.add("mail.example.com");
        if (!b.noPipelining) {
            keywords.add("PIPELINING");
        }
        keywords.add("SIZE 10485760");
        keywords.add("8BITMIME");
        if (b.chunking) {
            keywords.add("CHUNKING");
        }
        keywords.add("ENHANCEDSTATUSCODES");
        if (offerStartTls) {
            keywords.add("STARTTLS");
        }
        keywords.add(b.xoauth2Tokens.isEmpty() ? "AUTH PLAIN LOGIN" : "AUTH PLAIN LOGIN XOAUTH2");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < keywords.size(); i++) {
            lines.add((i == keywords.size() - 1 ? "250 " : "250-") + keywords.get(i));
        }
        return List.copyOf(lines);
    }

    /**
     * Configures a {@link StandardSession}. Reply functions return null to fall back to the default
     * reply. Unset EHLO replies are derived: the default is {@code 250-mail.example.com},
     * {@code 250-PIPELINING} (left out in no-pipelining mode), {@code 250-SIZE 10485760},
     * {@code 250-8BITMIME}, {@code 250-CHUNKING} (only in {@linkplain #chunking(boolean) chunking}
     * mode), {@code 250-ENHANCEDSTATUSCODES}, {@code 250-STARTTLS} (only before TLS and
     * only with a TLS context), {@code 250 AUTH PLAIN LOGIN} (plus {@code XOAUTH2} when tokens are set).
     */
    public static final class Builder {
        private List<String> greeting = DEFAULT_GREETING;
        private List<String> ehloReply;
        private List<String> postTlsEhloReply;
        private List<String> heloReply = DEFAULT_HELO;
        private ReplyFunction mailReply;
        private ReplyFunction rcptReply;
        private ReplyFunction dataReply;
        private ReplyFunction endOfDataReply;
        private ReplyFunction bdatReply;
        private ReplyFunction rsetReply;
        private ReplyFunction noopReply;
        private ReplyFunction quitReply;
        private ReplyFunction unknownCommandReply;
        private Map<String, String> credentials = new LinkedHashMap<>();
        private Set<String> xoauth2Tokens = new LinkedHashSet<>();
        private boolean requireAuth;
        private SSLContext tlsContext;
        private boolean strictPipelining;
        private boolean noPipelining;
        private boolean holdRepliesUntilData;
        private boolean chunking;
        private boolean keepTransactionAfterFailure;
        private Duration pipeliningCheckDelay = Duration.ZERO;
        private CommandHook commandHook;

        private Builder() {
        }

        /** Greeting lines (default {@code 220 mail.example.com ESMTP test}). */
        public Builder greeting(String... lines) {
            greeting = List.of(lines);
            return this;
        }

        /** EHLO reply lines before STARTTLS (and after it unless {@link #postTlsEhloReply} is set). */
        public Builder ehloReply(String... lines) {
            ehloReply = List.of(lines);
            return this;
        }

        /** EHLO reply lines after STARTTLS. */
        public Builder postTlsEhloReply(String... lines) {
            postTlsEhloReply = List.of(lines);
            return this;
        }

        /** HELO reply lines (default {@code 250 mail.example.com}). */
        public Builder heloReply(String... lines) {
            heloReply = List.of(lines);
            return this;
        }

        /** MAIL reply; input is the reverse-path address (default {@code 250 2.1.0 Ok}). */
        public Builder mailReply(ReplyFunction function) {
            mailReply = function;
            return this;
        }

        /** RCPT reply; input is the forward-path address (default {@code 250 2.1.5 Ok}). */
        public Builder rcptReply(ReplyFunction function) {
            rcptReply = function;
            return this;
        }

        /**
         * DATA reply when at least one recipient was accepted; input is the command line (default
         * {@code 354 End data with <CR><LF>.<CR><LF>}). Content is read only after a 3xx reply.
         */
        public Builder dataReply(ReplyFunction function) {
            dataReply = function;
            return this;
        }

        /**
         * Reply to the end of data; input is the content as UTF-8 (default
         * {@code 250 2.0.0 Ok: queued as Qn}). The message is stored only when the reply is 2xx.
         */
        public Builder endOfDataReply(ReplyFunction function) {
            endOfDataReply = function;
            return this;
        }

        /**
         * Reply to a BDAT chunk that the session would accept (a transaction with at least one accepted
         * recipient); input is the command line, e.g. {@code BDAT 1024 LAST}. Null falls back to
         * {@link #endOfDataReply} for a LAST chunk (input: the whole content), then to the default (see
         * {@link #chunking(boolean)}). The chunk's octets are always read first.
         */
        public Builder bdatReply(ReplyFunction function) {
            bdatReply = function;
            return this;
        }

        /**
         * RSET reply; input is the command line (default {@code 250 2.0.0 Ok}, or {@code 250 Reset OK}
         * with {@link #keepTransactionAfterFailure(boolean)}).
         */
        public Builder rsetReply(ReplyFunction function) {
            rsetReply = function;
            return this;
        }

        /** NOOP reply; input is the command line (default {@code 250 2.0.0 Ok}). */
        public Builder noopReply(ReplyFunction function) {
            noopReply = function;
            return this;
        }

        /** QUIT reply, after which the session closes (default {@code 221 2.0.0 Bye}). */
        public Builder quitReply(ReplyFunction function) {
            quitReply = function;
            return this;
        }

        /** Reply to unknown commands; input is the line (default {@code 500 5.5.2 Syntax error}). */
        public Builder unknownCommandReply(ReplyFunction function) {
            unknownCommandReply = function;
            return this;
        }

        /** Adds accepted AUTH PLAIN / LOGIN credentials. */
        public Builder credentials(String username, String password) {
            credentials.put(Objects.requireNonNull(username), Objects.requireNonNull(password));
            return this;
        }

        /** Adds an accepted XOAUTH2 bearer token (any user). */
        public Builder xoauth2Token(String token) {
            xoauth2Tokens.add(Objects.requireNonNull(token));
            return this;
        }

        /** Rejects MAIL with {@code 530 5.7.0 Authentication required} until AUTH succeeded. */
        public Builder requireAuth(boolean require) {
            requireAuth = require;
            return this;
        }

        /** Enables STARTTLS with the given context (null disables it; STARTTLS is then an unknown command). */
        public Builder startTls(SSLContext context) {
            tlsContext = context;
            return this;
        }

        /**
         * Strict pipelining checks: before the reply to EHLO/HELO, STARTTLS, AUTH and each SASL
         * continuation, DATA, end of data, NOOP and QUIT, input still buffered is recorded as the event
         * {@code "improper pipelining after <EHLO|HELO|STARTTLS|AUTH|DATA|end of data|NOOP|QUIT>"}, and
         * the next DATA (possibly the one being answered) gets
         * {@code 503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining}.
         */
        public Builder strictPipelining(boolean strict) {
            strictPipelining = strict;
            return this;
        }

        /**
         * A server without PIPELINING: when input is buffered as any reply is due, it records the event
         * {@code "pipelining not supported: input buffered after <VERB>"}, replies
         * {@code 500 5.5.1 Invalid command: Pipelining not supported} and closes (FIN). PIPELINING is
         * left out of the default EHLO reply.
         */
        public Builder noPipelining(boolean enabled) {
            noPipelining = enabled;
            return this;
        }

        /**
         * Holds the replies to MAIL, RCPT and RSET and writes them together with the next other reply
         * (normally DATA's), in one write.
         */
        public Builder holdRepliesUntilData(boolean hold) {
            holdRepliesUntilData = hold;
            return this;
        }

        /**
         * CHUNKING (RFC 3030): advertises {@code CHUNKING} in the default EHLO reply and takes
         * {@code BDAT <n> [LAST]}, reading exactly n octets (never dot-stuffed) whatever the reply. An
         * accepted chunk gets {@code 250 2.0.0 Ok: <n> bytes}, an accepted LAST chunk stores the message
         * (the octets of all chunks) and gets {@code 250 2.0.0 Ok: queued as Qn}. A BDAT in a transaction
         * without an accepted recipient gets {@code 554 5.5.1 Error: no valid recipients} and leaves the
         * transaction as it is (like DATA); without MAIL, {@code 503 5.5.1 Error: need RCPT command}. A
         * chunk refused by {@link #bdatReply} / {@link #endOfDataReply} ends the transaction (like a
         * refused end of data): later BDATs of it get {@code 503 5.5.1 Error: need RCPT command}. DATA
         * after a BDAT of the same transaction gets {@code 503 5.5.1 Error: BDAT in progress}. See
         * {@link #keepTransactionAfterFailure(boolean)} for Exim's replies and state.
         */
        public Builder chunking(boolean enabled) {
            chunking = enabled;
            return this;
        }

        /**
         * Models Exim 4.96 (Debian 12's {@code exim4-daemon-light}), which keeps a failed transaction's
         * state instead of resetting it, where Postfix and the default session differ:
         *
         * <ul>
         *   <li>After a transaction in which every RCPT TO was refused, DATA gets
         *       {@code 554 5.5.1 Error: no valid recipients} as usual, and a {@code BDAT <n> [LAST]} (its
         *       octets read and discarded) gets the three-line reply
         *       {@code 503-All RCPT commands were rejected with this error:} /
         *       {@code 503-<the text of the last refused RCPT's reply, e.g. 5.1.1 User unknown>} /
         *       {@code 503 Valid RCPT command must precede BDAT} (only the last line without any RCPT
         *       refusal). The transaction stays open: its sender (and any accepted recipient) is kept.
         *   <li>A BDAT chunk refused for any reason (no valid recipients, {@link #bdatReply},
         *       {@link #endOfDataReply} on the LAST chunk) discards the content received so far but
         *       keeps the transaction open, with its sender and accepted recipients. After a refused
         *       non-LAST chunk the message's later chunks, up to and including its LAST, get the same
         *       reply and are discarded (so no truncated message is stored); then the transaction is
         *       open as above.
         *   <li>While a transaction is open, {@code MAIL FROM} gets {@code 503 sender already given}: the
         *       old sender stays, and the RCPT TO and DATA/BDAT that follow are accepted into that old
         *       transaction; the stored message carries the old envelope sender (and the old
         *       transaction's accepted recipients as well as the new ones).
         *   <li>RSET clears the transaction and answers {@code 250 Reset OK}; a successful end of data
         *       (or LAST chunk) clears it too, and so does the end of DATA content whatever its reply.
         *   <li>An accepted non-LAST chunk gets {@code 250 <n> byte chunk received}; an accepted
         *       {@code BDAT <n> LAST} gets one two-line reply {@code 250- <n> byte chunk, total <t>} /
         *       {@code 250 OK id=Qn} (t: the octets of all the message's chunks).
         * </ul>
         *
         * Default false: the default session's (Postfix-like) behaviour.
         */
        public Builder keepTransactionAfterFailure(boolean keep) {
            keepTransactionAfterFailure = keep;
            return this;
        }

        /**
         * How long to wait before each strict / no-pipelining input check, giving pipelined bytes that
         * were written separately time to arrive (default zero).
         */
        public Builder pipeliningCheckDelay(Duration delay) {
            pipeliningCheckDelay = Objects.requireNonNull(delay);
            return this;
        }

        /** A hook that sees each command line before the standard handling. */
        public Builder commandHook(CommandHook hook) {
            commandHook = hook;
            return this;
        }

        /** Builds the session. */
        public StandardSession build() {
            return new StandardSession(this);
        }

        private Builder copy() {
            Builder b = new Builder();
            b.greeting = greeting;
            b.ehloReply = ehloReply;
            b.postTlsEhloReply = postTlsEhloReply;
            b.heloReply = heloReply;
            b.mailReply = mailReply;
            b.rcptReply = rcptReply;
            b.dataReply = dataReply;
            b.endOfDataReply = endOfDataReply;
            b.bdatReply = bdatReply;
            b.rsetReply = rsetReply;
            b.noopReply = noopReply;
            b.quitReply = quitReply;
            b.unknownCommandReply = unknownCommandReply;
            b.credentials = new LinkedHashMap<>(credentials);
            b.xoauth2Tokens = new LinkedHashSet<>(xoauth2Tokens);
            b.requireAuth = requireAuth;
            b.tlsContext = tlsContext;
            b.strictPipelining = strictPipelining;
            b.noPipelining = noPipelining;
            b.holdRepliesUntilData = holdRepliesUntilData;
            b.chunking = chunking;
            b.keepTransactionAfterFailure = keepTransactionAfterFailure;
            b.pipeliningCheckDelay = pipeliningCheckDelay;
            b.commandHook = commandHook;
            return b;
        }
    }
}
