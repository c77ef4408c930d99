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
 * A private MTA of the interoperability tests (tagged {@code mta}), as they see it: the Postfix
 * started by {@code scripts/mta/start.sh} ({@link #get()}, {@code get("postfix")}) or the Exim
 * started by {@code scripts/exim/start.sh} ({@code get("exim")}). Each start script writes a state
 * file at the repository root ({@code target/mta/mta.properties} for Postfix, or the path in the
 * system property {@code mta.state}; {@code target/mta/exim.properties} for Exim, or the path in
 * {@code mta.state.exim}) giving the port, the test CA and the maildir. When the file is absent,
 * {@link #get(String)} skips the test (JUnit assumption), so a plain run never fails on them;
 * {@link #running()} names the MTAs whose state files exist. Both MTAs listen on 127.0.0.1 with a
 * certificate for {@code mail.test}, localhost and 127.0.0.1 from their own test CA, deliver
 * {@code example.net} and {@code mail.test} into one maildir ({@link #maildir}{@code /new}, one file
 * per recipient, LF line ends), refuse every recipient at {@code refused.test} at RCPT, and refuse at
 * end of data (after DATA's dot and after {@code BDAT ... LAST}) any message with a header line
 * {@code X-Test-Refuse: data}, with {@code 550 5.7.1 refused at end of data by test rule}.
 *
 * <p>Postfix facts relied on: the EHLO reply advertises PIPELINING, STARTTLS (before TLS), CHUNKING,
 * SIZE, 8BITMIME, SMTPUTF8, DSN and ENHANCEDSTATUSCODES; recipients at {@code refused.test} get
 * {@code 550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table};
 * virtual(8) writes one maildir file per recipient with LF line ends, prepending
 * {@code Return-Path}, {@code X-Original-To}, {@code Delivered-To} and {@code Received} and leaving
 * our headers alone ({@code local_header_rewrite_clients} is empty); delivery lags the 250 reply by
 * a few milliseconds, so {@link #awaitDeliveries} polls with a deadline.
 *
 * <p>Exim facts relied on (Debian 12's 4.96, {@code exim4-daemon-light}): the EHLO reply advertises
 * SIZE, 8BITMIME, DSN, PIPELINING, PIPECONNECT, CHUNKING, STARTTLS (before TLS), SMTPUTF8 and HELP,
 * but not ENHANCEDSTATUSCODES, so only the refusals written in its config carry an enhanced code:
 * recipients at {@code refused.test} get {@code 550 5.1.1 <addr>: User unknown}, other domains
 * {@code 550 5.7.1 <addr>: Relay access denied}; positive replies are bare ({@code 250 OK},
 * {@code 250 Accepted}). RSET answers {@code 250 Reset OK}. After a transaction whose every RCPT
 * was refused, Exim answers the DATA or BDAT with a multi-line 503
 * ({@code 503-All RCPT commands were rejected with this error:} ...
 * {@code 503 Valid RCPT command must precede DATA} (or {@code BDAT}); a refused BDAT's chunk is
 * read and dropped) and KEEPS the transaction's sender: a following MAIL FROM without RSET gets
 * {@code 503 sender already given}, and the RCPTs and data after it are accepted into the kept
 * transaction, delivered with the first sender as Return-path. A BDAT chunk that is not the last
 * gets {@code 250 <n> byte chunk received}; an accepted {@code BDAT <n> LAST} gets one two-line
 * reply, {@code 250- <n> byte chunk, total <t>} / {@code 250 OK id=<queue id>}. Its appendfile
 * transport writes one file per recipient, prepending {@code Return-path} (lower-case p: headers
 * are matched case-insensitively here), {@code Envelope-to} and {@code Received}, and appending
 * {@code Delivered-To} after our headers; it adds no Date or Message-ID. Each message is delivered
 * by a process forked at once, a few milliseconds after the 250. The log is {@code log/mainlog}.
 */
final class MtaServer {

    /** The domain whose recipients both MTAs refuse at RCPT. */
    static final String REFUSED_DOMAIN = "refused.test";
    /** Name in the server certificate (with localhost and 127.0.0.1). */
    static final String HOST = "mail.test";
    /** The MTAs there are start scripts for, in this order; the names {@link #get(String)} takes. */
    static final List<String> NAMES = List.of("postfix", "exim");

    /** {@code postfix} or {@code exim}. */
    final String name;
    final int port;
    final Path caCert;
    final Path maildir;
    final Path dir;
    /**
     * Exim only (0 otherwise): a second listener of the same Exim where it takes
     * {@link #limitedMessages} messages per session, then answers the next MAIL FROM with
     * {@code 421 too many messages in this connection} and closes ({@code smtp_accept_max_per_connection}).
     */
    final int limitedPort;
    /** Messages per session on {@link #limitedPort}. */
    final int limitedMessages;

    private MtaServer(String name, int port, Path caCert, Path maildir, Path dir, int limitedPort,
                      int limitedMessages) {
        this.name = name;
        this.port = port;
        this.limitedPort = limitedPort;
        this.limitedMessages = limitedMessages;
        this.caCert = caCert;
        this.maildir = maildir;
        this.dir = dir;
    }

    /** The running Postfix, or the calling test is skipped. */
    static MtaServer get() {
        return get("postfix");
    }

    /**
     * The running MTA of that name ({@code postfix} or {@code exim}), or the calling test is skipped.
     */
    static MtaServer get(String name) {
        Path state = stateFile(name);
        Assumptions.assumeTrue(Files.isRegularFile(state),
                "no " + name + " state file at " + state + ": run " + startScript(name) + " first");
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            p.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new MtaServer(name, Integer.parseInt(p.getProperty("port")), Paths.get(p.getProperty("caCert")),
                Paths.get(p.getProperty("maildir")), Paths.get(p.getProperty("dir")),
                number(p, "limitedPort"), number(p, "limitedMessages"));
    }

    /** An optional number of the state file: 0 when absent or empty (a state file of an older start script). */
    private static int number(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() ? 0 : Integer.parseInt(v);
    }

    /** The names of the MTAs whose state files exist (started, as far as the tests can tell). */
    static List<String> running() {
        List<String> names = new ArrayList<>();
        for (String name : NAMES) {
            if (Files.isRegularFile(stateFile(name))) {
                names.add(name);
            }
        }
        return names;
    }

    /** The running Postfix, or an exception (for runners outside JUnit). */
    static MtaServer getOrFail() {
        Path state = stateFile("postfix");
        if (!Files.isRegularFile(state)) {
            throw new IllegalStateException("no MTA state file at " + state + ": run scripts/mta/start.sh first");
        }
        return get();
    }

    private static String startScript(String name) {
        return name.equals("postfix") ? "scripts/mta/start.sh" : "scripts/" + name + "/start.sh";
    }

    private static Path stateFile(String name) {
        String file;
        String property;
        switch (name) {
            case "postfix" -> {
                file = "target/mta/mta.properties";
                property = "mta.state";
            }
            case "exim" -> {
                file = "target/mta/exim.properties";
                property = "mta.state.exim";
            }
            default -> throw new IllegalArgumentException("no MTA named " + name + "; known: " + NAMES);
        }
        String explicit = System.getProperty(property);
        if (explicit != null) {
            return Paths.get(explicit);
        }
        Path dir = Paths.get("").toAbsolutePath();
        // surefire and failsafe run in the module directory; the state file is at the repository root
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve(file);
            if (Files.isRegularFile(candidate) || Files.isRegularFile(d.resolve("scripts/mta/start.sh"))) {
                return candidate;
            }
        }
        return dir.resolve(file);
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

    /** The MTA's log, for what it counted per session: Postfix's maillog_file, Exim's mainlog. */
    Path maillog() {
        return name.equals("exim") ? dir.resolve("log/mainlog") : dir.resolve("maillog");
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
            // Postfix writes "Return-Path: ", Exim "Return-path: "
            if (returnPath == null && line.regionMatches(true, 0, "Return-Path: ", 0, 13)) {
                returnPath = line.substring(13).trim().replaceAll("^<|>$", "");
            } else if (deliveredTo == null && line.regionMatches(true, 0, "Delivered-To: ", 0, 14)) {
                deliveredTo = line.substring(14).trim();
            }
        }
        return new Delivery(f, returnPath, deliveredTo, headers, content);
    }

    /**
     * Polls the maildir until {@code expected} matching files are there (both MTAs deliver a few ms
     * after their 250), then waits {@code settle} more and returns them, so that a duplicate arriving
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
