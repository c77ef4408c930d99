package io.github.pipeliningsmtp.mta;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.mta.LedgerMessages.Kind;
import io.github.pipeliningsmtp.mta.LedgerMessages.Planned;
import io.github.pipeliningsmtp.mta.Mailbox.Stored;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The ledger equals the mailbox: a seeded random workload is sent to a real MTA through the
 * {@link PipelinedMailSender} that the auto-configuration builds from {@code smtp.pipelining.*}
 * (STARTTLS required, host name verified, the test CA as the only trust anchor, given as a Spring
 * Boot PEM SSL bundle), and for every recipient of every message the ledger of {@code sendAndReport}
 * is compared with the maildir: SUCCEEDED ⇔ exactly one stored file with that message's
 * {@code X-Ledger-Id}, {@code Delivered-To} that recipient and {@code Return-Path} that message's own
 * envelope sender; FAILED ⇒ nothing stored; UNKNOWN never (no faults are injected). The expected
 * refusals (recipients at {@code refused.test} at RCPT with 550 5.1.1; a header
 * {@code X-Test-Refuse: data} at the end of data with 550 5.7.1) must be FAILED with that reply, and
 * no other recipient may be FAILED.
 *
 * <p>Combinations: MTA ({@code postfix}, {@code exim}; skipped when not running) × pool size (1, 4)
 * × content (DATA with chunking off, BDAT) with each batch as one call; and, with pool size 4, MTA ×
 * content × the batch's messages sent one by one from 16 threads at once, or each with
 * {@code sendAsync} (issue 14: concurrent single sends share flights; the async API). One sender per combination, five batches (the first
 * 200 messages per connection, the others 100–180), so later batches reuse pooled connections; the first two are
 * each followed by a wait (so the next batch finds its connections idle more than a second), the
 * last three go back to back. Fully refused messages are put where the engine changes state: the
 * first and last message of every 50-message flight (the default {@code max-messages-in-flight}) of
 * every connection's share of a batch, runs of consecutive ones, and the last message of every
 * share, so the next batch on that connection starts right after a failed transaction.
 *
 * <p>The seed is {@code -Dledger.seed=N} (random otherwise) and is printed, and in every failure.
 */
@Tag("mta")
class LedgerEqualsMailboxIT {

    /** The default {@code smtp.pipelining.max-messages-in-flight}: the BDAT window. */
    private static final int WINDOW = 50;
    private static final int[] WAIT_AFTER = {0, 1, 4}; // batches after which the maildir is awaited
    private static final int BATCHES = 5;
    private static final String REFUSED = MtaServer.REFUSED_DOMAIN;

    private static long seed;

    enum Content { DATA, BDAT }

    /**
     * How each batch is handed to the sender: one {@code sendAndReport} of the whole batch; every
     * message by its own {@code sendAndReport} from {@value #THREADS} threads at once (the shared
     * flights of concurrent single sends); or every message by its own {@code sendAsync}, all
     * outstanding at once.
     */
    enum Mode { BATCH, THREADS, ASYNC }

    private static final int THREADS = 16;

    @BeforeAll
    static void seed() {
        seed = LedgerMessages.seed("LedgerEqualsMailboxIT");
    }

    static Stream<Arguments> combinations() {
        List<Arguments> out = new ArrayList<>();
        for (String mta : List.of("postfix", "exim")) {
            for (int pool : new int[] {1, 4}) {
                for (Content content : Content.values()) {
                    out.add(Arguments.of(mta, pool, content, Mode.BATCH));
                }
            }
            for (Mode mode : new Mode[] {Mode.THREADS, Mode.ASYNC}) {
                for (Content content : Content.values()) {
                    out.add(Arguments.of(mta, 4, content, mode));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} pool={1} {2} {3}")
    @MethodSource("combinations")
    @Timeout(180)
    void ledgerEqualsMailbox(String mtaName, int poolSize, Content content, Mode mode) throws Exception {
        MtaServer mta = MtaServer.get(mtaName);
        // the workload depends on the seed, the MTA and the pool size only: DATA and BDAT get the same one
        long comboSeed = seed ^ (mtaName.hashCode() * 1_000_003L + poolSize * 7919L);
        String run = Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
        String label = mtaName + " pool=" + poolSize + " " + content + " " + mode + " seed=" + seed + " run=" + run;
        List<List<Planned>> workload = plan(new Random(comboSeed), run, poolSize);
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, PipeliningSmtpAutoConfiguration.class))
                .withPropertyValues(
                        "smtp.pipelining.host=127.0.0.1", // in the server certificate, next to mail.test and localhost
                        "smtp.pipelining.port=" + mta.port,
                        "smtp.pipelining.tls=starttls-required",
                        "smtp.pipelining.ssl-bundle=mta",
                        "spring.ssl.bundle.pem.mta.truststore.certificate=file:" + mta.caCert,
                        "smtp.pipelining.ehlo-name=client.example.org",
                        "smtp.pipelining.chunking=" + (content == Content.BDAT ? "auto" : "off"),
                        "smtp.pipelining.pool.max-connections=" + poolSize,
                        "smtp.pipelining.command-timeout=30s",
                        "smtp.pipelining.data-timeout=60s")
                .run(context -> {
                    if (context.getStartupFailure() != null) {
                        throw new AssertionError(label + ": context failed", context.getStartupFailure());
                    }
                    PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                    exercise(mta, sender, workload, content, mode, label, run);
                });
    }

    private static void exercise(MtaServer mta, PipelinedMailSender sender, List<List<Planned>> workload,
                                 Content content, Mode mode, String label, String run) throws Exception {
        Mailbox mailbox = new Mailbox(mta.maildir, "X-Ledger-Id: " + run + "-");
        Map<String, MessageLedger> ledgers = new HashMap<>();
        Map<String, Exception> entryErrors = new HashMap<>();
        long roundTrips = 0;
        int messages = 0;
        long start = System.nanoTime();
        List<String> perBatch = new ArrayList<>();
        Set<String> awaited = new HashSet<>();
        for (int b = 0; b < workload.size(); b++) {
            List<Planned> batch = workload.get(b);
            SMTPMessage[] mimes = new SMTPMessage[batch.size()];
            for (int i = 0; i < mimes.length; i++) {
                mimes[i] = LedgerMessages.mime(sender, batch.get(i));
            }
            SendReport report = send(sender, mimes, mode);
            roundTrips += report.roundTrips();
            messages += report.messages();
            perBatch.add(report.summary());
            for (int i = 0; i < mimes.length; i++) {
                SendReport.Entry e = report.entries().get(i);
                ledgers.put(batch.get(i).id(), e.ledger());
                if (e.error() != null) {
                    entryErrors.put(batch.get(i).id(), e.error());
                }
            }
            if (contains(WAIT_AFTER, b)) {
                // every file the ledger promises, then quiet for a second (late extra copies)
                Set<String> expected = new HashSet<>();
                for (int k = 0; k <= b; k++) {
                    for (Planned p : workload.get(k)) {
                        MessageLedger l = ledgers.get(p.id());
                        if (l != null) {
                            for (RecipientResult r : l.recipients(RecipientStatus.SUCCEEDED)) {
                                expected.add(p.id() + " " + r.address());
                            }
                        }
                    }
                }
                awaited.addAll(expected);
                mailbox.awaitKeys(awaited, Duration.ofSeconds(60));
                mailbox.settle(Duration.ofSeconds(1), Duration.ofSeconds(15));
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        List<String> mailboxMismatches = new ArrayList<>();
        List<String> ruleMismatches = new ArrayList<>();
        compare(workload, ledgers, entryErrors, mailbox.scan(), content, mailboxMismatches, ruleMismatches);
        List<String> mismatches = new ArrayList<>();
        mailboxMismatches.forEach(m -> mismatches.add("[ledger≠mailbox] " + m));
        ruleMismatches.forEach(m -> mismatches.add("[ledger≠MTA rule] " + m));
        int recipients = workload.stream().flatMap(List::stream).mapToInt(p -> p.recipients().size()).sum();
        long unknown = ledgers.values().stream().filter(l -> l != null).mapToLong(l -> l.count(RecipientStatus.UNKNOWN))
                .sum();
        long failed = ledgers.values().stream().filter(l -> l != null).mapToLong(l -> l.count(RecipientStatus.FAILED))
                .sum();
        Map<Kind, Integer> kinds = new java.util.EnumMap<>(Kind.class);
        workload.stream().flatMap(List::stream).forEach(p -> kinds.merge(p.kind(), 1, Integer::sum));
        long edges = workload.stream().flatMap(List::stream).filter(Planned::boundary).count();
        System.out.printf(Locale.ROOT, "[LedgerEqualsMailboxIT] %s: %d messages %s (%d at flight edges), "
                        + "%d recipients, %d round trips (%.3f per message), %d ms, %d stored, failed=%d unknown=%d, "
                        + "%d mismatches (%d ledger≠mailbox, %d ledger≠MTA rule)%n  batches: %s%n",
                label, messages, kinds, edges, recipients, roundTrips, (double) roundTrips / messages, millis,
                mailbox.scan().size(), failed, unknown, mismatches.size(), mailboxMismatches.size(), ruleMismatches.size(),
                String.join(" | ", perBatch));
        if (!mismatches.isEmpty()) {
            Path all = Path.of("target", "ledger-mismatches-" + label.replaceAll("[^A-Za-z0-9=-]+", "_") + ".txt");
            Files.createDirectories(all.getParent());
            Files.write(all, mismatches, StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder();
            sb.append("the ledger differs from the mailbox (").append(label).append(", rerun with -Dledger.seed=")
                    .append(seed).append(", maildir ").append(mta.maildir).append("): ").append(mismatches.size())
                    .append(" mismatches (").append(mailboxMismatches.size()).append(" ledger≠mailbox, ")
                    .append(ruleMismatches.size()).append(" ledger≠MTA rule; all in ").append(all.toAbsolutePath())
                    .append("), first ").append(Math.min(20, mismatches.size())).append(":");
            for (String m : mismatches.subList(0, Math.min(20, mismatches.size()))) {
                sb.append("\n  ").append(m);
            }
            fail(sb.toString());
        }
        mailbox.deleteOurs(); // passed: leave the maildir as it was
    }

    /** The batch as one call, or one message per call from many threads, or one {@code sendAsync} per message. */
    private static SendReport send(PipelinedMailSender sender, SMTPMessage[] mimes, Mode mode) throws Exception {
        if (mode == Mode.BATCH) {
            return sender.sendAndReport(mimes);
        }
        List<java.util.concurrent.CompletableFuture<SendReport>> calls = new ArrayList<>(mimes.length);
        java.util.concurrent.ExecutorService threads = mode == Mode.THREADS
                ? java.util.concurrent.Executors.newFixedThreadPool(THREADS) : null;
        try {
            for (SMTPMessage m : mimes) {
                calls.add(mode == Mode.ASYNC ? sender.sendAsync(m)
                        : java.util.concurrent.CompletableFuture.supplyAsync(() -> sender.sendAndReport(m), threads));
            }
            List<SendReport.Entry> entries = new ArrayList<>(mimes.length);
            long roundTrips = 0;
            for (java.util.concurrent.CompletableFuture<SendReport> call : calls) {
                SendReport one = call.get(120, java.util.concurrent.TimeUnit.SECONDS);
                entries.addAll(one.entries());
                roundTrips += one.roundTrips();
            }
            return new SendReport(entries, roundTrips);
        } finally {
            if (threads != null) {
                threads.shutdown();
            }
        }
    }

    // ---------------------------------------------------------------- workload

    /**
     * Five batches; every connection's share of a batch (the sender cuts a batch into pool-size
     * contiguous shares) is sent in flights of {@link #WINDOW} messages with BDAT.
     */
    static List<List<Planned>> plan(Random rnd, String run, int poolSize) {
        List<List<Planned>> batches = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            // the first batch gives every connection 200 messages: four BDAT flights each
            int n = b == 0 ? 200 * poolSize : 100 + rnd.nextInt(81);
            Kind[] kinds = new Kind[n];
            boolean[] boundary = new boolean[n];
            int share = (n + poolSize - 1) / poolSize;
            Set<Integer> forcedRefused = new TreeSet<>();
            for (int s = 0; s < n; s += share) {
                int end = Math.min(n, s + share);
                for (int w = s; w < end; w += WINDOW) {
                    boundary[w] = true;
                    boundary[Math.min(end, w + WINDOW) - 1] = true;
                }
                forcedRefused.add(end - 1); // the connection's next batch starts after a failed transaction
                if (b == 0) {
                    for (int offset : new int[] {0, 49, 50, 99, 149, 150, 120, 121, 122, 123, 124}) { // 120..124: a run
                        forcedRefused.add(s + offset);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                if (kinds[i] != null) {
                    continue;
                }
                double x = rnd.nextDouble();
                if (forcedRefused.contains(i)) {
                    kinds[i] = Kind.ALL_REFUSED;
                } else if (boundary[i]) {
                    kinds[i] = x < 0.5 ? Kind.ALL_REFUSED : x < 0.7 ? Kind.DATA_REFUSED : Kind.NORMAL;
                } else if (x < 0.04) {
                    int len = 2 + rnd.nextInt(5); // a run of 2..6 fully refused messages
                    for (int k = i; k < Math.min(n, i + len); k++) {
                        kinds[k] = Kind.ALL_REFUSED;
                    }
                } else {
                    kinds[i] = x < 0.12 ? Kind.ALL_REFUSED : x < 0.19 ? Kind.DATA_REFUSED : Kind.NORMAL;
                }
            }
            for (int i : forcedRefused) {
                kinds[i] = Kind.ALL_REFUSED;
            }
            List<Planned> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String id = run + "-" + b + "-" + i;
                int count = 1 + rnd.nextInt(5);
                List<String> recipients = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    String local = "r" + k + "-" + id;
                    boolean refused = kinds[i] == Kind.ALL_REFUSED || (rnd.nextDouble() < 0.15 && k > 0);
                    String domain = refused ? REFUSED : rnd.nextBoolean() ? "example.net" : "mail.test";
                    recipients.add(local + "@" + domain);
                }
                if (kinds[i] != Kind.ALL_REFUSED && rnd.nextInt(4) == 0) {
                    java.util.Collections.shuffle(recipients, rnd); // a refused one may come first
                }
                batch.add(new Planned(id, b, i, "sender-" + id + "@example.com", List.copyOf(recipients), kinds[i],
                        body(rnd, id), boundary[i]));
            }
            batches.add(batch);
        }
        return batches;
    }

    /** Short text, sometimes with dot lines, one in 30 over the 128 KB chunk size (several BDAT chunks). */
    private static String body(Random rnd, String id) {
        StringBuilder sb = new StringBuilder("ledger message ").append(id).append('\n');
        int lines = rnd.nextInt(30) == 0 ? 2_000 + rnd.nextInt(500) : 1 + rnd.nextInt(20);
        for (int k = 0; k < lines; k++) {
            int r = rnd.nextInt(20);
            if (r == 0) {
                sb.append(".\n");
            } else if (r == 1) {
                sb.append("..dot line ").append(k).append('\n');
            } else {
                sb.append("line ").append(k).append(' ').append("x".repeat(rnd.nextInt(70))).append('\n');
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- comparison

    /**
     * Fills {@code out} with what the ledger says that the mailbox contradicts (and UNKNOWN outcomes),
     * {@code rules} with what the ledger says that the MTA's configured refusals contradict.
     */
    private static void compare(List<List<Planned>> workload, Map<String, MessageLedger> ledgers,
                                Map<String, Exception> entryErrors, List<Stored> stored, Content content,
                                List<String> out, List<String> rules) {
        Map<String, List<Stored>> byKey = new HashMap<>();
        for (Stored s : stored) {
            byKey.computeIfAbsent(s.id() + " " + s.deliveredTo(), k -> new ArrayList<>()).add(s);
        }
        Set<String> known = new HashSet<>();
        for (List<Planned> batch : workload) {
            for (Planned p : batch) {
                String where = "msg " + p.id() + " [batch " + p.batch() + " #" + p.index() + (p.boundary() ? " flight edge" : "")
                        + " " + p.kind() + "]";
                if (entryErrors.containsKey(p.id())) {
                    out.add(where + ": entry error " + entryErrors.get(p.id()));
                }
                MessageLedger ledger = ledgers.get(p.id());
                if (ledger == null) {
                    out.add(where + ": no ledger");
                    continue;
                }
                Map<String, RecipientResult> results = new LinkedHashMap<>();
                for (RecipientResult r : ledger.recipients()) {
                    results.put(r.address(), r);
                }
                boolean anyAcceptedExpected = p.recipients().stream().anyMatch(a -> !a.endsWith("@" + REFUSED));
                for (String a : p.recipients()) {
                    String key = p.id() + " " + a;
                    known.add(key);
                    List<Stored> copies = byKey.getOrDefault(key, List.of());
                    RecipientResult r = results.get(a);
                    if (r == null) {
                        out.add(where + " <" + a + ">: not in the ledger " + ledger);
                        continue;
                    }
                    String rs = where + " <" + a + ">: ledger " + r.status() + r.error().map(e -> " " + e).orElse("");
                    // the ledger against the mailbox
                    switch (r.status()) {
                        case SUCCEEDED -> {
                            if (copies.size() != 1) {
                                out.add(rs + " but stored " + copies.size() + " times" + files(copies));
                            }
                        }
                        case FAILED -> {
                            if (!copies.isEmpty()) {
                                out.add(rs + " but stored " + copies.size() + " times" + files(copies));
                            }
                        }
                        default -> out.add(rs + " (stored " + copies.size() + " times): no outcome may be UNKNOWN");
                    }
                    for (Stored s : copies) {
                        if (!p.sender().equals(s.returnPath())) {
                            out.add(where + " <" + a + ">: stored with Return-Path <" + s.returnPath() + ">, not <"
                                    + p.sender() + "> (" + s.file().getFileName() + ")");
                        }
                        if (!s.body().equals(p.body())) {
                            out.add(where + " <" + a + ">: stored body differs (" + s.file().getFileName() + ", "
                                    + s.body().length() + " chars, expected " + p.body().length() + ")");
                        }
                        if (!s.headers().toLowerCase(Locale.ROOT).contains("esmtps")) {
                            out.add(where + " <" + a + ">: Received does not say ESMTPS (not over TLS?) "
                                    + s.file().getFileName());
                        }
                    }
                    // the ledger against what the MTA is configured to do (UNKNOWN is reported above)
                    if (r.status() == RecipientStatus.UNKNOWN) {
                        continue;
                    } else if (a.endsWith("@" + REFUSED)) {
                        expectError(rules, rs, r, "RCPT TO:<" + a + ">", "5.1.1");
                    } else if (p.kind() == Kind.DATA_REFUSED && anyAcceptedExpected) {
                        expectError(rules, rs, r, content == Content.BDAT ? "BDAT" : "DATA (end of data)", "5.7.1");
                    } else if (r.status() != RecipientStatus.SUCCEEDED) {
                        rules.add(rs + ": expected SUCCEEDED");
                    }
                }
            }
        }
        for (Map.Entry<String, List<Stored>> e : byKey.entrySet()) {
            if (!known.contains(e.getKey())) {
                out.add("stored but never sent to that recipient: " + e.getKey() + files(e.getValue()));
            }
        }
    }

    private static void expectError(List<String> out, String rs, RecipientResult r, String command, String enhanced) {
        SmtpError e = r.error().orElse(null);
        if (r.status() != RecipientStatus.FAILED || e == null) {
            out.add(rs + ": expected FAILED by " + command + " 550 " + enhanced);
        } else if (e.code() != 550 || !e.enhancedStatusCode().orElse("").equals(enhanced)
                || !e.command().startsWith(command)) {
            out.add(rs + ": expected the refusal of " + command + " 550 " + enhanced);
        }
    }

    private static String files(List<Stored> copies) {
        if (copies.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" (");
        for (Stored s : copies) {
            sb.append(sb.length() > 2 ? ", " : "").append(s.file().getFileName());
        }
        return sb.append(')').toString();
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
