package io.github.pipeliningsmtp.testkit;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one shared set-up of the client tests (core's, and the auto-configuration module's through
 * core's test-jar): the default client settings against a scripted server on 127.0.0.1 that the
 * client knows as mail.example.com, the default EHLO replies, messages, recipients, and the
 * greeting / QUIT steps of a scripted session.
 */
public final class ClientFixtures {

    public static final String HOST = "mail.example.com";
    public static final String SENDER = "sender@example.com";
    public static final String[] D_EHLO = {"250-mail.example.com", "250-PIPELINING", "250-SIZE 10485760", "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN"};
    public static final String[] D_EHLO_NO_PIPELINING = {"250-mail.example.com", "250-SIZE 10485760", "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN"};
    /** D-EHLO without SIZE, so no pre-scan of the content happens. */
    public static final String[] EHLO_NO_SIZE = {"250-mail.example.com", "250-PIPELINING", "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN"};

    private ClientFixtures() {
    }

    /**
     * After a test: the client closed every connection, every script ended without an unexpected
     * error, then the server is closed.
     */
    public static void closeCleanly(ScriptedSmtpServer server) throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        org.assertj.core.api.Assertions.assertThat(server.scriptErrors()).isEmpty();
        server.close();
    }

    /** A scripted server with the default (normal) session. */
    public static ScriptedSmtpServer server() {
        try {
            return ScriptedSmtpServer.start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The test resolver: mail.example.com is 127.0.0.1. Timeouts: connect 2 s, command 5 s, end of data 10 s. */
    public static ConnectionSettings.Builder settings(ScriptedSmtpServer server) {
        return settings(server.port());
    }

    public static ConnectionSettings.Builder settings(int port) {
        return ConnectionSettings.builder(HOST, port)
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .connectTimeout(Duration.ofSeconds(2))
                .greetingTimeout(Duration.ofSeconds(5))
                .commandTimeout(Duration.ofSeconds(5))
                .dataTimeout(Duration.ofSeconds(10))
                .ehloName("client.example.org");
    }

    public static String rcpt(int n) {
        return "rcpt-" + n + "@example.net";
    }

    /** A text/plain message of about {@code size} octets to the recipients. */
    public static OutgoingMessage message(int size, String... recipients) {
        return message(body(size), recipients);
    }

    public static OutgoingMessage message(String body, String... recipients) {
        return messageFrom(SENDER, body, recipients);
    }

    /**
     * A text/plain message of about {@code size} octets whose envelope sender is {@code from} (the
     * From header stays {@link #SENDER}); {@code ""} is the null reverse-path.
     */
    public static OutgoingMessage message(String from, int size, String... recipients) {
        return messageFrom(from, body(size), recipients);
    }

    private static OutgoingMessage messageFrom(String from, String body, String... recipients) {
        // To folded after each address: a header line stays under 998 octets (RFC 5322 §2.1.1, §2.2.3)
        String content = "From: " + SENDER + "\r\nTo: " + String.join(",\r\n ", recipients)
                + "\r\nSubject: test\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body;
        return new OutgoingMessage(Envelope.of(from, recipients),
                MessageContent.of(content.getBytes(StandardCharsets.UTF_8)));
    }

    public static String body(int size) {
        StringBuilder sb = new StringBuilder();
        int line = 0;
        while (sb.length() < size) {
            sb.append("line ").append(line++).append(" of the body, plain text\r\n");
        }
        return sb.toString();
    }

    /** Greeting, then EHLO answered with the given lines. */
    public static void greet(ServerSession s, String... ehloLines) throws IOException {
        s.reply("220 mail.example.com ESMTP test");
        String ehlo = s.readLine();
        if (ehlo == null || !ehlo.startsWith("EHLO")) {
            throw new IllegalStateException("expected EHLO, got " + ehlo);
        }
        s.reply(ehloLines);
    }

    /** Answers QUIT if it comes, then ends the session. */
    public static void quit(ServerSession s) throws IOException {
        String line = s.readLine();
        if (line != null && line.equals("QUIT")) {
            s.reply("221 2.0.0 Bye");
        }
        s.closeFin();
    }

    public static List<String> rcpts(int from, int to) {
        List<String> list = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            list.add(rcpt(i));
        }
        return list;
    }

    public static String[] array(List<String> list) {
        return list.toArray(new String[0]);
    }

    public static List<String> lines(String... lines) {
        return Arrays.asList(lines);
    }
}
