package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import jakarta.activation.DataHandler;
import jakarta.activation.FileDataSource;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.SharedFileInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The memory check: a message with one large attachment streamed from a file (a {@link MimeBodyPart}
 * with a {@link FileDataSource}, base64) is sent by {@link PipelinedMailSender} from a separate JVM
 * with a small heap ({@link #main}), to a {@link FastSmtpSink} in this JVM that copies the content
 * to a file; the attachment is then decoded from that file and its SHA-256 compared with the file's.
 * By DATA ({@code chunking(false)}, sink without CHUNKING) or by BDAT (sink with CHUNKING); the sink
 * reports which one carried the message, and the check fails if it was not the one asked for.
 */
public final class LargeMessageCheck {

    /** What happened. */
    public record Result(boolean bdat, long bytes, int exitCode, double seconds, String sentSha, String receivedSha,
                         String sentAs) {
        /** The child succeeded, the attachment arrived intact, and by the method asked for. */
        public boolean passed() {
            return exitCode == 0 && sentSha.equals(receivedSha) && sentAs.equals(bdat ? "BDAT" : "DATA");
        }
    }

    private LargeMessageCheck() {
    }

    /** Child JVM: {@code host port file data|bdat}; exits 0 if the message was delivered. */
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        Path file = Path.of(args[2]);
        boolean bdat = args.length > 3 && args[3].equals("bdat");
        try (PipelinedMailSender sender = PipelinedContender.sender(host, port, 1, bdat)) {
            MimeMessage message = sender.createMimeMessage();
            message.setFrom(new InternetAddress(Messages.FROM));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("big@example.org"));
            message.setSubject("A large attachment");
            MimeBodyPart text = new MimeBodyPart();
            text.setText("See the attachment.", "UTF-8");
            MimeBodyPart attachment = new MimeBodyPart();
            attachment.setDataHandler(new DataHandler(new FileDataSource(file.toFile())));
            attachment.setFileName(file.getFileName().toString());
            attachment.setHeader("Content-Transfer-Encoding", "base64");
            MimeMultipart multipart = new MimeMultipart();
            multipart.addBodyPart(text);
            multipart.addBodyPart(attachment);
            message.setContent(multipart);
            SendReport report = sender.sendAndReport(message);
            System.out.println("child (max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MB): "
                    + report.summary());
            System.exit(report.allSucceeded() ? 0 : 1);
        }
    }

    /**
     * Writes a random file of {@code bytes}, sends it from a child JVM with {@code heapOption} by DATA
     * or by BDAT, checks it.
     */
    static Result runInChildJvm(long bytes, String heapOption, boolean bdat) throws Exception {
        Path dir = Files.createTempDirectory("pipelining-bench-large");
        Path file = dir.resolve("attachment.bin");
        Path received = dir.resolve("received.eml");
        try (FastSmtpSink sink = bdat ? FastSmtpSink.startWithChunking() : FastSmtpSink.start()) {
            String sentSha = writeRandom(file, bytes);
            sink.captureTo(() -> {
                try {
                    return new BufferedOutputStream(Files.newOutputStream(received), 1 << 16);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add(heapOption);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(LargeMessageCheck.class.getName());
            command.add("127.0.0.1");
            command.add(Integer.toString(sink.port()));
            command.add(file.toString());
            command.add(bdat ? "bdat" : "data");
            long t0 = System.nanoTime();
            Process child = new ProcessBuilder(command).inheritIO().start();
            if (!child.waitFor(5, TimeUnit.MINUTES)) {
                child.destroyForcibly();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            int exit = child.exitValue();
            String receivedSha = Files.exists(received) && sink.messages() == 1 ? attachmentSha(received) : null;
            String sentAs = sink.messages() != 1 ? sink.messages() + " messages"
                    : sink.bdatMessages() == 1 ? "BDAT" : "DATA";
            return new Result(bdat, bytes, exit, seconds, sentSha, receivedSha, sentAs);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(received);
            Files.deleteIfExists(dir);
        }
    }

    private static String writeRandom(Path file, long bytes) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(42);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= block.length) {
                for (int i = 0; i < block.length; i += 8) {
                    long v = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        block[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                int len = (int) Math.min(block.length, left);
                out.write(block, 0, len);
                sha.update(block, 0, len);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** SHA-256 of the decoded second body part of the message stored in {@code eml}. */
    static String attachmentSha(Path eml) throws Exception {
        try (SharedFileInputStream in = new SharedFileInputStream(eml.toFile())) {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), in);
            MimeMultipart multipart = (MimeMultipart) message.getContent();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream part = multipart.getBodyPart(1).getInputStream()) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = part.read(buffer)) >= 0) {
                    sha.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
