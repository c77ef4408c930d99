package io.github.pipeliningsmtp.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A server that offers CHUNKING and PIPELINING (RFC 3030) and takes content only as BDAT: it reads
 * exactly n octets per {@code BDAT n [LAST]}, answers each chunk, and stores the message at LAST
 * (before its 250). RCPT replies come from a {@link ReplyFunction} (null: {@code 250 2.1.5 Ok}).
 * After a refused recipient set (no RCPT accepted) BDAT gets {@code 554 5.5.1 Error: no valid
 * recipients} and the octets are discarded. RSET, NOOP and QUIT as usual.
 */
public final class ChunkingSession implements SessionScript {

    private final ReplyFunction mailReply;
    private final ReplyFunction rcptReply;

    /** @param rcptReply the reply to each RCPT TO (given the address), or null for the default */
    public ChunkingSession(ReplyFunction rcptReply) {
        this(null, rcptReply);
    }

    /**
     * @param mailReply the reply to each MAIL FROM (given the address), or null for the default; an
     *                  empty list writes nothing (the function may have closed the session)
     * @param rcptReply the reply to each RCPT TO, as above
     */
    public ChunkingSession(ReplyFunction mailReply, ReplyFunction rcptReply) {
        this.mailReply = mailReply;
        this.rcptReply = rcptReply;
    }

    @Override
    public void run(ServerSession s) throws Exception {
        s.reply("220 mail.example.com ESMTP chunking");
        List<String> rcpts = new ArrayList<>();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        String mailFrom = null;
        int queued = 0;
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            String upper = line.toUpperCase();
            if (upper.startsWith("EHLO")) {
                s.reply("250-mail.example.com", "250-PIPELINING", "250-CHUNKING", "250-8BITMIME",
                        "250 ENHANCEDSTATUSCODES");
            } else if (upper.startsWith("MAIL FROM:")) {
                mailFrom = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                rcpts.clear();
                content.reset();
                List<String> reply = mailReply == null ? null : mailReply.reply(s, mailFrom);
                if (reply == null) {
                    s.reply("250 2.1.0 Ok");
                } else if (!reply.isEmpty()) {
                    s.reply(reply);
                } else if (s.isClosed()) {
                    return;
                }
            } else if (upper.startsWith("RCPT TO:")) {
                String address = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                List<String> reply = rcptReply == null ? null : rcptReply.reply(s, address);
                if (reply == null) {
                    rcpts.add(address);
                    s.reply("250 2.1.5 Ok");
                } else if (!reply.isEmpty()) {
                    s.reply(reply);
                } else if (s.isClosed()) {
                    return;
                }
            } else if (upper.startsWith("BDAT ")) {
                String[] words = line.split(" ");
                int n = Integer.parseInt(words[1]);
                boolean last = words.length > 2 && words[2].equalsIgnoreCase("LAST");
                byte[] octets = s.readExactly(n);
                if (rcpts.isEmpty()) {
                    s.reply("554 5.5.1 Error: no valid recipients");
                    continue;
                }
                content.write(octets);
                if (last) {
                    s.store(mailFrom, List.copyOf(rcpts), content.toByteArray());
                    rcpts.clear();
                    content.reset();
                    s.reply("250 2.0.0 Ok: queued as C" + (++queued));
                } else {
                    s.reply("250 2.0.0 " + n + " octets received");
                }
            } else if (upper.equals("RSET")) {
                rcpts.clear();
                content.reset();
                s.reply("250 2.0.0 Ok");
            } else if (upper.equals("NOOP")) {
                s.reply("250 2.0.0 Ok");
            } else if (upper.equals("QUIT")) {
                s.reply("221 2.0.0 Bye");
                s.closeFin();
                return;
            } else {
                s.reply("500 5.5.2 Syntax error");
            }
        }
    }
}
