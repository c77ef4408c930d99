package io.github.pipeliningsmtp.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * A script's view of one connection accepted by a {@link ScriptedSmtpServer}. Not thread-safe: use
 * it from the script's thread only.
 *
 * <p>Every socket {@code read()} fills the session's own buffer of
 * {@link ServerOptions#readBufferSize()} bytes; the ordinal of that read is what
 * {@link RecordedCommand#readIndex()} reports. Reads that hit end of stream or a reset mark the
 * connection closed (see {@link ScriptedSmtpServer#openConnections()}).
 */
public final class ServerSession {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    private static final int CLOSE_DRAIN_TIMEOUT_MS = 2000;

    private final ScriptedSmtpServer server;
    private final int connectionIndex;
    private final Socket rawSocket;
    private final byte[] buffer;
    private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int pos;
    private int limit;
    private int readCount;

    ServerSession(ScriptedSmtpServer server, int connectionIndex, Socket rawSocket, int readBufferSize)
            throws IOException {
        this.server = server;
        this.connectionIndex = connectionIndex;
        this.rawSocket = rawSocket;
        this.buffer = new byte[readBufferSize];
        useSocket(rawSocket);
    }

    /** Returns the index of this connection (0 for the first accepted one). */
    public int connectionIndex() {
        return connectionIndex;
    }

    /** Returns the server that accepted this connection. */
    public ScriptedSmtpServer server() {
        return server;
    }

    /** Returns whether the connection was closed (by the script or the server) or the client went away. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Reads one line ending in CRLF (or a bare LF), records it as a {@link RecordedCommand} and returns
     * it without the line end.
     *
     * @return the line, or null on end of stream (a partial line before end of stream is recorded as
     *     an event {@code "partial line at EOF: <text>"} and dropped)
     * @throws IOException on a reset or other socket error
     */
    public String readLine() throws IOException {
        byte[] raw = readRawLine();
        if (raw == null) {
            return null;
        }
        String line = stripLineEnd(raw);
        server.record(new RecordedCommand(connectionIndex, readCount - 1, line));
        return line;
    }

    /**
     * Like {@link #readLine()} with a read timeout. Bytes of a line that is incomplete at the timeout
     * stay buffered for the next read.
     *
     * @throws SocketTimeoutException when no complete line arrived in time
     */
    public String readLine(Duration timeout) throws IOException {
        socket.setSoTimeout(Math.max(1, (int) timeout.toMillis()));
        try {
            return readLine();
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(0);
            }
        }
    }

    /**
     * Returns true if any received byte has not been consumed yet: in the session buffer or already
     * waiting in the socket (decrypted or, under TLS, still encrypted). Use it right before writing a
     * reply that must be the last of a pipelined group.
     */
    public boolean inputBuffered() throws IOException {
        if (pos < limit || partialLine.size() > 0) {
            return true;
        }
        if (closed.get()) {
            return false;
        }
        return in.available() > 0 || (socket != rawSocket && rawSocket.getInputStream().available() > 0);
    }

    /**
     * Reads message content after a 354 reply up to the line {@code .}, removes dot-stuffing (RFC 5321
     * §4.5.2: a line starting with {@code .} loses its first {@code .}) and returns the content with its
     * line ends as received, without the terminator line.
     *
     * @throws EOFException if the stream ends before the terminator (an event
     *     {@code "EOF in message content after N bytes"} is recorded)
     */
    public byte[] readData() throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (true) {
            byte[] line = readContentLine(content.size());
            if (isTerminator(line)) {
                return content.toByteArray();
            }
            int skip = line[0] == '.' ? 1 : 0;
            content.write(line, skip, line.length - skip);
        }
    }

    /**
     * Reads message content exactly as on the wire (still dot-stuffed) up to and including the
     * terminator line {@code .}.
     *
     * @throws EOFException if the stream ends before the terminator
     */
    public byte[] readRawData() throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (true) {
            byte[] line = readContentLine(content.size());
            content.write(line, 0, line.length);
            if (isTerminator(line)) {
                return content.toByteArray();
            }
        }
    }

    /**
     * Reads exactly {@code n} bytes (e.g. a BDAT chunk).
     *
     * @throws EOFException if the stream ends first
     */
    public byte[] readExactly(int n) throws IOException {
        byte[] result = new byte[n];
        int done = 0;
        byte[] pending = partialLine.toByteArray();
        partialLine.reset();
        int fromPending = Math.min(n, pending.length);
        System.arraycopy(pending, 0, result, 0, fromPending);
        partialLine.write(pending, fromPending, pending.length - fromPending);
        done += fromPending;
        while (done < n) {
            if (pos == limit && !fill()) {
                throw new EOFException("EOF after " + done + " of " + n + " bytes");
            }
            int count = Math.min(n - done, limit - pos);
            System.arraycopy(buffer, pos, result, done, count);
            pos += count;
            done += count;
        }
        return result;
    }

    /** Writes each line followed by CRLF, all in one socket write, and flushes. */
    public void reply(String... lines) throws IOException {
        write(joinLines(List.of(lines)));
    }

    /** Writes the lines (each followed by CRLF) in one socket write, and flushes. */
    public void reply(List<String> lines) throws IOException {
        write(joinLines(lines));
    }

    /** Writes the bytes in one socket write, and flushes. */
    public void write(byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            markClosed();
            throw e;
        }
    }

    /** Writes the bytes in writes of at most {@code chunkSize} bytes, sleeping {@code gap} between them. */
    public void writeSlowly(byte[] bytes, int chunkSize, Duration gap) throws IOException, InterruptedException {
        for (int offset = 0; offset < bytes.length; offset += chunkSize) {
            if (offset > 0) {
                Thread.sleep(gap.toMillis());
            }
            write(Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + chunkSize)));
        }
    }

    /** Flushes, then sleeps for the given time. */
    public void pause(Duration duration) throws IOException, InterruptedException {
        out.flush();
        Thread.sleep(duration.toMillis());
    }

    /**
     * Closes normally: flushes, sends FIN (shutdownOutput; under TLS close_notify), then reads and
     * discards what the client still sends until it closes (at most about 2 s) so that unread input
     * does not turn the close into a reset, then closes the socket.
     */
    public void closeFin() {
        try {
            out.flush();
            socket.shutdownOutput();
            socket.setSoTimeout(CLOSE_DRAIN_TIMEOUT_MS);
            long deadline = System.nanoTime() + Duration.ofMillis(CLOSE_DRAIN_TIMEOUT_MS).toNanos();
            while (System.nanoTime() < deadline && in.read(buffer) >= 0) {
                // discard
            }
        } catch (IOException | RuntimeException e) {
            // the client is gone or the socket cannot half-close: close below
        }
        closeQuietly();
    }

    /** Closes with a reset: SO_LINGER 0, then close (no TLS close_notify). */
    public void closeRst() {
        try {
            rawSocket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        closeQuietly();
    }

    /**
     * Writes nothing and replies to nothing: reads and discards whatever arrives until the client
     * closes the connection (end of stream or reset), then returns. Discarded bytes are not recorded.
     */
    public void stallUntilClientCloses() {
        pos = limit;
        partialLine.reset();
        try {
            while (in.read(buffer) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // reset or closed by the server
        }
        markClosed();
    }

    /**
     * Switches the connection to TLS: wraps the socket as a server-mode {@link SSLSocket} and completes
     * the handshake; later reads and writes go through TLS. Plaintext already buffered is discarded and
     * recorded as the event {@code "plaintext buffered before TLS"}. A failed handshake is recorded as
     * an event {@code "TLS handshake failed: <message>"}, the connection is marked closed and the
     * {@link SSLException} is rethrown (the server does not count it as a script error).
     */
    public SSLSocket startTls(SSLContext context) throws IOException {
        if (pos < limit || partialLine.size() > 0) {
            server.event("plaintext buffered before TLS");
            pos = limit;
            partialLine.reset();
        }
        SSLSocket ssl = (SSLSocket) context.getSocketFactory()
                .createSocket(rawSocket, rawSocket.getInetAddress().getHostAddress(), rawSocket.getPort(), true);
        ssl.setUseClientMode(false);
        handshake(ssl);
        return ssl;
    }

    /** Records a stored message in {@link ScriptedSmtpServer#messages()}. */
    public void store(String mailFrom, List<String> recipients, byte[] content) {
        server.store(new StoredMessage(connectionIndex, mailFrom, recipients, content));
    }

    /** Records an event in {@link ScriptedSmtpServer#events()}. */
    public void event(String event) {
        server.event(event);
    }

    void handshake(SSLSocket ssl) throws IOException {
        try {
            ssl.setSoTimeout((int) HANDSHAKE_TIMEOUT.toMillis());
            ssl.startHandshake();
            ssl.setSoTimeout(0);
        } catch (IOException e) {
            server.event("TLS handshake failed: " + e.getMessage());
            closeRst();
            throw e instanceof SSLException ? e : new SSLException(e);
        }
        useSocket(ssl);
    }

    /** After the script returned: read until the client closes, recording lines as events. */
    void drainAfterScript() throws IOException {
        byte[] raw;
        while ((raw = readRawLine()) != null) {
            server.event("after script: " + stripLineEnd(raw));
        }
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
        try {
            rawSocket.close();
        } catch (IOException e) {
            // ignore
        }
        markClosed();
    }

    private void markClosed() {
        if (closed.compareAndSet(false, true)) {
            server.connectionClosed(connectionIndex);
        }
    }

    private void useSocket(Socket newSocket) throws IOException {
        socket = newSocket;
        in = newSocket.getInputStream();
        out = newSocket.getOutputStream();
    }

    private byte[] readContentLine(int soFar) throws IOException {
        byte[] line = readRawLine();
        if (line == null) {
            server.event("EOF in message content after " + soFar + " bytes");
            throw new EOFException("EOF in message content after " + soFar + " bytes");
        }
        return line;
    }

    /** Returns the next line including its line end, or null on end of stream. */
    private byte[] readRawLine() throws IOException {
        while (true) {
            if (pos == limit && !fill()) {
                if (partialLine.size() > 0) {
                    server.event("partial line at EOF: " + partialLine.toString(StandardCharsets.UTF_8));
                    partialLine.reset();
                }
                return null;
            }
            for (int i = pos; i < limit; i++) {
                if (buffer[i] == '\n') {
                    partialLine.write(buffer, pos, i + 1 - pos);
                    pos = i + 1;
                    byte[] line = partialLine.toByteArray();
                    partialLine.reset();
                    return line;
                }
            }
            partialLine.write(buffer, pos, limit - pos);
            pos = limit;
        }
    }

    /** Reads once into the buffer; returns false on end of stream. */
    private boolean fill() throws IOException {
        if (closed.get() && socket.isClosed()) {
            return false;
        }
        int n;
        try {
            n = in.read(buffer, 0, buffer.length);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            markClosed();
            throw e;
        }
        if (n < 0) {
            markClosed();
            return false;
        }
        pos = 0;
        limit = n;
        readCount++;
        return true;
    }

    private static boolean isTerminator(byte[] line) {
        return (line.length == 2 && line[0] == '.' && line[1] == '\n')
                || (line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n');
    }

    private static String stripLineEnd(byte[] raw) {
        int end = raw.length;
        if (end > 0 && raw[end - 1] == '\n') {
            end--;
            if (end > 0 && raw[end - 1] == '\r') {
                end--;
            }
        }
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    private static byte[] joinLines(List<String> lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append("\r\n");
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static boolean isExpectedDisconnect(Throwable t) {
        return t instanceof EOFException || t instanceof SocketException || t instanceof SSLException;
    }
}
