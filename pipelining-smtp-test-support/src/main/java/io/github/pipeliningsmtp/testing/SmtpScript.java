package io.github.pipeliningsmtp.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A declarative script for one connection of a {@link ScriptedSmtpServer}, in the style of OkHttp's
 * MockWebServer: an immutable list of steps, built fluently (each method returns a new script), run
 * in order by {@link #run(ServerSession)} and queued with {@link ScriptedSmtpServer#enqueue(SmtpScript)}.
 *
 * <pre>{@code
 * server.enqueue(SmtpScript.create()
 *         .greeting()                                    // 220 mail.example.com ESMTP test
 *         .ehlo("250-mail.example.com", "250 PIPELINING")
 *         .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
 *         .expect("RCPT TO:<a@example.net>").reply("450 4.2.0 Greylisted")
 *         .expect("DATA").reply("554 5.5.1 Error: no valid recipients")
 *         .expect("QUIT").reply(ScriptedReply.of("221 2.0.0 Bye").splitAt(3))
 *         .closeFin());
 * }</pre>
 *
 * <p>Steps: <b>expect</b> a command line (exact, prefix or predicate; the line is recorded as a
 * {@link RecordedCommand} like every line read); <b>reply</b> (one write, or a {@link ScriptedReply}
 * split, delayed); <b>read DATA content</b> or <b>a BDAT chunk</b> and store the message;
 * <b>pause</b>; <b>perform</b> arbitrary code; and one of the endings <b>close</b> (FIN),
 * <b>reset</b> (RST), <b>stall</b> (never answer, until the client closes) and <b>read until
 * close</b>, after which no step may follow.
 *
 * <p>A line that does not match the next expect step, end of stream or a reset while a step still
 * waits for a line, and a line after the last step, throw a {@link ScriptMismatchError} (naming the
 * connection, the step, what was expected and what came): the server records it in
 * {@link ScriptedSmtpServer#scriptErrors()} and closes the connection. With
 * {@link #otherwiseStandard(StandardSession) a standard fallback}, such lines are answered by a
 * {@link StandardSession} instead (which sees only those lines), and so is everything after the last
 * step.
 *
 * <p>Stored messages ({@link ScriptedSmtpServer#messages()}) carry the envelope the script accepted:
 * the address of the last {@code MAIL FROM} answered with a reply starting with 2 (null if none), and
 * of each {@code RCPT TO} answered so since; RSET, EHLO and HELO answered so clear it, and so does
 * each stored message. Every DATA content and every BDAT LAST chunk is stored, whatever the reply
 * that follows.
 */
public final class SmtpScript implements SessionScript {

    private static final SmtpScript EMPTY = new SmtpScript(List.of(), null);

    private final List<ScriptStep> steps;
    private final StandardSession fallback;

    private SmtpScript(List<ScriptStep> steps, StandardSession fallback) {
        this.steps = steps;
        this.fallback = fallback;
    }

    /**
     * Returns a script without steps: add them. (Run as it is, it writes nothing and waits for the
     * client to close; any line is a mismatch.)
     */
    public static SmtpScript create() {
        return EMPTY;
    }

    /**
     * Returns a script that sends the default greeting and answers every command with
     * {@link StandardSession}'s defaults; add expect steps to answer chosen commands differently.
     */
    public static SmtpScript standard() {
        return standard(new StandardSession());
    }

    /** As {@link #standard()}, with the given session's greeting and replies. */
    public static SmtpScript standard(StandardSession session) {
        return create().reply(session.greeting).otherwiseStandard(session);
    }

    /** Adds the default greeting, {@code 220 mail.example.com ESMTP test}. */
    public SmtpScript greeting() {
        return reply(StandardSession.DEFAULT_GREETING);
    }

    /** Adds an expect step for a line starting with {@code "EHLO "}, answered with the lines. */
    public SmtpScript ehlo(String... replyLines) {
        return expectPrefix("EHLO ").reply(replyLines);
    }

    /** Adds a step that expects exactly this line. */
    public SmtpScript expect(String line) {
        return expect(CommandMatcher.exact(line));
    }

    /** Adds a step that expects a line starting with the prefix. */
    public SmtpScript expectPrefix(String prefix) {
        return expect(CommandMatcher.prefix(prefix));
    }

    /** Adds a step that expects a line the predicate accepts (described for failure messages). */
    public SmtpScript expect(String description, Predicate<String> predicate) {
        return expect(CommandMatcher.matching(description, predicate));
    }

    /** Adds a step that expects a line the matcher accepts. */
    public SmtpScript expect(CommandMatcher matcher) {
        return add(new ScriptStep.Expect(Objects.requireNonNull(matcher)));
    }

    /** Adds a reply: the lines, each followed by CRLF, in one write. */
    public SmtpScript reply(String... lines) {
        return reply(ScriptedReply.of(lines));
    }

    /** Adds a reply: the lines, each followed by CRLF, in one write. */
    public SmtpScript reply(List<String> lines) {
        return reply(ScriptedReply.of(lines));
    }

    /** Adds a reply written as the {@link ScriptedReply} says (split, delayed, raw). */
    public SmtpScript reply(ScriptedReply reply) {
        return add(new ScriptStep.Reply(Objects.requireNonNull(reply)));
    }

    /** Adds a step that reads DATA content up to the {@code .} line and stores the message. */
    public SmtpScript readData() {
        return add(new ScriptStep.ReadData());
    }

    /**
     * Adds a step that reads the octets named by the {@code BDAT <n> [LAST]} line the previous expect
     * step matched; after a LAST chunk it stores the message (all its chunks).
     */
    public SmtpScript readChunk() {
        return add(new ScriptStep.ReadChunk());
    }

    /** Adds a pause: flush, then sleep. */
    public SmtpScript pause(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative pause: " + duration);
        }
        return add(new ScriptStep.Pause(duration));
    }

    /**
     * Adds a step that runs code on the session (e.g. to look at {@link ServerSession#inputBuffered()});
     * what it throws is a script error, as for any {@link SessionScript}.
     */
    public SmtpScript perform(SessionScript action) {
        return add(new ScriptStep.Perform(Objects.requireNonNull(action)));
    }

    /** Ends the script: closes normally (FIN; see {@link ServerSession#closeFin()}). */
    public SmtpScript closeFin() {
        return add(new ScriptStep.End(ScriptStep.Ending.CLOSE_FIN));
    }

    /** Ends the script: resets the connection (RST; see {@link ServerSession#closeRst()}). */
    public SmtpScript reset() {
        return add(new ScriptStep.End(ScriptStep.Ending.RESET));
    }

    /**
     * Ends the script: answers nothing more and discards (without recording) what arrives until the
     * client closes (see {@link ServerSession#stallUntilClientCloses()}).
     */
    public SmtpScript stall() {
        return add(new ScriptStep.End(ScriptStep.Ending.STALL));
    }

    /** Ends the script: answers nothing more, recording every line that arrives until the client closes. */
    public SmtpScript readUntilClose() {
        return add(new ScriptStep.End(ScriptStep.Ending.READ_UNTIL_CLOSE));
    }

    /** Appends the steps of another script (its fallback, if set, replaces this one's). */
    public SmtpScript then(SmtpScript more) {
        SmtpScript result = this;
        for (ScriptStep step : more.steps) {
            result = result.add(step);
        }
        return more.fallback != null ? result.otherwiseStandard(more.fallback) : result;
    }

    /** Answers every command no step expects with {@link StandardSession}'s defaults. */
    public SmtpScript otherwiseStandard() {
        return otherwiseStandard(new StandardSession());
    }

    /**
     * Answers every command that does not match the next expect step, and every command after the last
     * step, with the given session (without its greeting; it keeps its own transaction state from the
     * commands it sees).
     */
    public SmtpScript otherwiseStandard(StandardSession session) {
        return new SmtpScript(steps, Objects.requireNonNull(session));
    }

    /** Returns the number of steps. */
    public int stepCount() {
        return steps.size();
    }

    /** Returns a description of each step, e.g. {@code expect "DATA"}, {@code reply "354 go\r\n"}. */
    public List<String> steps() {
        return steps.stream().map(ScriptStep::toString).toList();
    }

    /** Runs the steps on the connection (called by the server). */
    @Override
    public void run(ServerSession session) throws Exception {
        new ScriptRunner(steps, fallback, session).run();
    }

    @Override
    public String toString() {
        return "SmtpScript" + steps() + (fallback != null ? " otherwise standard" : "");
    }

    private SmtpScript add(ScriptStep step) {
        if (!steps.isEmpty() && steps.get(steps.size() - 1).terminal()) {
            throw new IllegalStateException("no step may follow " + steps.get(steps.size() - 1));
        }
        List<ScriptStep> more = new ArrayList<>(steps.size() + 1);
        more.addAll(steps);
        more.add(step);
        return new SmtpScript(List.copyOf(more), fallback);
    }
}
