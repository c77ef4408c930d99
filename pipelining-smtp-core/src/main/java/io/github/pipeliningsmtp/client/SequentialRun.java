package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import java.util.List;

/**
 * {@link TransactionRunner}'s way without PIPELINING: every command waits for its reply, and DATA is
 * not sent when no recipient was accepted.
 *
 * <p>Used by one thread at a time.
 */
final class SequentialRun {

    private final TransactionFlights flights;
    private final RateLimitBudget budget;

    SequentialRun(TransactionFlights flights, RateLimitBudget budget) {
        this.flights = flights;
        this.budget = budget;
    }

    void run(List<Transaction> transactions, DeliveryPolicy policy) {
        for (Transaction tx : transactions) {
            if (!budget.paced(tx)) {
                return;
            }
            if (!flights.resetAloneIfDue()) {
                return;
            }
            Flight mail = new Flight();
            flights.mailFrom(mail, tx);
            if (!flights.execute(mail)) {
                return;
            }
            if (!tx.inEnvelope()) {
                continue;
            }
            List<SmtpCommand> rcpts = tx.rcptToCommands();
            for (int i = 0; i < rcpts.size(); i++) {
                if (rcpts.get(i) != null && !flights.single(rcpts.get(i), tx.rcptHandler(i))) {
                    return;
                }
            }
            if (!tx.anyAccepted()) {
                continue;
            }
            if (policy == DeliveryPolicy.ALL_OR_NOTHING && !tx.allAccepted()) {
                tx.abandon();
                continue;
            }
            if (!flights.single(SmtpCommand.data(), tx.dataHandler())) {
                return;
            }
            if (!tx.dataGo()) {
                continue;
            }
            Flight content = new Flight();
            flights.completion(content, tx);
            if (!flights.execute(content)) {
                return;
            }
        }
    }
}
