package io.github.pipeliningsmtp.attack;

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

/** Shared set-up for the attack tests (defaults of CASES.md). */
final class AttackSupport {

    static final String SENDER = "sender@example.com";
    static final String[] D_EHLO = {"250-mail.example.com", "250-PIPELINING", "250-SIZE 10485760", "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN"};
    /** D-EHLO without SIZE, so no pre-scan of the content happens. */
    static final String[] EHLO_NO_SIZE = {"250-mail.example.com", "250-PIPELINING", "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN"};

    private AttackSupport() {
    }

    static ScriptedSmtpServer server() {
        try {
            return ScriptedSmtpServer.start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ConnectionSettings.Builder settings(ScriptedSmtpServer server) {
        return ConnectionSettings.builder("mail.example.com", server.port())
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .connectTimeout(Duration.ofSeconds(2))
                .greetingTimeout(Duration.ofSeconds(5))
                .commandTimeout(Duration.ofSeconds(5))
                .dataTimeout(Duration.ofSeconds(10))
                .ehloName("client.example.org");
    }

    static String rcpt(int n) {
        return "rcpt-" + n + "@example.net";
    }

    static OutgoingMessage message(int size, String... recipients) {
        return message(SENDER, size, recipients);
    }

    static OutgoingMessage message(String from, int size, String... recipients) {
        StringBuilder sb = new StringBuilder();
        int line = 0;
        while (sb.length() < size) {
            sb.append("line ").append(line++).append(" of the body, plain text\r\n");
        }
        String content = "From: " + SENDER + "\r\nTo: " + String.join(", ", recipients)
                + "\r\nSubject: test\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + sb;
        return new OutgoingMessage(Envelope.of(from, recipients),
                MessageContent.of(content.getBytes(StandardCharsets.UTF_8)));
    }

    static void greet(ServerSession s, String... ehloLines) throws IOException {
        s.reply("220 mail.example.com ESMTP test");
        String ehlo = s.readLine();
        if (ehlo == null || !ehlo.startsWith("EHLO")) {
            throw new IllegalStateException("expected EHLO, got " + ehlo);
        }
        s.reply(ehloLines);
    }

    static void quit(ServerSession s) throws IOException {
        String line = s.readLine();
        if (line != null && line.equals("QUIT")) {
            s.reply("221 2.0.0 Bye");
        }
        s.closeFin();
    }
}
