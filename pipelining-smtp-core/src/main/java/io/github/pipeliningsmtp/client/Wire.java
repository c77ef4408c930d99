package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Printable;
import io.github.pipeliningsmtp.protocol.ReplyDecoder;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The socket of one connection, its buffered output and its reply reader. Every wait for a reply
 * (greeting, a command's reply, the end of data's, QUIT's) is bounded by a deadline for the whole
 * reply, never restarted by a byte that arrives. Replies are read by one thread at a time; the output is written by one thread at a time (the reader's or a writer's).
 * {@link #abort()} may be called from any thread and unblocks both.
 */
final class Wire {

    /**
     * The protocol transcript, at TRACE: every command ({@code C: ...}) and reply ({@code S: ...}),
     * SASL data and AUTH payloads shown as {@code ****}, content never (only its size), server text
     * escaped. The name is documented in the README; keep it.
     */
    static final String TRANSCRIPT = "io.github.pipeliningsmtp.transcript";

    static final System.Logger WIRE_LOG = System.getLogger(TRANSCRIPT);

    private final Socket raw;
    private Socket socket;
    private InputStream in;
    private ProgressOutputStream progress;
    private OutputStream out;
    private ReplyDecoder decoder = new ReplyDecoder();
    private final ArrayDeque<SmtpReply> replies = new ArrayDeque<>();
    private final byte[] readBuffer = new byte[16 * 1024];

    private Wire(Socket raw) throws IOException {
        this.raw = raw;
        use(raw);
    }

    /**
     * Connects to the first address of the host that answers, with the connect timeout, and with
     * implicit TLS does the handshake (the whole of it bounded by the greeting timeout).
     */
    static Wire connect(ConnectionSettings s) throws IOException {
        InetAddress[] addresses = s.resolver().resolve(s.host());
        IOException last = null;
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                if (s.sendBufferSize() > 0) {
                    socket.setSendBufferSize(s.sendBufferSize());
                }
                if (s.receiveBufferSize() > 0) {
                    socket.setReceiveBufferSize(s.receiveBufferSize());
                }
                socket.connect(new InetSocketAddress(address, s.port()), (int) s.connectTimeout().toMillis());
                Wire wire = new Wire(socket);
                if (s.tlsMode() == TlsMode.IMPLICIT) {
                    wire.startTls(s, s.greetingTimeout());
                }
                return wire;
            } catch (SocketTimeoutException e) {
                closeQuietly(socket);
                last = new SmtpTimeoutException(SmtpStep.CONNECT, "connect to " + address.getHostAddress() + ":" + s.port(),
                        s.connectTimeout().toMillis(), e);
            } catch (IOException e) {
                closeQuietly(socket);
                last = e;
            }
        }
        throw last != null ? last : new IOException("no address for " + s.host());
    }

    private void use(Socket s) throws IOException {
        this.socket = s;
        this.in = s.getInputStream();
        this.progress = new ProgressOutputStream(s.getOutputStream());
        // large enough that a flight of many small messages goes out in few writes
        this.out = new BufferedOutputStream(progress, 64 * 1024);
        this.decoder = new ReplyDecoder();
    }

    /**
     * Wraps the socket in TLS and handshakes; the host is the SNI name and, if verified, the expected
     * identity. {@code handshakeTimeout} is a deadline for the whole handshake (every record of it,
     * both ways), not for each read: the command timeout for STARTTLS, the greeting timeout for
     * implicit TLS (60 s each by default). A server that trickles its handshake a byte at a time, or
     * stalls in the middle of it, has the socket closed by the shared watchdog timer when the
     * deadline passes; each read is also bounded by the time left.
     *
     * @throws SmtpTimeoutException when the handshake is not done within {@code handshakeTimeout}
     */
    void startTls(ConnectionSettings s, Duration handshakeTimeout) throws IOException {
        SSLContext context;
        try {
            context = s.sslContext() != null ? s.sslContext() : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no default SSLContext", e);
        }
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(raw, s.host(), s.port(), true);
        SSLParameters params = ssl.getSSLParameters();
        if (s.verifyHostname()) {
            params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        try {
            params.setServerNames(List.of(new SNIHostName(s.host())));
        } catch (IllegalArgumentException ipLiteral) {
            // an IP address is not a server name for SNI (RFC 6066 §3)
        }
        ssl.setSSLParameters(params);
        SmtpStep step = s.tlsMode() == TlsMode.IMPLICIT ? SmtpStep.CONNECT : SmtpStep.STARTTLS;
        long millis = handshakeTimeout.toMillis();
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        ScheduledFuture<?> watchdog = WriteWatchdog.TIMER.schedule(() -> {
            deadlinePassed.set(true);
            closeQuietly(raw);
        }, millis, TimeUnit.MILLISECONDS);
        try {
            ssl.setSoTimeout((int) millis);
            ssl.startHandshake();
        } catch (SocketTimeoutException e) {
            throw new SmtpTimeoutException(step, "TLS handshake", millis, e);
        } catch (IOException e) {
            if (deadlinePassed.get()) {
                throw handshakeDeadline(step, millis, e);
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
        if (deadlinePassed.get()) {
            // the deadline passed as the handshake ended: the socket is closed already
            throw handshakeDeadline(step, millis, null);
        }
        use(ssl);
    }

    private static SmtpTimeoutException handshakeDeadline(SmtpStep step, long millis, IOException cause) {
        SocketTimeoutException timeout = new SocketTimeoutException("TLS handshake not complete within " + millis
                + " ms; the socket was closed");
        if (cause != null) {
            timeout.initCause(cause);
        }
        return new SmtpTimeoutException(step, "TLS handshake", millis, timeout);
    }

    boolean isTls() {
        return socket instanceof SSLSocket;
    }

    /** The buffered output; flush to send. */
    OutputStream out() {
        return out;
    }

    /** Octets handed to the socket so far. */
    long octetsWritten() {
        return progress.written();
    }

    /** Writes one command and flushes. */
    void send(SmtpCommand command) throws IOException {
        trace("C: {0}", command);
        out.write(command.bytes());
        out.flush();
    }

    /**
     * The next reply, waiting at most {@code timeout} for the whole of it: the timeout is a deadline
     * for the complete reply (every line up to the last CRLF), not for each read, so a server that
     * trickles a reply byte by byte is cut off when it runs out. Before each read the time left is
     * computed and set as the socket's read timeout (ms).
     *
     * @param step    the step whose reply this is
     * @param awaited the command whose reply this is, for messages
     * @param timeout the longest the whole reply may take to arrive, from this call
     * @throws SmtpTimeoutException when the reply is not complete within {@code timeout}
     * @throws SmtpConnectionClosedException when the server closed the connection (an EOFException)
     * @throws io.github.pipeliningsmtp.protocol.SmtpProtocolException on a malformed reply or one over
     *         the decoder's bounds
     */
    SmtpReply readReply(SmtpStep step, String awaited, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (replies.isEmpty()) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                throw new SmtpTimeoutException(step, awaited, timeout.toMillis(), new SocketTimeoutException(
                        "reply not complete within " + timeout.toMillis() + " ms"));
            }
            int n;
            try {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
                n = in.read(readBuffer);
            } catch (SocketTimeoutException e) {
                throw new SmtpTimeoutException(step, awaited, timeout.toMillis(), e);
            } catch (IOException e) {
                if (abortReason != null) {
                    throw (IOException) explain(e);
                }
                throw e;
            }
            if (n < 0) {
                if (abortReason != null) {
                    throw (IOException) explain(new SmtpConnectionClosedException(step, awaited));
                }
                throw new SmtpConnectionClosedException(step, awaited);
            }
            try {
                decoder.decode(readBuffer, 0, n, replies::add);
            } catch (SmtpProtocolException e) {
                throw e.at(step);
            }
        }
        SmtpReply reply = replies.poll();
        // a SASL challenge is AUTH data (RFC 4954 §4): shown as **** like the responses
        trace("S: {0}", step == SmtpStep.AUTH && reply.code() == 334 ? "334 ****" : reply);
        return reply;
    }

    /**
     * A complete reply already received (decoded, or in the socket's buffer), without waiting; null
     * if none. For when the connection broke: the server's last words.
     */
    SmtpReply bufferedReply() {
        try {
            while (replies.isEmpty()) {
                int available = in.available();
                if (available <= 0) {
                    break;
                }
                int n = in.read(readBuffer, 0, Math.min(available, readBuffer.length));
                if (n < 0) {
                    break;
                }
                decoder.decode(readBuffer, 0, n, replies::add);
            }
        } catch (IOException e) {
            // what was decoded before the failure is still there
        }
        SmtpReply reply = replies.poll();
        if (reply != null) {
            trace("S: {0}", reply);
        }
        return reply;
    }

    /** True if a complete or partial reply that nothing asked for has arrived (without waiting). */
    boolean hasBufferedReply() {
        try {
            return hasUnreadInput();
        } catch (IOException e) {
            return false;
        }
    }

    /** True if a reply or part of one, or any byte, has arrived that nothing asked for. */
    boolean hasUnreadInput() throws IOException {
        return !replies.isEmpty() || decoder.hasPartialReply() || in.available() > 0;
    }

    /**
     * For an idle connection: true if the server closed it or sent something unasked (a 421 or 451
     * while idle). Waits at most 1 ms.
     */
    boolean isStale() {
        try {
            if (hasUnreadInput()) {
                return true;
            }
            socket.setSoTimeout(1);
            int n = in.read(readBuffer);
            if (n < 0) {
                return true;
            }
            decoder.decode(readBuffer, 0, n, replies::add);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private volatile String abortReason;

    /**
     * Closes at once, from any thread, saying why (an interrupt, the pool closing): a read or write
     * that fails because of it reports an {@link InterruptedIOException} with that reason.
     */
    void abort(String reason) {
        if (abortReason == null) {
            abortReason = reason;
        }
        reset();
    }

    /** Closes at once with a TCP reset: what is still in the send buffer is dropped, not sent. */
    void reset() {
        try {
            // a reset, not a FIN after the unsent content: the kernel must not go on feeding a slow
            // server what is still in the send buffer once the send was given up
            raw.setSoLinger(true, 0);
        } catch (IOException | RuntimeException alreadyClosed) {
            // closing anyway
        }
        abort();
    }

    /** Why the connection was aborted from outside ({@link #abort(String)}), or null. */
    String abortReason() {
        return abortReason;
    }

    /**
     * {@code e} as the error of an aborted connection when it was aborted from outside: an
     * {@link InterruptedIOException} naming the reason, caused by {@code e}; otherwise {@code e}.
     */
    Throwable explain(Throwable e) {
        String reason = abortReason;
        if (reason == null || e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
            return e;
        }
        InterruptedIOException aborted = new InterruptedIOException("connection aborted: " + reason);
        aborted.initCause(e);
        return aborted;
    }

    /** Closes at once, from any thread: the TCP socket first, so a thread blocked in a TLS write is released. */
    void abort() {
        closeQuietly(raw);
        closeQuietly(socket);
    }

    boolean isClosed() {
        return raw.isClosed();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    static void trace(String format, Object arg) {
        if (WIRE_LOG.isLoggable(Level.TRACE)) {
            // server text (and anything else) shown escaped: no terminal escape or forged log line
            WIRE_LOG.log(Level.TRACE, format, Printable.of(String.valueOf(arg)));
        }
    }
}
