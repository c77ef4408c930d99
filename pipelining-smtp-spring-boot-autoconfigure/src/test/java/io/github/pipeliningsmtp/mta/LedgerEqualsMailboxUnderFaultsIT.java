package io.github.pipeliningsmtp.mta;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.mta.LedgerMessages.Kind;
import io.github.pipeliningsmtp.mta.LedgerMessages.Planned;
import io.github.pipeliningsmtp.mta.Mailbox.Stored;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.CuttingRelay;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * The ledger equals the mailbox when connections break mid-flight under concurrent sends, judged by
 * a real MTA (Postfix and Exim, each skipped when not running). Sends from many threads share
 * flights (a late joiner rides the next flight of a busy connection), so one broken connection ends
 * the transactions of several callers at once; each of them must still get the truth.
 *
 * <p><b>Cut connections</b> ({@link #cutConnections}): a {@link CuttingRelay} between the sender
 * and the MTA, over plain SMTP ({@code smtp.pipelining.tls=none}; both test MTAs offer STARTTLS but
 * do not require it), so that the byte offsets are offsets in the SMTP dialogue itself. In each of
 * {@value #ROUNDS} rounds every new connection (retries included) is, with probability 0.9, cut
 * after a seeded-random number of bytes of the client's output or of the server's output (one or
 * the other at random), within a range that grows from round to round: in the greeting and EHLO at
 * first, deep in the pipelined flights at the end. At the cut the relay stops both directions and
 * half-closes both sides. Each round sends {@value #SINGLES} messages one per call
 * ({@code sendAndReport(oneMessage)}, the path of {@code send(oneMessage)}) from {@value #THREADS}
 * threads at once and, at the same moment, one {@code sendAsync} of {@value #ASYNC} messages; pool
 * 4, with DATA (chunking off) and with BDAT (both MTAs offer CHUNKING). About one message in ten is
 * refused whole at RCPT, one in twenty at end of data, and some other recipients are at the
 * refused domain, so failed transactions sit between the cut ones.
 *
 * <p><b>Sessions the MTA ends</b> ({@link #eximEndsTheSession}, Exim only): the same concurrent
 * sends ({@value #LIMITED_ROUNDS} rounds), straight to Exim's second listener, where
 * {@code smtp_accept_max_per_connection} is 3: Exim answers the 4th MAIL FROM of every session with
 * {@code 421} and closes, in the middle of a pipelined flight. Postfix has no per-session message
 * limit, so there is no such case for it.
 *
 * <p>For every recipient of every message: the ledger is final (no PENDING or ACCEPTED); SUCCEEDED
 * ⇒ stored exactly once; FAILED ⇒ not stored; UNKNOWN ⇒ stored at most once; a recipient the MTA
 * refuses (at the refused domain, or of a message refused at RCPT or at end of data) is never
 * SUCCEEDED and never stored; every stored copy has its own message's envelope sender and body, and
 * nothing is stored that was not sent. Each call gets one ledger per message it sent, for that
 * message's own envelope; an entry error (not sent for want of a connection) only with a ledger
 * FAILED throughout whose MAIL FROM was never written. No call takes longer than
 * {@link #CALL_BOUND}. Afterwards, with the relay passing everything, one more message SUCCEEDED
 * and is stored (the pool recovered), and no connection is left borrowed. The outcome counts, by
 * status and by the command and reply code of the error, are printed per combination.
 *
 * <p>The seed is {@code -Dledger.seed=N} (random otherwise; shared with {@link LedgerEqualsMailboxIT})
 * and is printed, and in every failure, with the cut of the relay connection that carried each
 * mismatched message and the client byte at which its MAIL FROM was.
 */
@Tag("mta")
class LedgerEqualsMailboxUnderFaultsIT {

    /** Rounds with cut connections, each with its own range of cut offsets. */
    private static final int ROUNDS = 12;
    /** Rounds against Exim's limited listener (every session ends after 3 messages anyway). */
    private static final int LIMITED_ROUNDS = 4;
    private static final int THREADS = 16;
    private static final int SINGLES = 32;
    private static final int ASYNC = 8;
    private static final int POOL = 4;
    /** Upper ends of the cut offsets per round: client output, server output (bytes). */
    private static final long[] CLIENT_RANGE =
            {300, 600, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_500, 10_000};
    private static final long[] SERVER_RANGE = {250, 350, 450, 550, 650, 800, 950, 1_100, 1_300, 1_500, 1_750, 2_000};
    private static final double CUT_SHARE = 0.9;

    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final Duration GREETING = Duration.ofSeconds(3);
    private static final Duration COMMAND = Duration.ofSeconds(3);
    private static final Duration DATA = Duration.ofSeconds(5);
    private static final Duration MAX_WAIT = Duration.ofSeconds(10);
    /**
     * The longest any call may take: the pool's max-wait, then for each of the at most three
     * connections a call may use (the first and the engine's resends after a broken one) a connect,
     * a greeting, an EHLO, an envelope group, a data reply and a QUIT timeout.
     */
    static final Duration CALL_BOUND = MAX_WAIT.plus(CONNECT.plus(GREETING).plus(COMMAND.multipliedBy(3)).plus(DATA)
            .multipliedBy(3));

    private static final String REFUSED = MtaServer.REFUSED_DOMAIN;
    private static long seed;

    enum Content { DATA, BDAT }

    /** Outcome counts of one combination. */
    private static final class Counts {
        final Map<RecipientStatus, Integer> byStatus = new EnumMap<>(RecipientStatus.class);
        int unknownStored;
        int notSent;
        /** Recipients by status and the command and reply code of their error ("UNKNOWN BDAT eof"). */
        final Map<String, Integer> reasons = new java.util.TreeMap<>();
        int connections;
        int cut;
        long slowestMillis;

        @Override
        public String toString() {
            return "SUCCEEDED=" + byStatus.getOrDefault(RecipientStatus.SUCCEEDED, 0) + " FAILED="
                    + byStatus.getOrDefault(RecipientStatus.FAILED, 0) + " UNKNOWN="
                    + byStatus.getOrDefault(RecipientStatus.UNKNOWN, 0) + " (" + unknownStored + " of them stored); " + notSent
                    + " messages not sent for want of a connection; "
                    + connections + " connections (" + cut + " cut), slowest call " + slowestMillis + " ms; by reason "
                    + reasons;
        }
    }

    /** One call's result: the messages it sent, what it got back, how long it took. */
    private record Call(List<Planned> messages, SendReport report, Throwable thrown, long millis) {
    }

    @BeforeAll
    static void seed() {
        seed = LedgerMessages.seed("LedgerEqualsMailboxUnderFaultsIT");
    }

    static Stream<Arguments> combinations() {
        List<Arguments> out = new ArrayList<>();
        for (String mta : MtaServer.NAMES) {
            for (Content content : Content.values()) {
                out.add(Arguments.of(mta, content));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> eximContents() {
        return Stream.of(Arguments.of("exim", Content.DATA), Arguments.of("exim", Content.BDAT));
    }

    @ParameterizedTest(name = "{0} {1}, connections cut")
    @MethodSource("combinations")
    @Timeout(120)
    void cutConnections(String mtaName, Content content) throws Exception {
        MtaServer mta = MtaServer.get(mtaName);
        long comboSeed = seed ^ (mtaName.hashCode() * 1_000_003L + content.ordinal() * 7919L);
        try (CuttingRelay relay = new CuttingRelay(mta.port)) {
            run(mta, relay, relay.port(), ROUNDS, content, comboSeed, mtaName + " " + content + " cut", false);
        }
    }

    /** The MTA with its limited listener (every session ends after 3 messages); skipped without one. */
    private static MtaServer limitedExim(String mtaName) {
        MtaServer mta = MtaServer.get(mtaName);
        org.junit.jupiter.api.Assumptions.assumeTrue(mta.limitedPort > 0,
                "the running Exim has no limited listener (limitedPort in its state file): restart scripts/exim/start.sh");
        return mta;
    }

    @ParameterizedTest(name = "{0} {1}, 421 after 3 messages a session")
    @MethodSource("eximContents")
    @Timeout(120)
    void eximEndsTheSession(String mtaName, Content content) throws Exception {
        MtaServer mta = limitedExim(mtaName);
        long comboSeed = seed ^ (mtaName.hashCode() * 1_000_003L + content.ordinal() * 7919L + 421);
        run(mta, null, mta.limitedPort, LIMITED_ROUNDS, content, comboSeed, mtaName + " " + content + " 421 after "
                + mta.limitedMessages + " messages", false);
    }

    @ParameterizedTest(name = "{0} {1}, the pool retires each session before Exim's limit of 3 messages")
    @MethodSource("eximContents")
    @Timeout(120)
    void poolKeepsBelowTheSessionLimit(String mtaName, Content content) throws Exception {
        MtaServer mta = limitedExim(mtaName);
        long comboSeed = seed ^ (mtaName.hashCode() * 1_000_003L + content.ordinal() * 7919L + 3);
        run(mta, null, mta.limitedPort, LIMITED_ROUNDS, content, comboSeed, mtaName + " " + content
                + " max-messages-per-connection " + mta.limitedMessages, true,
                "smtp.pipelining.pool.max-messages-per-connection=" + mta.limitedMessages);
    }

    private static void run(MtaServer mta, CuttingRelay relay, int port, int rounds, Content content, long comboSeed,
                            String what, boolean sessionLimitKept, String... properties)
            throws Exception {
        String run = Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
        String label = what + " seed=" + seed + " run=" + run;
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, PipeliningSmtpAutoConfiguration.class))
                .withPropertyValues(
                        "smtp.pipelining.host=127.0.0.1",
                        "smtp.pipelining.port=" + port,
                        "smtp.pipelining.tls=none", // byte offsets in the SMTP dialogue itself
                        "smtp.pipelining.ehlo-name=client.example.org",
                        "smtp.pipelining.chunking=" + (content == Content.BDAT ? "auto" : "off"),
                        "smtp.pipelining.pool.max-connections=" + POOL,
                        "smtp.pipelining.pool.max-wait=" + MAX_WAIT.toSeconds() + "s",
                        "smtp.pipelining.connect-timeout=" + CONNECT.toSeconds() + "s",
                        "smtp.pipelining.greeting-timeout=" + GREETING.toSeconds() + "s",
                        "smtp.pipelining.command-timeout=" + COMMAND.toSeconds() + "s",
                        "smtp.pipelining.data-timeout=" + DATA.toSeconds() + "s")
                .withPropertyValues(properties)
                .run(context -> {
                    if (context.getStartupFailure() != null) {
                        throw new AssertionError(label + ": context failed", context.getStartupFailure());
                    }
                    exercise(mta, relay, context.getBean(PipelinedMailSender.class), rounds, new Random(comboSeed), run,
                            label, sessionLimitKept);
                });
    }

    private static void exercise(MtaServer mta, CuttingRelay relay, PipelinedMailSender sender, int rounds, Random rnd,
                                 String run, String label, boolean sessionLimitKept) throws Exception {
        Mailbox mailbox = new Mailbox(mta.maildir, "X-Ledger-Id: " + run + "-");
        List<Call> calls = new ArrayList<>();
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            if (relay != null) {
                Random cuts = new Random(rnd.nextLong());
                long clientRange = CLIENT_RANGE[round];
                long serverRange = SERVER_RANGE[round];
                relay.cutEach(n -> cuts.nextDouble() >= CUT_SHARE ? null : cuts.nextBoolean()
                        ? new CuttingRelay.Cut(CuttingRelay.Direction.CLIENT_TO_SERVER, (long) (cuts.nextDouble() * clientRange))
                        : new CuttingRelay.Cut(CuttingRelay.Direction.SERVER_TO_CLIENT, (long) (cuts.nextDouble() * serverRange)));
            }
            List<Planned> planned = new ArrayList<>();
            for (int i = 0; i < SINGLES + ASYNC; i++) {
                planned.add(plan(rnd, run, round, i));
            }
            calls.addAll(sendRound(sender, planned));
        }
        if (relay != null) {
            relay.passThrough();
        }
        // the pool recovers: one more message, on whatever connection the pool gives
        Planned last = new Planned(run + "-after", rounds, 0, "sender-" + run + "-after@example.com",
                List.of("r0-" + run + "-after@example.net"), Kind.NORMAL, "after the faults\n", false);
        long t = System.nanoTime();
        SendReport after = sender.sendAndReport(LedgerMessages.mime(sender, last));
        calls.add(new Call(List.of(last), after, null, (System.nanoTime() - t) / 1_000_000));
        long millis = (System.nanoTime() - start) / 1_000_000;

        List<String> mismatches = new ArrayList<>();
        Map<String, MessageLedger> ledgers = new HashMap<>();
        Counts counts = new Counts();
        for (Call call : calls) {
            checkCall(call, ledgers, counts, mismatches);
            counts.slowestMillis = Math.max(counts.slowestMillis, call.millis());
        }
        MessageLedger afterLedger = ledgers.get(last.id());
        if (afterLedger == null || afterLedger.count(RecipientStatus.SUCCEEDED) != 1) {
            mismatches.add("the message sent after the faults did not succeed (the pool did not recover): " + afterLedger);
        }
        // every file the ledger promises, then quiet for a second (late copies of UNKNOWN ones)
        Set<String> promised = new HashSet<>();
        for (Call call : calls) {
            for (Planned p : call.messages()) {
                MessageLedger l = ledgers.get(p.id());
                if (l != null) {
                    l.recipients(RecipientStatus.SUCCEEDED).forEach(r -> promised.add(p.id() + " " + r.address()));
                }
            }
        }
        mailbox.awaitKeys(promised, Duration.ofSeconds(30));
        mailbox.settle(Duration.ofSeconds(1), Duration.ofSeconds(10));
        compare(calls, ledgers, mailbox.scan(), counts, mismatches);
        if (sender.pool().active() != 0) {
            mismatches.add("connections still borrowed after every call returned: " + sender.pool().stats());
        }
        if (relay != null) {
            List<CuttingRelay.Connection> connections = relay.connections();
            counts.connections = connections.size();
            counts.cut = (int) connections.stream().filter(CuttingRelay.Connection::wasCut).count();
        }
        if (sessionLimitKept) {
            // the pool counts messages per session as Exim counts MAIL commands: no session reaches the 421
            for (Call call : calls) {
                for (Planned p : call.messages()) {
                    MessageLedger l = ledgers.get(p.id());
                    if (l != null && l.recipients().stream().anyMatch(r -> r.status() == RecipientStatus.UNKNOWN
                            || r.error().flatMap(SmtpError::reply).map(reply -> reply.code() == 421).orElse(false))) {
                        mismatches.add("msg " + p.id() + " (a call of " + call.messages().size() + "): a session reached"
                                + " the server's limit of " + mta.limitedMessages + " messages although the pool retires"
                                + " connections after as many: " + l);
                    }
                }
            }
        }
        int messages = calls.stream().mapToInt(c -> c.messages().size()).sum();
        System.out.printf(Locale.ROOT, "[LedgerEqualsMailboxUnderFaultsIT] %s: %d messages in %d calls, %d ms: %s, "
                + "%d mismatches%n", label, messages, calls.size(), millis, counts, mismatches.size());
        if (!mismatches.isEmpty()) {
            List<String> described = new ArrayList<>();
            for (String m : mismatches) {
                described.add(m + (relay == null ? "" : where(relay, m)));
            }
            Path all = Path.of("target", "ledger-mismatches-faults-" + label.replaceAll("[^A-Za-z0-9=-]+", "_") + ".txt");
            Files.createDirectories(all.getParent());
            Files.write(all, described, StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder("the ledger differs from the mailbox under faults (").append(label)
                    .append(", rerun with -Dledger.seed=").append(seed).append(", maildir ").append(mta.maildir)
                    .append("): ").append(mismatches.size()).append(" mismatches (all in ").append(all.toAbsolutePath())
                    .append("), first ").append(Math.min(20, described.size())).append(":");
            described.subList(0, Math.min(20, described.size())).forEach(m -> sb.append("\n  ").append(m));
            fail(sb.toString());
        }
        mailbox.deleteOurs();
    }

    /** One message: 1–3 recipients, some at the refused domain, a few refused whole at RCPT or at end of data. */
    private static Planned plan(Random rnd, String run, int round, int index) {
        String id = run + "-" + round + "-" + index;
        double x = rnd.nextDouble();
        Kind kind = x < 0.1 ? Kind.ALL_REFUSED : x < 0.15 ? Kind.DATA_REFUSED : Kind.NORMAL;
        int count = 1 + rnd.nextInt(3);
        List<String> recipients = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            boolean refused = kind == Kind.ALL_REFUSED || (k > 0 && rnd.nextDouble() < 0.2);
            recipients.add("r" + k + "-" + id + "@" + (refused ? REFUSED : rnd.nextBoolean() ? "example.net" : "mail.test"));
        }
        StringBuilder body = new StringBuilder("ledger message ").append(id).append('\n');
        int lines = 1 + rnd.nextInt(15);
        for (int k = 0; k < lines; k++) {
            body.append(rnd.nextInt(10) == 0 ? ".\n" : "line " + k + " " + "x".repeat(rnd.nextInt(60)) + "\n");
        }
        return new Planned(id, round, index, "sender-" + id + "@example.com", List.copyOf(recipients), kind,
                body.toString(), false);
    }

    /**
     * The round's first {@value #SINGLES} messages one per call from {@value #THREADS} threads, the
     * rest in one {@code sendAsync}, all started at once.
     */
    private static List<Call> sendRound(PipelinedMailSender sender, List<Planned> planned) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<CompletableFuture<Call>> futures = new ArrayList<>();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (Planned p : planned.subList(0, SINGLES)) {
                SMTPMessage m = LedgerMessages.mime(sender, p);
                futures.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    long t = System.nanoTime();
                    try {
                        return new Call(List.of(p), sender.sendAndReport(m), null, (System.nanoTime() - t) / 1_000_000);
                    } catch (RuntimeException e) {
                        return new Call(List.of(p), null, e, (System.nanoTime() - t) / 1_000_000);
                    }
                }, threads));
            }
            List<Planned> batch = planned.subList(SINGLES, planned.size());
            SMTPMessage[] mimes = new SMTPMessage[batch.size()];
            for (int i = 0; i < mimes.length; i++) {
                mimes[i] = LedgerMessages.mime(sender, batch.get(i));
            }
            go.countDown();
            long t = System.nanoTime();
            futures.add(sender.sendAsync(mimes).handle((r, e) -> new Call(List.copyOf(batch), r, e,
                    (System.nanoTime() - t) / 1_000_000)));
            List<Call> calls = new ArrayList<>();
            for (CompletableFuture<Call> f : futures) {
                calls.add(f.get(CALL_BOUND.toSeconds() + 30, TimeUnit.SECONDS));
            }
            return calls;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Each call got one ledger per message it sent, for that message's own envelope, all final, in time. */
    private static void checkCall(Call call, Map<String, MessageLedger> ledgers, Counts counts, List<String> out) {
        String who = "call of " + call.messages().stream().map(Planned::id).toList();
        if (call.millis() > CALL_BOUND.toMillis()) {
            out.add(who + " took " + call.millis() + " ms, more than the bound of " + CALL_BOUND.toMillis() + " ms");
        }
        if (call.thrown() != null || call.report() == null) {
            out.add(who + " threw " + call.thrown());
            return;
        }
        List<SendReport.Entry> entries = call.report().entries();
        if (entries.size() != call.messages().size()) {
            out.add(who + " got " + entries.size() + " ledgers for " + call.messages().size() + " messages");
            return;
        }
        for (int i = 0; i < entries.size(); i++) {
            Planned p = call.messages().get(i);
            SendReport.Entry e = entries.get(i);
            String where = "msg " + p.id() + " " + p.kind();
            MessageLedger l = e.ledger();
            if (l == null) {
                out.add(where + ": no ledger" + (e.error() == null ? "" : ", entry error " + e.error()));
                continue;
            }
            if (e.error() != null) {
                // not sent at all (no connection before anything of it was written): FAILED throughout
                counts.notSent++;
                if (l.started() || l.count(RecipientStatus.FAILED) != l.recipients().size()) {
                    out.add(where + ": entry error " + e.error() + " but the ledger says it was sent: " + l);
                }
            }
            if (!l.envelope().mailFrom().equals(p.sender()) || !l.envelope().recipients().equals(p.recipients())) {
                out.add(where + ": got the ledger of another envelope " + l.envelope());
                continue;
            }
            for (RecipientResult r : l.recipients()) {
                if (!r.status().isFinal()) {
                    out.add(where + " <" + r.address() + ">: left " + r.status());
                }
            }
            ledgers.put(p.id(), l);
        }
    }

    private static void compare(List<Call> calls, Map<String, MessageLedger> ledgers, List<Stored> stored, Counts counts,
                                List<String> out) {
        Map<String, List<Stored>> byKey = new HashMap<>();
        for (Stored s : stored) {
            byKey.computeIfAbsent(s.id() + " " + s.deliveredTo(), k -> new ArrayList<>()).add(s);
        }
        Set<String> known = new HashSet<>();
        for (Call call : calls) {
            for (Planned p : call.messages()) {
                MessageLedger ledger = ledgers.get(p.id());
                for (String a : p.recipients()) {
                    known.add(p.id() + " " + a);
                }
                if (ledger == null) {
                    continue; // reported by checkCall
                }
                for (RecipientResult r : ledger.recipients()) {
                    String a = r.address();
                    List<Stored> copies = byKey.getOrDefault(p.id() + " " + a, List.of());
                    counts.byStatus.merge(r.status(), 1, Integer::sum);
                    counts.reasons.merge(r.status() + r.error().map(e -> " " + e.command().split("[ :]")[0] + " "
                            + (e.code() > 0 ? e.code() : "-")).orElse(""), 1, Integer::sum);
                    String rs = "msg " + p.id() + " " + p.kind() + " <" + a + ">: ledger " + r.status()
                            + r.error().map(e -> " " + e).orElse("") + ", stored " + copies.size() + " times";
                    boolean refusedByMta = a.endsWith("@" + REFUSED) || p.kind() != Kind.NORMAL;
                    switch (r.status()) {
                        case SUCCEEDED -> {
                            if (copies.size() != 1) {
                                out.add(rs + ": SUCCEEDED must be stored exactly once");
                            }
                            if (refusedByMta) {
                                out.add(rs + ": the MTA refuses this recipient, yet SUCCEEDED");
                            }
                        }
                        case FAILED -> {
                            if (!copies.isEmpty()) {
                                out.add(rs + ": FAILED must not be stored");
                            }
                        }
                        case UNKNOWN -> {
                            if (copies.size() > 1) {
                                out.add(rs + ": UNKNOWN may be stored at most once");
                            }
                            counts.unknownStored += copies.isEmpty() ? 0 : 1;
                        }
                        default -> out.add(rs + ": not final");
                    }
                    if (refusedByMta && !copies.isEmpty()) {
                        out.add(rs + ": the MTA refuses this recipient, yet it was stored");
                    }
                    for (Stored s : copies) {
                        if (!p.sender().equals(s.returnPath())) {
                            out.add(rs + ": stored with Return-Path <" + s.returnPath() + ">, not its own ("
                                    + s.file().getFileName() + ")");
                        }
                        if (!s.body().equals(p.body())) {
                            out.add(rs + ": stored body differs (" + s.file().getFileName() + ", " + s.body().length()
                                    + " chars, expected " + p.body().length() + ")");
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, List<Stored>> e : byKey.entrySet()) {
            if (!known.contains(e.getKey())) {
                out.add("stored but never sent to that recipient: " + e.getKey());
            }
        }
    }

    /** The relay connections that carried the mismatch's message: number, cut, and where its MAIL FROM was. */
    private static String where(CuttingRelay relay, String mismatch) {
        if (!mismatch.startsWith("msg ")) {
            return "";
        }
        String id = mismatch.substring(4, mismatch.indexOf(' ', 4));
        String mailFrom = "MAIL FROM:<sender-" + id + "@example.com>";
        StringBuilder sb = new StringBuilder();
        for (CuttingRelay.Connection c : relay.connections()) {
            int at = c.clientHead().indexOf(mailFrom);
            if (at >= 0) {
                sb.append(" [connection ").append(c.number()).append(": cut ").append(c.cut())
                        .append(c.wasCut() ? " happened" : " not reached").append(", client bytes ").append(c.clientBytes())
                        .append(", server bytes ").append(c.serverBytes()).append(", its MAIL FROM at client byte ")
                        .append(at).append(']');
            }
        }
        return sb.length() == 0 ? " [its MAIL FROM on no relay connection]" : sb.toString();
    }
}
