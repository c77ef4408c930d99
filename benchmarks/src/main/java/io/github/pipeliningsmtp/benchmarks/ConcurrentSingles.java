package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * The concurrent-singles scenario (issue 14): {@code threads} application threads each calling
 * {@code send(oneMessage)} until the batch is used up, as request handlers do, on one shared client.
 * The kinds: Spring's {@code JavaMailSenderImpl} (a new connection per send, so up to
 * {@code threads} at once), the Vert.x mail client pool 4 (each thread awaits its own
 * {@code sendMail}), and {@code PipelinedMailSender} pool 4 by DATA and by BDAT
 * ({@code JavaMailSender.send(MimeMessage)}).
 *
 * <p>The warm kinds: the same sender with {@code pool.min-idle} 4, whose 4 sessions are opened
 * ({@code SmtpConnectionPool.warmUp}) while the batch is prepared, before the clock starts: what an
 * application's pool holds once it has started; measured with 16 threads only.
 *
 * <p>The async kinds: one thread calls {@code PipelinedMailSender.sendAsync(oneMessage)} for every
 * message, then awaits the futures (the {@code threads} count does not apply to them).
 */
final class ConcurrentSingles implements Contender {

    /** Which client. */
    enum Kind {
        SPRING("JavaMailSenderImpl (connection per send)", false),
        VERTX4("Vert.x mail client pool 4", false),
        OURS_DATA4("PipelinedMailSender pool 4 DATA", false),
        OURS_BDAT4("PipelinedMailSender pool 4 BDAT", true),
        ASYNC_DATA4("PipelinedMailSender.sendAsync pool 4 DATA", false, true),
        ASYNC_BDAT4("PipelinedMailSender.sendAsync pool 4 BDAT", true, true),
        /** Warm: {@code pool.min-idle} 4, the 4 sessions opened (warmUp) before the clock starts. */
        WARM_DATA4("PipelinedMailSender pool 4 DATA, min-idle 4 (warm)", false, false, true),
        WARM_BDAT4("PipelinedMailSender pool 4 BDAT, min-idle 4 (warm)", true, false, true);

        final String label;
        final boolean bdat;
        final boolean async;
        final boolean warm;

        Kind(String label, boolean bdat) {
            this(label, bdat, false);
        }

        Kind(String label, boolean bdat, boolean async) {
            this(label, bdat, async, false);
        }

        Kind(String label, boolean bdat, boolean async, boolean warm) {
            this.label = label;
            this.bdat = bdat;
            this.async = async;
            this.warm = warm;
        }
    }

    static final int MESSAGES = 160;

    private final Kind kind;
    private final int threads;

    ConcurrentSingles(Kind kind, int threads) {
        this.kind = kind;
        this.threads = threads;
    }

    @Override
    public String name() {
        return kind.async ? kind.label + ", 1 submitting thread" : kind.label + ", " + threads + " threads";
    }

    Kind kind() {
        return kind;
    }

    int threads() {
        return threads;
    }

    @Override
    public int connections() {
        return kind == Kind.SPRING ? threads : 4;
    }

    @Override
    public boolean chunking() {
        return kind.bdat;
    }

    @Override
    public int minMessages(boolean quick) {
        // the warm rows carry the sink targets, which 40 messages cannot meet: full size in a quick run too
        return quick && !kind.warm ? MESSAGES / 4 : MESSAGES;
    }

    @Override
    public int maxMessages() {
        return MESSAGES;
    }

    @Override
    public int probeMessages(int rttMillis) {
        return threads;
    }

    /** One send per message on one connection of {@code connections()}: ⌈N/c⌉ round trips plus set-up. */
    @Override
    public double limitSeconds(int n, int rttMillis) {
        return ((n + connections() - 1) / connections() + 2) * rttMillis / 1000.0;
    }

    @Override
    public Batch prepare(String host, int port, int n, List<String> recipients) throws Exception {
        IntPredicate sendOne;
        AutoCloseable close;
        switch (kind) {
            case SPRING -> {
                JavaMailSenderImpl sender = SpringContender.sender(host, port);
                MimeMessage[] messages = new MimeMessage[n];
                for (int i = 0; i < n; i++) {
                    messages[i] = Messages.fill(sender.createMimeMessage(), i, recipients);
                }
                sendOne = i -> {
                    sender.send(messages[i]);
                    return true;
                };
                close = () -> { };
            }
            case VERTX4 -> {
                MailConfig config = new MailConfig().setHostname(host).setPort(port)
                        .setStarttls(StartTLSOptions.DISABLED).setLogin(LoginOption.DISABLED)
                        .setPipelining(true).setKeepAlive(true).setMaxPoolSize(4);
                config.setOwnHostname("localhost");
                MailClient client = MailClient.create(VertxContender.vertx(), config);
                List<MailMessage> messages = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    messages.add(new MailMessage().setFrom(Messages.FROM).setTo(recipients)
                            .setSubject("Benchmark message " + i).setText(Messages.BODY));
                }
                sendOne = i -> {
                    try {
                        client.sendMail(messages.get(i)).toCompletionStage().toCompletableFuture()
                                .get(10, TimeUnit.MINUTES);
                        return true;
                    } catch (Exception e) {
                        return false;
                    }
                };
                close = () -> client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            default -> {
                PipelinedMailSender sender = PipelinedContender.sender(host, port, 4, kind.bdat, kind.warm ? 4 : 0);
                if (kind.warm) {
                    sender.pool().warmUp(); // before the clock: what an application's pool holds after startup
                }
                MimeMessage[] messages = new MimeMessage[n];
                for (int i = 0; i < n; i++) {
                    messages[i] = Messages.fill(sender.createMimeMessage(), i, recipients);
                }
                sendOne = i -> {
                    sender.send(messages[i]);
                    return true;
                };
                close = sender::close;
                if (kind.async) {
                    return asyncBatch(sender, messages);
                }
            }
        }
        IntPredicate send = sendOne;
        return new Batch() {
            @Override
            public int send() throws Exception {
                AtomicInteger next = new AtomicInteger();
                AtomicInteger delivered = new AtomicInteger();
                List<Thread> workers = new ArrayList<>(threads);
                for (int t = 0; t < threads; t++) {
                    Thread w = new Thread(() -> {
                        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                            try {
                                if (send.test(i)) {
                                    delivered.incrementAndGet();
                                }
                            } catch (RuntimeException e) {
                                // counted as not delivered
                            }
                        }
                    }, "bench-sender-" + t);
                    workers.add(w);
                    w.start();
                }
                for (Thread w : workers) {
                    w.join(TimeUnit.MINUTES.toMillis(10));
                }
                return delivered.get();
            }

            @Override
            public void close() throws Exception {
                close.close();
            }
        };
    }

    /** Every message submitted by this thread with sendAsync, then the futures awaited. */
    private static Batch asyncBatch(PipelinedMailSender sender, MimeMessage[] messages) {
        return new Batch() {
            @Override
            public int send() throws Exception {
                List<java.util.concurrent.CompletableFuture<io.github.pipeliningsmtp.client.SendReport>> futures =
                        new ArrayList<>(messages.length);
                for (MimeMessage m : messages) {
                    futures.add(sender.sendAsync(m));
                }
                int delivered = 0;
                for (var f : futures) {
                    try {
                        delivered += f.get(10, TimeUnit.MINUTES).succeeded() > 0 ? 1 : 0;
                    } catch (java.util.concurrent.ExecutionException e) {
                        // counted as not delivered
                    }
                }
                return delivered;
            }

            @Override
            public void close() {
                sender.close();
            }
        };
    }
}
