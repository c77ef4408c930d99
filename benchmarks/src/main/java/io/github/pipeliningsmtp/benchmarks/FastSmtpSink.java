package io.github.pipeliningsmtp.benchmarks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A minimal, fast SMTP sink on 127.0.0.1 for benchmarks: accepts every command, advertises
 * PIPELINING (and CHUNKING when asked), discards content (or copies it, un-dot-stuffed, to a stream
 * given per message), and answers everything it read in one write, right before it would block on
 * the next read. One thread per connection; the content is scanned byte by byte with no line copy,
 * so it keeps up with tens of thousands of 1 KB messages per second.
 *
 * <p>It also counts client round trips the way the relay does (a read after replies were written
 * since the previous read), for runs without the relay (RTT 0).
 */
public final class FastSmtpSink implements AutoCloseable {

    private final boolean chunking;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bdatMessages = new AtomicLong();
    private final AtomicLong recipients = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private volatile Supplier<OutputStream> capture;
    private volatile boolean closed;

    private FastSmtpSink(boolean chunking) throws IOException {
        this.chunking = chunking;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        acceptor = new Thread(this::acceptLoop, "fast-sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a sink that advertises PIPELINING, 8BITMIME and SIZE. */
    public static FastSmtpSink start() throws IOException {
        return new FastSmtpSink(false);
    }

    /** Starts a sink that advertises CHUNKING (BDAT, RFC 3030) as well. */
    public static FastSmtpSink startWithChunking() throws IOException {
        return new FastSmtpSink(true);
    }

    /** The port on 127.0.0.1. */
    public int port() {
        return server.getLocalPort();
    }

    /** Messages whose end of data (or BDAT LAST) was acknowledged with 250. */
    public long messages() {
        return messages.get();
    }

    /** Of {@link #messages()}, those whose content came by BDAT (the rest came by DATA). */
    public long bdatMessages() {
        return bdatMessages.get();
    }

    /** RCPT TO commands accepted. */
    public long recipients() {
        return recipients.get();
    }

    /** Client round trips seen by the sink (a read after having replied since the previous read). */
    public long roundTrips() {
        return roundTrips.get();
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Sets the counters to zero. */
    public void resetCounters() {
        messages.set(0);
        bdatMessages.set(0);
        recipients.set(0);
        roundTrips.set(0);
        connections.set(0);
    }

    /**
     * Every later message's content (as the client meant it: dot-stuffing removed, BDAT octets as
     * sent) is copied to a new stream from this supplier, closed at the end of data; null to discard.
     */
    public void captureTo(Supplier<OutputStream> streams) {
        this.capture = streams;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                open.add(s);
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "fast-sink-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            new Session(socket.getInputStream(), new BufferedOutputStream(socket.getOutputStream(), 8192)).run();
        } catch (IOException e) {
            // client went away
        } finally {
            open.remove(socket);
        }
    }

    /** One connection's state machine. */
    private final class Session {
        private static final byte[] R250 = "250 2.0.0 Ok\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] R354 = "354 End data with <CR><LF>.<CR><LF>\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] R221 = "221 2.0.0 Bye\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] R500 = "500 5.5.2 Syntax error\r\n".getBytes(StandardCharsets.US_ASCII);

        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[64 * 1024];
        private final byte[] line = new byte[4096];
        private int lineLength;
        // content state: 0 in a line, 1 at line start, 2 line start '.', 3 ".\r" at line start, 4 CR in a line
        private boolean inData;
        private int dataState;
        private long bdatRemaining;
        private boolean bdatLast;
        private OutputStream sink;
        private boolean quit;
        private boolean replied;

        Session(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void run() throws IOException {
            out.write(("220 fast-sink ESMTP ready\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            replied = true;
            while (!quit) {
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                if (replied) {
                    roundTrips.incrementAndGet();
                    replied = false;
                }
                process(buffer, n);
                if (in.available() == 0 || quit) {
                    out.flush();
                }
            }
        }

        private void reply(byte[] r) throws IOException {
            out.write(r);
            replied = true;
        }

        private void process(byte[] b, int n) throws IOException {
            int i = 0;
            while (i < n) {
                if (bdatRemaining > 0) {
                    int take = (int) Math.min(bdatRemaining, n - i);
                    if (sink != null) {
                        sink.write(b, i, take);
                    }
                    i += take;
                    bdatRemaining -= take;
                    if (bdatRemaining == 0) {
                        if (bdatLast) {
                            bdatMessages.incrementAndGet();
                            endOfMessage();
                        } else {
                            reply(R250);
                        }
                    }
                } else if (inData) {
                    i = content(b, i, n);
                } else {
                    byte c = b[i++];
                    if (c == '\n') {
                        command();
                        lineLength = 0;
                    } else if (lineLength < line.length) {
                        line[lineLength++] = c;
                    }
                }
            }
        }

        /**
         * Scans content from {@code i}; returns where it stopped (after the end of data, or at the end
         * of input). States: 0 in a line, 4 after CR in a line, 1 at a line start, 2 after a dot at a
         * line start, 3 after dot CR at a line start. A captured copy gets the content without the
         * stuffed dots and without the terminating dot line.
         */
        private int content(byte[] b, int i, int n) throws IOException {
            OutputStream copy = sink;
            while (i < n) {
                byte c = b[i++];
                switch (dataState) {
                    case 1 -> {
                        if (c == '.') {
                            dataState = 2;
                            continue;
                        }
                        dataState = c == '\r' ? 4 : 0;
                    }
                    case 2 -> {
                        if (c == '\r') {
                            dataState = 3;
                            continue;
                        }
                        dataState = 0;
                    }
                    case 3 -> {
                        if (c == '\n') {
                            inData = false;
                            endOfMessage();
                            return i;
                        }
                        if (copy != null) {
                            copy.write('\r');
                        }
                        dataState = c == '\r' ? 4 : 0;
                    }
                    case 4 -> dataState = c == '\n' ? 1 : (c == '\r' ? 4 : 0);
                    default -> dataState = c == '\r' ? 4 : 0;
                }
                if (copy != null) {
                    copy.write(c);
                }
            }
            return n;
        }

        private void endOfMessage() throws IOException {
            if (sink != null) {
                sink.close();
                sink = null;
            }
            messages.incrementAndGet();
            reply(R250);
        }

        private void command() throws IOException {
            int len = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            String cmd = new String(line, 0, Math.min(len, 4), StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
            switch (cmd) {
                case "EHLO" -> {
                    String caps = "250-fast-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
                            + (chunking ? "250-CHUNKING\r\n" : "") + "250 SIZE 0\r\n";
                    reply(caps.getBytes(StandardCharsets.US_ASCII));
                }
                case "HELO", "MAIL", "RSET", "NOOP" -> reply(R250);
                case "RCPT" -> {
                    recipients.incrementAndGet();
                    reply(R250);
                }
                case "DATA" -> {
                    inData = true;
                    dataState = 1;
                    openSink();
                    reply(R354);
                }
                case "BDAT" -> bdat(new String(line, 0, len, StandardCharsets.US_ASCII));
                case "QUIT" -> {
                    reply(R221);
                    quit = true;
                }
                default -> reply(R500);
            }
        }

        private void bdat(String command) throws IOException {
            String[] parts = command.trim().split(" +");
            if (!chunking || parts.length < 2) {
                reply(R500);
                return;
            }
            if (sink == null) {
                openSink();
            }
            bdatRemaining = Long.parseLong(parts[1]);
            bdatLast = parts.length > 2 && parts[2].equalsIgnoreCase("LAST");
            if (bdatRemaining == 0) {
                if (bdatLast) {
                    bdatMessages.incrementAndGet();
                    endOfMessage();
                } else {
                    reply(R250);
                }
            }
        }

        private void openSink() {
            Supplier<OutputStream> c = capture;
            sink = c != null ? c.get() : null;
        }
    }
}
