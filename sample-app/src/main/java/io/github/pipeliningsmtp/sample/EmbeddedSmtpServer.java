package io.github.pipeliningsmtp.sample;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.pipeliningsmtp.testing.PipeliningRelay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SMTP server the sample talks to when no {@code smtp.pipelining.host} is configured: GreenMail on
 * a free loopback port (it accepts every recipient and keeps the messages in memory), behind a
 * {@link PipeliningRelay} that adds PIPELINING to its EHLO reply (GreenMail handles pipelined input but
 * does not advertise it). Clients connect to {@link #host()}:{@link #port()}, the relay.
 */
public final class EmbeddedSmtpServer implements AutoCloseable {

    private final GreenMail greenMail;
    private final PipeliningRelay relay;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedSmtpServer(GreenMail greenMail, PipeliningRelay relay) {
        this.greenMail = greenMail;
        this.relay = relay;
    }

    /** Starts GreenMail (SMTP only) on 127.0.0.1 and a free port, and the relay in front of it. */
    public static EmbeddedSmtpServer start() {
        GreenMail greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        try {
            return new EmbeddedSmtpServer(greenMail, PipeliningRelay.start("127.0.0.1", greenMail.getSmtp().getPort()));
        } catch (IOException e) {
            greenMail.stop();
            throw new UncheckedIOException("Could not start the PIPELINING relay in front of GreenMail", e);
        }
    }

    /** The host clients connect to: {@code 127.0.0.1}. */
    public String host() {
        return relay.host();
    }

    /** The port clients connect to: the relay's. */
    public int port() {
        return relay.port();
    }

    /** GreenMail's own SMTP port, behind the relay. */
    public int greenMailPort() {
        return greenMail.getSmtp().getPort();
    }

    /** The GreenMail server, to look at what it received. */
    public GreenMail greenMail() {
        return greenMail;
    }

    /** The relay, e.g. for its round-trip count. */
    public PipeliningRelay relay() {
        return relay;
    }

    /**
     * Stops the relay (closing the connections through it), then GreenMail. Only the first call does
     * anything, so a test may stop the server before the application context closes it.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            relay.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not close the PIPELINING relay", e);
        } finally {
            greenMail.stop();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedSmtpServer[relay " + host() + ":" + port() + " -> GreenMail 127.0.0.1:" + greenMailPort() + "]";
    }
}
