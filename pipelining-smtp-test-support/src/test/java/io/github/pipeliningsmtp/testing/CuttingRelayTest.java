package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link CuttingRelay#cutEach}: every connection cut where the plan says, and recorded. */
@Timeout(20)
class CuttingRelayTest {

    /** What the server received on each connection, complete when the relay sent its FIN. */
    private final java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();

    /**
     * Echoes every byte back until the client's FIN, then closes; records what it got. A cut
     * connection may be closed by the relay before the echo is written back: the echo then stops
     * writing but still reads to the end, so what arrived is recorded whole and the next
     * connection is served.
     */
    private Thread echo(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return; // the server socket closed at the end of the test
                }
                StringBuilder got = new StringBuilder();
                try (s) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    boolean echoing = true;
                    int b;
                    while ((b = in.read()) >= 0) {
                        got.append((char) b);
                        if (echoing) {
                            try {
                                out.write(b);
                                out.flush();
                            } catch (IOException e) {
                                echoing = false; // the relay closed its side after a cut
                            }
                        }
                    }
                } catch (IOException e) {
                    // reset by the relay: what arrived before counts
                }
                received.add(got.toString());
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Writes {@code text}, then half-closes, and returns everything read until EOF. */
    private static String exchange(int port, String text) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void cutsEveryConnectionWhereThePlanSaysUntilPassThrough() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             CuttingRelay relay = new CuttingRelay(server.getLocalPort())) {
            echo(server);
            relay.cutEach(n -> n == 2 ? null : new CuttingRelay.Cut(CuttingRelay.Direction.CLIENT_TO_SERVER, 2 + n));

            // at the cut both directions stop: the echo of what was forwarded is dropped
            assertThat(exchange(relay.port(), "0123456789")).isEmpty();
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("012");
            assertThat(exchange(relay.port(), "0123456789")).isEqualTo("0123456789");
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("0123456789");
            assertThat(exchange(relay.port(), "0123456789")).isEmpty();
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("01234");
            relay.passThrough();
            assertThat(exchange(relay.port(), "abcdef")).isEqualTo("abcdef");

            assertThat(relay.connections()).extracting(CuttingRelay.Connection::number).containsExactly(1, 2, 3, 4);
            assertThat(relay.connections()).extracting(CuttingRelay.Connection::wasCut)
                    .containsExactly(true, false, true, false);
            CuttingRelay.Connection third = relay.connections().get(2);
            assertThat(third.cut()).isEqualTo(new CuttingRelay.Cut(CuttingRelay.Direction.CLIENT_TO_SERVER, 5));
            assertThat(third.clientHead()).isEqualTo("01234");
            assertThat(third.clientBytes()).isEqualTo(5);
            assertThat(relay.connections().get(3).serverHead()).isEqualTo("abcdef");
        }
    }

    @Test
    void passThroughCallsOffTheCutOfAConnectionAlreadyOpen() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             CuttingRelay relay = new CuttingRelay(server.getLocalPort())) {
            echo(server);
            relay.cutEach(n -> new CuttingRelay.Cut(CuttingRelay.Direction.CLIENT_TO_SERVER, 8));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
                s.setSoTimeout(10_000);
                // opened under the plan (a pooled connection, say), then the faults end before byte 8
                s.getOutputStream().write("0123".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                byte[] echoed = s.getInputStream().readNBytes(4);
                assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("0123");
                relay.passThrough();
                s.getOutputStream().write("456789abcdef".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo("456789abcdef");
            }
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("0123456789abcdef");
            assertThat(relay.connections().get(0).wasCut()).isFalse();
        }
    }

    @Test
    void aCutOfTheServersOutputStopsBothDirections() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             CuttingRelay relay = new CuttingRelay(server.getLocalPort())) {
            echo(server);
            relay.cutEach(n -> new CuttingRelay.Cut(CuttingRelay.Direction.SERVER_TO_CLIENT, 4));

            // the client's bytes all reach the server before the echo passes 4 bytes, or some are dropped
            assertThat(exchange(relay.port(), "0123456789")).isEqualTo("0123");
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).startsWith("0123");
            CuttingRelay.Connection only = relay.connections().get(0);
            assertThat(only.wasCut()).isTrue();
            assertThat(only.serverBytes()).isEqualTo(4);
        }
    }
}
