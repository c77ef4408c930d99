package io.github.pipeliningsmtp.benchmarks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.MailResult;
import io.vertx.ext.mail.StartTLSOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x mail client with PIPELINING on ({@link MailConfig#setPipelining}) and a pool of
 * {@code pool} connections; the whole batch is submitted at once and awaited.
 */
final class VertxContender implements Contender {

    private static Vertx vertx;

    private final int pool;

    VertxContender(int pool) {
        this.pool = pool;
    }

    static synchronized Vertx vertx() {
        if (vertx == null) {
            vertx = Vertx.vertx();
        }
        return vertx;
    }

    static synchronized void shutdown() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            vertx = null;
        }
    }

    @Override
    public String name() {
        return "Vert.x mail client pool " + pool;
    }

    @Override
    public int connections() {
        return pool;
    }

    @Override
    public Batch prepare(String host, int port, int n, List<String> recipients) {
        MailConfig config = new MailConfig()
                .setHostname(host)
                .setPort(port)
                .setStarttls(StartTLSOptions.DISABLED)
                .setLogin(LoginOption.DISABLED)
                .setPipelining(true)
                .setKeepAlive(true)
                .setMaxPoolSize(pool);
        config.setOwnHostname("localhost");
        MailClient client = MailClient.create(vertx(), config);
        List<MailMessage> messages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            messages.add(new MailMessage()
                    .setFrom(Messages.FROM)
                    .setTo(recipients)
                    .setSubject("Benchmark message " + i)
                    .setText(Messages.BODY));
        }
        return new Batch() {
            @Override
            public int send() throws Exception {
                List<Future<MailResult>> results = new ArrayList<>(n);
                for (MailMessage m : messages) {
                    results.add(client.sendMail(m));
                }
                int ok = 0;
                for (Future<MailResult> f : results) {
                    try {
                        f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
                        ok++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        // counted as not delivered
                    }
                }
                return ok;
            }

            @Override
            public void close() throws Exception {
                client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        };
    }
}
