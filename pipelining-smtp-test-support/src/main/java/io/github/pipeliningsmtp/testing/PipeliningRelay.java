package io.github.pipeliningsmtp.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 (ephemeral port) in front of a real SMTP server. For each client
 * connection it connects to the target and forwards bytes both ways unchanged, except that it
 * inserts {@code 250-PIPELINING} after the first line of every 250 reply to EHLO (a single-line
 * {@code 250 x} becomes {@code 250-x} and {@code 250 PIPELINING}). After a 2xx reply to STARTTLS the
 * connection passes through untouched. Optionally it delays every chunk by a fixed one-way delay,
 * and it counts client round trips.
 */
public final class PipeliningRelay implements AutoCloseable {

    private static final long JOIN_MILLIS = 5000;

    private final String targetHost;
    private final int targetPort;
    private final RelayOptions options;
    private final ServerSocket serverSocket;
    private final Thread acceptThread;
    private final Set<RelayConnection> connections = ConcurrentHashMap.newKeySet();
    private final List<RelayConnection> all = new CopyOnWriteArrayList<>();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong clientWrites = new AtomicLong();
    private volatile boolean closing;
    private int accepted;

    private PipeliningRelay(String targetHost, int targetPort, RelayOptions options) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.options = options;
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        acceptThread = new Thread(this::acceptLoop, "pipelining-relay-" + port() + "-accept");
        acceptThread.setDaemon(true);
    }

    /** Starts a relay to the target with {@link RelayOptions#defaults()}. */
    public static PipeliningRelay start(String targetHost, int targetPort) throws IOException {
        return start(targetHost, targetPort, RelayOptions.defaults());
    }

    /** Starts a relay to the target with the given options. */
    public static PipeliningRelay start(String targetHost, int targetPort, RelayOptions options) throws IOException {
        PipeliningRelay relay = new PipeliningRelay(Objects.requireNonNull(targetHost), targetPort, Objects.requireNonNull(options));
        relay.acceptThread.start();
        return relay;
    }

    /** Returns the port clients connect to (on 127.0.0.1). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** Returns {@code "127.0.0.1"}. */
    public String host() {
        return "127.0.0.1";
    }

    /** Returns the number of relayed connections not yet closed on both sides. */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Returns the client round trips summed over connections: how many times a client sent data after
     * having received data from the server since its previous send.
     */
    public long roundTrips() {
        return roundTrips.get();
    }

    /** Sets the round-trip count to zero. */
    public void resetRoundTrips() {
        roundTrips.set(0);
    }

    /** Returns how many chunks (socket reads) arrived from clients, summed over connections. */
    public long clientWrites() {
        return clientWrites.get();
    }

    /** Sets both the round-trip count and the client write count to zero. */
    public void resetCounters() {
        roundTrips.set(0);
        clientWrites.set(0);
    }

    /** Cuts every open connection now: both sides are closed with a reset (RST). */
    public void cutAll() {
        for (RelayConnection connection : connections) {
            connection.cut();
        }
    }

    /** Stops accepting, closes every connection and joins the relay's threads (bounded). */
    @Override
    public void close() throws IOException {
        closing = true;
        serverSocket.close();
        for (RelayConnection connection : all) {
            connection.close();
        }
        long deadline = System.currentTimeMillis() + JOIN_MILLIS;
        try {
            acceptThread.join(JOIN_MILLIS);
            for (RelayConnection connection : all) {
                connection.join(deadline - System.currentTimeMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void clientChunk(boolean receivedSincePreviousSend) {
        clientWrites.incrementAndGet();
        if (receivedSincePreviousSend) {
            roundTrips.incrementAndGet();
        }
    }

    void connectionClosed(RelayConnection connection) {
        connections.remove(connection);
    }

    private void acceptLoop() {
        while (!closing) {
            Socket client;
            try {
                client = serverSocket.accept();
            } catch (IOException e) {
                return;
            }
            Socket target = new Socket();
            try {
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                target.connect(new InetSocketAddress(targetHost, targetPort), 5000);
                RelayConnection connection = new RelayConnection(this, accepted++, client, target, options);
                connections.add(connection);
                all.add(connection);
                if (closing) {
                    connection.close();
                } else {
                    connection.start();
                }
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(target);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
    }
}
