package io.github.pipeliningsmtp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 that cuts one connection after exactly {@code k} bytes of one direction.
 * {@link #arm} applies to the next accepted connection only; later ones pass through whole (they are
 * the retries and the "send again"). At the cut, forwarding stops in both directions: each side has
 * received exactly what was forwarded before it, then a FIN (half-close, so the last bytes are not
 * lost to a reset), and whatever either side writes afterwards is read and dropped until it closes.
 * Bytes are forwarded one read at a time, so a direction's first k bytes leave as they came, split
 * at k.
 *
 * <p>{@link #cutEach} cuts every connection accepted from then on (retries included) where a plan
 * says, until {@link #passThrough}; an {@link #arm armed} cut still takes the next connection.
 * {@link #connections} tells, for every connection so far, where it was to be cut, whether the cut
 * happened, and the first {@value #HEAD} bytes each side sent (to find which connection carried a
 * message). Thread-safe: {@code arm}, {@code cutEach} and {@code passThrough} may be called while
 * connections run; each connection's relay threads give up after 10 s without a byte from their side.
 */
public final class CuttingRelay implements AutoCloseable {

    /** Which side's output is counted and cut. */
    public enum Direction { CLIENT_TO_SERVER, SERVER_TO_CLIENT }

    private final int targetPort;
    private final ServerSocket serverSocket;
    private final Thread acceptThread;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong lastClientBytes = new AtomicLong();
    private final AtomicLong lastServerBytes = new AtomicLong();
    /** Bytes of each side kept per connection for {@link #connections}. */
    public static final int HEAD = 65_536;

    /** Where a connection is cut: after {@code after} bytes of {@code direction}'s output. */
    public record Cut(Direction direction, long after) {
    }

    /**
     * One accepted connection: its number (1 for the first, in accept order), the cut it was given
     * (null: passed through whole), whether the cut happened (false also when the connection ended
     * before that many bytes), the bytes forwarded each way, and the first {@value #HEAD} bytes each
     * side sent, as ISO-8859-1 text.
     */
    public record Connection(int number, Cut cut, boolean wasCut, long clientBytes, long serverBytes, String clientHead,
                             String serverHead) {
    }

    private final java.util.List<Session> sessions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile java.util.function.IntFunction<Cut> plan;
    private volatile Direction armedDirection;
    private volatile long armedAt = -1;
    private volatile boolean closed;

    /** Starts a relay on an ephemeral port of 127.0.0.1 to {@code targetPort} on 127.0.0.1. */
    public CuttingRelay(int targetPort) throws IOException {
        this.targetPort = targetPort;
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        acceptThread = new Thread(this::acceptLoop, "cutting-relay-accept");
        acceptThread.setDaemon(true);
        acceptThread.start();
    }

    /** The relay's port on 127.0.0.1. */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The next connection is cut after {@code k} bytes in {@code direction}. */
    public void arm(Direction direction, long k) {
        armedDirection = direction;
        armedAt = k;
    }

    /**
     * Every connection accepted from now on, until {@link #passThrough}, is cut where
     * {@code plan.apply(number)} says (null: that one passes through); {@code number} counts the
     * relay's connections from 1, in accept order. An {@link #arm armed} cut is used first.
     */
    public void cutEach(java.util.function.IntFunction<Cut> plan) {
        this.plan = java.util.Objects.requireNonNull(plan);
    }

    /**
     * Connections accepted from now on pass through whole (an {@link #arm armed} cut still applies),
     * and so does the rest of every open connection of {@link #cutEach}'s plan whose cut has not
     * happened yet (a pooled connection opened under the plan would otherwise still be cut later).
     */
    public void passThrough() {
        plan = null;
        for (Session s : sessions) {
            s.callOff();
        }
    }

    /** Every connection accepted so far, in accept order, as it stands now. */
    public java.util.List<Connection> connections() {
        java.util.List<Connection> out = new java.util.ArrayList<>();
        for (Session s : sessions) {
            out.add(s.snapshot());
        }
        return out;
    }

    /** Connections whose relay threads have not finished. */
    public int openConnections() {
        return open.get();
    }

    /** Bytes the client sent on the last finished uncut connection (for sizing the sweep). */
    public long lastClientBytes() {
        return lastClientBytes.get();
    }

    /** Bytes the server sent on the last finished uncut connection. */
    public long lastServerBytes() {
        return lastServerBytes.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = serverSocket.accept();
                int number = accepted.incrementAndGet();
                Direction d = armedDirection;
                long k = armedAt;
                armedDirection = null;
                armedAt = -1;
                java.util.function.IntFunction<Cut> p = plan;
                if (d == null && p != null) {
                    Cut c = p.apply(number);
                    if (c != null) {
                        d = c.direction();
                        k = c.after();
                    }
                }
                Session session = new Session(number, client, d, k);
                sessions.add(session);
                try {
                    session.start();
                } catch (IOException e) {
                    // the target refused: the client's connection is closed, the relay goes on
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        serverSocket.close();
    }

    private final class Session {
        private final int number;
        private final java.io.ByteArrayOutputStream clientHead = new java.io.ByteArrayOutputStream();
        private final java.io.ByteArrayOutputStream serverHead = new java.io.ByteArrayOutputStream();
        private final Socket client;
        private final Direction cutDirection;
        private final long cutAt;
        private final Object lock = new Object();
        private boolean cut;
        /** The cut will not happen after all ({@link #passThrough}). */
        private boolean calledOff;
        private long fromClient;
        private long fromServer;
        private Socket server;

        Session(int number, Socket client, Direction cutDirection, long cutAt) {
            this.number = number;
            this.client = client;
            this.cutDirection = cutDirection;
            this.cutAt = cutAt;
        }

        void callOff() {
            synchronized (lock) {
                calledOff = !cut;
            }
        }

        Connection snapshot() {
            synchronized (lock) {
                return new Connection(number, cutDirection == null ? null : new Cut(cutDirection, cutAt), cut,
                        fromClient, fromServer, clientHead.toString(java.nio.charset.StandardCharsets.ISO_8859_1),
                        serverHead.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }

        void start() throws IOException {
            open.incrementAndGet();
            try {
                server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                server.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
            } catch (IOException e) {
                client.close();
                open.decrementAndGet();
                throw e;
            }
            AtomicInteger pumps = new AtomicInteger(2);
            Runnable done = () -> {
                if (pumps.decrementAndGet() == 0) {
                    closeQuietly(client);
                    closeQuietly(server);
                    if (cutDirection == null) {
                        lastClientBytes.set(fromClient);
                        lastServerBytes.set(fromServer);
                    }
                    open.decrementAndGet();
                }
            };
            thread(() -> pump(client, server, Direction.CLIENT_TO_SERVER), done).start();
            thread(() -> pump(server, client, Direction.SERVER_TO_CLIENT), done).start();
        }

        private Thread thread(Runnable body, Runnable done) {
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } finally {
                    done.run();
                }
            }, "cutting-relay-pump");
            t.setDaemon(true);
            return t;
        }

        private void pump(Socket from, Socket to, Direction direction) {
            byte[] buf = new byte[8192];
            try {
                from.setSoTimeout(10_000); // a relay thread never outlives a stuck test for long
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (lock) {
                        if (cut) {
                            continue; // after the cut: read and drop
                        }
                        long sent = direction == Direction.CLIENT_TO_SERVER ? fromClient : fromServer;
                        int forward = n;
                        boolean cutNow = false;
                        if (!calledOff && direction == cutDirection && sent + n >= cutAt) {
                            forward = (int) (cutAt - sent);
                            cutNow = true;
                        }
                        if (forward > 0) {
                            out.write(buf, 0, forward);
                            out.flush();
                        }
                        java.io.ByteArrayOutputStream head =
                                direction == Direction.CLIENT_TO_SERVER ? clientHead : serverHead;
                        head.write(buf, 0, (int) Math.max(0, Math.min(forward, HEAD - head.size())));
                        if (direction == Direction.CLIENT_TO_SERVER) {
                            fromClient += forward;
                        } else {
                            fromServer += forward;
                        }
                        if (cutNow) {
                            cut = true;
                            shutdownOutput(client);
                            shutdownOutput(server);
                        }
                    }
                }
            } catch (IOException e) {
                // the other side reset or timed out: end this direction
            }
            synchronized (lock) {
                if (!cut) {
                    shutdownOutput(to);
                }
            }
        }
    }

    private static void shutdownOutput(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // ignore
        }
    }
}
