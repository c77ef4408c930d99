package io.github.pipeliningsmtp.test;

import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The conversation of a {@link TestSmtpServer}: a {@link StandardSession} whose replies consult the
 * server's refusals, with AUTH that takes any credentials. Keeps, per connection, the envelope of the
 * transaction in progress (sender, accepted recipients, chunks) so that a refusal can select by it.
 * Each connection's replies are computed on that connection's thread; the rules are shared and
 * thread-safe.
 */
final class RefusingConversation {

    static final String HOST_NAME = "localhost";

    /** A refusal and how many times it was given. */
    private record Rule(Refusal refusal, AtomicInteger given) {
    }

    /** The transaction in progress on one connection. */
    private static final class Transaction {
        final String sender;
        final List<String> accepted = new ArrayList<>();
        int chunks;

        Transaction(String sender) {
            this.sender = sender;
        }
    }

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<Integer, Transaction> transactions = new ConcurrentHashMap<>();

    void add(Refusal refusal) {
        rules.add(new Rule(refusal, new AtomicInteger()));
    }

    void clear() {
        rules.clear();
    }

    StandardSession session(List<String> ehloReply, boolean pipelining, boolean chunking) {
        return StandardSession.builder()
                .greeting("220 " + HOST_NAME + " ESMTP pipelining-smtp-test")
                .ehloReply(ehloReply.toArray(String[]::new))
                .heloReply("250 " + HOST_NAME)
                .noPipelining(!pipelining)
                .chunking(chunking)
                .commandHook(this::onCommand)
                .mailReply(this::mail)
                .rcptReply(this::rcpt)
                .dataReply(this::data)
                .bdatReply(this::bdat)
                .endOfDataReply(this::endOfData)
                .build();
    }

    private List<String> onCommand(ServerSession session, String line) throws Exception {
        String verb = verb(line);
        switch (verb) {
            case "RSET", "EHLO", "HELO", "QUIT" -> transactions.remove(session.connectionIndex());
            case "AUTH" -> {
                AnyCredentials.authenticate(session, line);
                return List.of();
            }
            default -> {
                // handled by the standard session
            }
        }
        return null;
    }

    private List<String> mail(ServerSession session, String sender) {
        Refusal refusal = take(Stage.MAIL_FROM, sender, List.of());
        if (refusal != null) {
            return List.of(refusal.replyLine());
        }
        transactions.put(session.connectionIndex(), new Transaction(sender));
        return null;
    }

    private List<String> rcpt(ServerSession session, String address) {
        Transaction t = transactions.get(session.connectionIndex());
        Refusal refusal = take(Stage.RCPT_TO, t == null ? null : t.sender, List.of(address));
        if (refusal != null) {
            return List.of(refusal.replyLine());
        }
        if (t != null) {
            t.accepted.add(address);
        }
        return null;
    }

    private List<String> data(ServerSession session, String line) {
        Transaction t = transactions.get(session.connectionIndex());
        Refusal refusal = t == null ? null : take(Stage.DATA, t.sender, t.accepted);
        return refusal == null ? null : List.of(refusal.replyLine());
    }

    /** Only the first chunk may get a DATA refusal; a LAST chunk without one goes on to {@link #endOfData}. */
    private List<String> bdat(ServerSession session, String line) {
        Transaction t = transactions.get(session.connectionIndex());
        if (t == null || ++t.chunks > 1) {
            return null;
        }
        Refusal refusal = take(Stage.DATA, t.sender, t.accepted);
        if (refusal == null) {
            return null;
        }
        transactions.remove(session.connectionIndex()); // a refused chunk ends the transaction
        return List.of(refusal.replyLine());
    }

    private List<String> endOfData(ServerSession session, String content) {
        Transaction t = transactions.remove(session.connectionIndex()); // ends the transaction whatever the reply
        Refusal refusal = t == null ? null : take(Stage.END_OF_DATA, t.sender, t.accepted);
        return refusal == null ? null : List.of(refusal.replyLine());
    }

    /** The first rule for this stage that selects the transaction and is not spent, counted as given. */
    private Refusal take(Stage stage, String sender, List<String> recipients) {
        for (Rule rule : rules) {
            Refusal r = rule.refusal();
            if (r.stage() != stage || !r.selects(sender, recipients)) {
                continue;
            }
            if (r.times() == 0 || rule.given().incrementAndGet() <= r.times()) {
                return r;
            }
        }
        return null;
    }

    static String verb(String line) {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
    }
}
