package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends a chunk of messages on one pooled connection, and once more on a new connection those of
 * them that certainly never reached the server:
 * <ul>
 *   <li>messages whose MAIL FROM was never written because the connection ended first;</li>
 *   <li>on a reused connection that the server had dropped while idle (its first command got EOF,
 *       a reset, 421 or 451 and the connection ended), the first message too: nothing of it was
 *       accepted (RFC 5321 §4.1.4 and §3.8; case C08).</li>
 * </ul>
 * Nothing whose content may have reached the server is ever sent again. Thread-safe.
 */
public final class PooledDelivery {

    private final SmtpConnectionPool pool;

    /** @param pool where connections come from */
    public PooledDelivery(SmtpConnectionPool pool) {
        this.pool = pool;
    }

    /** The pool. */
    public SmtpConnectionPool pool() {
        return pool;
    }

    /** The result of one delivery: a ledger per message, in order, and the round trips spent. */
    public record Result(List<MessageLedger> ledgers, long roundTrips) {
    }

    /**
     * Sends the messages, in order, on one connection (plus one retry as described above).
     *
     * @throws IOException when no connection can be had (borrow timeout, connect, TLS or AUTH
     *                     failure); nothing was sent then
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was sent
     */
    public Result deliver(List<OutgoingMessage> messages, DeliveryPolicy policy) throws IOException {
        Attempt first = attempt(messages, policy);
        List<MessageLedger> ledgers = new ArrayList<>(first.ledgers);
        if (!first.broken) {
            return new Result(ledgers, first.roundTrips);
        }
        List<Integer> retry = new ArrayList<>();
        for (int i = 0; i < ledgers.size(); i++) {
            MessageLedger l = ledgers.get(i);
            boolean untouched = !l.started() && !isLocal(l);
            boolean stale = i == 0 && first.reused && droppedWhileIdle(l);
            if (untouched || stale) {
                retry.add(i);
            }
        }
        if (retry.isEmpty()) {
            return new Result(ledgers, first.roundTrips);
        }
        if (first.reused) {
            pool.clearIdle();
        }
        List<OutgoingMessage> again = retry.stream().map(messages::get).toList();
        Attempt second;
        try {
            second = attempt(again, policy);
        } catch (IOException e) {
            return new Result(ledgers, first.roundTrips);
        }
        for (int k = 0; k < retry.size(); k++) {
            ledgers.set(retry.get(k), second.ledgers.get(k));
        }
        return new Result(ledgers, first.roundTrips + second.roundTrips);
    }

    private record Attempt(List<MessageLedger> ledgers, boolean reused, boolean broken, long roundTrips) {
    }

    private Attempt attempt(List<OutgoingMessage> messages, DeliveryPolicy policy) throws IOException {
        SmtpConnection connection = pool.borrow();
        try {
            boolean reused = connection.messagesSent() > 0;
            long before = connection.roundTrips();
            List<MessageLedger> ledgers = connection.send(messages, policy);
            boolean broken = connection.state() != SmtpConnection.State.READY;
            return new Attempt(ledgers, reused, broken, connection.roundTrips() - before);
        } finally {
            pool.release(connection);
        }
    }

    private static boolean isLocal(MessageLedger l) {
        return l.firstError().map(e -> e.type() == FailureType.LOCAL).orElse(false);
    }

    /** Every recipient failed at MAIL FROM with no reply, or with 421 / 451, and nothing was accepted. */
    static boolean droppedWhileIdle(MessageLedger l) {
        if (l.contentCommitted() || l.acceptedCount() > 0) {
            return false;
        }
        for (RecipientResult r : l.recipients()) {
            if (r.status() != RecipientStatus.FAILED) {
                return false;
            }
            SmtpError e = r.error().orElse(null);
            if (e == null || !e.command().equals("MAIL FROM")) {
                return false;
            }
            if (e.reply().isPresent() && e.code() != 421 && e.code() != 451) {
                return false;
            }
        }
        return true;
    }
}
