package io.github.pipeliningsmtp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;

/** One client connection of a {@link PipeliningRelay} and its connection to the target. */
final class RelayConnection {

    private final PipeliningRelay relay;
    private final Socket client;
    private final Socket target;
    private final SmtpRelayParser parser;
    private final ChunkForwarder toTarget;
    private final ChunkForwarder toClient;
    private final AtomicBoolean serverDataDelivered = new AtomicBoolean();
    private final AtomicInteger directionsDone = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread clientReader;
    private final Thread targetReader;

    RelayConnection(PipeliningRelay relay, int index, Socket client, Socket target, RelayOptions options)
            throws IOException {
        this.relay = relay;
        this.client = client;
        this.target = target;
        this.parser = new SmtpRelayParser(options.insertPipelining());
        long delay = options.delay().toNanos();
        String name = "pipelining-relay-" + relay.port() + "-" + index;
        toTarget = new ChunkForwarder(name + "-to-target", target.getOutputStream(), delay,
                () -> shutdownOutput(target), listener(false));
        toClient = new ChunkForwarder(name + "-to-client", client.getOutputStream(), delay,
                () -> shutdownOutput(client), listener(true));
        clientReader = new Thread(this::pumpFromClient, name + "-from-client");
        targetReader = new Thread(this::pumpFromTarget, name + "-from-target");
        clientReader.setDaemon(true);
        targetReader.setDaemon(true);
    }

    void start() {
        clientReader.start();
        targetReader.start();
    }

    /** Closes both sides with a reset. */
    void cut() {
        abort();
    }

    /** Closes both sides normally. */
    void close() {
        finish(false);
    }

    void join(long millis) throws InterruptedException {
        for (Thread thread : new Thread[] {clientReader, targetReader, toTarget.thread(), toClient.thread()}) {
            if (thread != null) {
                thread.join(Math.max(1, millis));
            }
        }
    }

    private ChunkForwarder.Listener listener(boolean towardsClient) {
        return new ChunkForwarder.Listener() {
            @Override
            public void writing(byte[] chunk) {
                if (towardsClient) {
                    serverDataDelivered.set(true);
                }
            }

            @Override
            public void finished(boolean failed) {
                if (failed) {
                    abort();
                } else if (directionsDone.incrementAndGet() == 2) {
                    close();
                }
            }
        };
    }

    private void pumpFromClient() {
        byte[] buffer = new byte[16384];
        try {
            InputStream in = client.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                relay.clientChunk(serverDataDelivered.getAndSet(false));
                parser.fromClient(buffer, 0, n);
                toTarget.send(Arrays.copyOf(buffer, n));
            }
            toTarget.end();
        } catch (IOException e) {
            abort();
        }
    }

    private void pumpFromTarget() {
        byte[] buffer = new byte[16384];
        try {
            InputStream in = target.getInputStream();
            int n;
            quickAck(target);
            while ((n = in.read(buffer)) >= 0) {
                quickAck(target);
                toClient.send(parser.fromServer(buffer, 0, n));
            }
            toClient.end();
        } catch (IOException e) {
            abort();
        }
    }

    private void abort() {
        finish(true);
    }

    private void finish(boolean reset) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Socket socket : new Socket[] {client, target}) {
            try {
                if (reset) {
                    socket.setSoLinger(true, 0);
                }
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
        toTarget.stop();
        toClient.stop();
        relay.connectionClosed(this);
    }

    /**
     * Asks Linux to acknowledge the target's data at once instead of delaying the ACK (the flag does
     * not stick, so it is set again after every read). A target that leaves Nagle's algorithm on
     * (GreenMail does) holds each further small reply until the previous one is acknowledged; with a
     * delayed ACK every pipelined group would then cost about 40 ms on loopback. No-op elsewhere.
     */
    private static void quickAck(Socket socket) {
        try {
            if (socket.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK)) {
                socket.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    private static void shutdownOutput(Socket socket) {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // closed already
        }
    }
}
