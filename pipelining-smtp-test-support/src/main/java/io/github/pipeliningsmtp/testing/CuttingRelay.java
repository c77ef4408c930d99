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
                Direction d = armedDirection;
                long k = armedAt;
                armedDirection = null;
                armedAt = -1;
                new Session(client, d, k).start();
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
        private final Socket client;
        private final Direction cutDirection;
        private final long cutAt;
        private final Object lock = new Object();
        private boolean cut;
        private long fromClient;
        private long fromServer;
        private Socket server;

        Session(Socket client, Direction cutDirection, long cutAt) {
            this.client = client;
            this.cutDirection = cutDirection;
            this.cutAt = cutAt;
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
                        if (direction == cutDirection && sent + n >= cutAt) {
                            forward = (int) (cutAt - sent);
                            cutNow = true;
                        }
                        if (forward > 0) {
                            out.write(buf, 0, forward);
                            out.flush();
                        }
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
