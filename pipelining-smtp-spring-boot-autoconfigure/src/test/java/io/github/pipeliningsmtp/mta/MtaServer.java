package io.github.pipeliningsmtp.mta;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.TlsMode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * The Postfix started by {@code scripts/mta/start.sh}, as the tests tagged {@code mta} see it: the
 * state file it writes ({@code target/mta/mta.properties} at the repository root, or the path in
 * the system property {@code mta.state}) gives the port, the test CA and the maildir. When the file
 * is absent, {@link #get()} skips the test (JUnit assumption), so a plain run never fails on them.
 *
 * <p>Postfix facts relied on: the EHLO reply advertises PIPELINING, STARTTLS (before TLS), CHUNKING,
 * SIZE, 8BITMIME, SMTPUTF8, DSN and ENHANCEDSTATUSCODES; recipients at {@code refused.test} get
 * {@code 550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table};
 * virtual(8) writes one maildir file per recipient with LF line ends, prepending
 * {@code Return-Path}, {@code X-Original-To}, {@code Delivered-To} and {@code Received} and leaving
 * our headers alone ({@code local_header_rewrite_clients} is empty); delivery lags the 250 reply by
 * a few milliseconds, so {@link #awaitDeliveries} polls with a deadline.
 */
final class MtaServer {

    /** The domain whose recipients Postfix refuses at RCPT. */
    static final String REFUSED_DOMAIN = "refused.test";
    /** Name in the server certificate (with localhost and 127.0.0.1). */
    static final String HOST = "mail.test";

    /** {@code postfix} or {@code exim}. */
    final String name;
    final int port;
    final Path caCert;
    final Path maildir;
    final Path dir;

    private MtaServer(String name, int port, Path caCert, Path maildir, Path dir) {
        this.name = name;
        this.port = port;
        this.caCert = caCert;
        this.maildir = maildir;
        this.dir = dir;
    }

    /** The running MTA, or the calling test is skipped. */
    static MtaServer get() {
        return load("postfix", stateFile(), "scripts/mta/start.sh");
    }

    /**
     * The running MTA of that name, or the calling test is skipped: {@code postfix} is {@link #get()},
     * {@code exim} reads {@code target/mta/exim.properties} at the repository root.
     */
    static MtaServer get(String name) {
        return switch (name) {
            case "postfix" -> get();
            case "exim" -> load("exim", stateFile().resolveSibling("exim.properties"), "scripts/exim/start.sh");
            default -> throw new IllegalArgumentException("unknown MTA " + name);
        };
    }

    private static MtaServer load(String name, Path state, String script) {
        Assumptions.assumeTrue(Files.isRegularFile(state),
                "no " + name + " state file at " + state + ": run " + script + " first");
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            p.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new MtaServer(name, Integer.parseInt(p.getProperty("port")), Paths.get(p.getProperty("caCert")),
                Paths.get(p.getProperty("maildir")), Paths.get(p.getProperty("dir")));
    }

    /** The running MTA, or an exception (for runners outside JUnit). */
    static MtaServer getOrFail() {
        Path state = stateFile();
        if (!Files.isRegularFile(state)) {
            throw new IllegalStateException("no MTA state file at " + state + ": run scripts/mta/start.sh first");
        }
        return get();
    }

    private static Path stateFile() {
        String explicit = System.getProperty("mta.state");
        if (explicit != null) {
            return Paths.get(explicit);
        }
        Path dir = Paths.get("").toAbsolutePath();
        // surefire runs in the module directory; the state file is at the repository root
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("target/mta/mta.properties");
            if (Files.isRegularFile(candidate) || Files.isRegularFile(d.resolve("scripts/mta/start.sh"))) {
                return candidate;
            }
        }
        return dir.resolve("target/mta/mta.properties");
    }

    /** An SSL context that trusts only the test CA. */
    SSLContext trustingTestCa() {
        try (InputStream in = Files.newInputStream(caCert)) {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("test-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the test CA " + caCert, e);
        }
    }

    /**
     * STARTTLS required, hostname verification on (the default) for {@code hostName}, which the
     * resolver maps to 127.0.0.1, the test CA as the only trust anchor.
     */
    ConnectionSettings.Builder settings(String hostName) {
        return ConnectionSettings.builder(hostName, port)
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(trustingTestCa())
                .connectTimeout(Duration.ofSeconds(5))
                .greetingTimeout(Duration.ofSeconds(10))
                .commandTimeout(Duration.ofSeconds(30))
                .dataTimeout(Duration.ofSeconds(60))
                .ehloName("client.example.org");
    }

    ConnectionSettings.Builder settings() {
        return settings(HOST);
    }

    /** Postfix's log (maillog_file), for what it counted per session. */
    Path maillog() {
        return dir.resolve("maillog");
    }

    /** One delivered copy: one file of the maildir. */
    record Delivery(Path file, String returnPath, String deliveredTo, String headers, String content) {

        /** The value of our own header (first occurrence), or null. */
        String header(String name) {
            for (String line : headers.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        /** What follows the blank line after the header section. */
        String body() {
            int i = content.indexOf("\n\n");
            return i < 0 ? "" : content.substring(i + 2);
        }
    }

    /** Every file in the maildir's new/ and cur/ whose content satisfies the filter. */
    List<Delivery> deliveries(Predicate<String> filter) throws IOException {
        List<Delivery> out = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            Path d = maildir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String content;
                    try {
                        content = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                    } catch (java.nio.file.NoSuchFileException gone) {
                        continue; // moved from new/ to cur/ meanwhile
                    }
                    if (filter.test(content)) {
                        out.add(parse(f, content));
                    }
                }
            }
        }
        return out;
    }

    private static Delivery parse(Path f, String content) {
        int end = content.indexOf("\n\n");
        String headers = end < 0 ? content : content.substring(0, end);
        String returnPath = null;
        String deliveredTo = null;
        for (String line : headers.split("\n")) {
            if (returnPath == null && line.startsWith("Return-Path: ")) {
                returnPath = line.substring(13).replaceAll("^<|>$", "");
            } else if (deliveredTo == null && line.startsWith("Delivered-To: ")) {
                deliveredTo = line.substring(14).trim();
            }
        }
        return new Delivery(f, returnPath, deliveredTo, headers, content);
    }

    /**
     * Polls the maildir until {@code expected} matching files are there (Postfix delivers a few ms
     * after its 250), then waits {@code settle} more and returns them, so that a duplicate arriving
     * late is still seen.
     */
    List<Delivery> awaitDeliveries(Predicate<String> filter, int expected, Duration deadline, Duration settle)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        List<Delivery> found = deliveries(filter);
        while (found.size() < expected && System.nanoTime() < end) {
            Thread.sleep(50);
            found = deliveries(filter);
        }
        assertThat(found.size()).as("deliveries in %s after %s", maildir, deadline).isGreaterThanOrEqualTo(expected);
        Thread.sleep(settle.toMillis());
        return deliveries(filter);
    }
}
