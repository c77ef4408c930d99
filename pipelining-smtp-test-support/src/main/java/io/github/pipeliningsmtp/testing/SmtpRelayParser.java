package io.github.pipeliningsmtp.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * Follows one relayed SMTP conversation byte by byte in both directions (robust to any split of the
 * stream into chunks): client lines become pending commands, each server reply answers the oldest
 * pending command, and a 250 reply to EHLO gets a PIPELINING line after its first line. Message
 * content (after a 354 to DATA) and BDAT chunks are not taken for commands; after a 2xx to STARTTLS
 * both directions pass through untouched.
 */
final class SmtpRelayParser {

    private enum ClientMode { COMMAND, CONTENT, BDAT, PASSTHROUGH }

    private static final int MAX_COMMAND_LINE = 4096;

    private final boolean insertPipelining;
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    // client side
    private ClientMode clientMode = ClientMode.COMMAND;
    private final ByteArrayOutputStream commandLine = new ByteArrayOutputStream();
    private int contentLineLength;
    private byte contentFirst;
    private byte clientPrevious;
    private long bdatRemaining;
    // server side
    private boolean serverPassthrough;
    private boolean firstLineOfReply = true;
    private String replyCommand;
    private int replyLineLength;
    private final StringBuilder replyCode = new StringBuilder(3);
    private int separator;
    private boolean rewrite;
    private boolean singleLine;
    private byte serverPrevious;

    SmtpRelayParser(boolean insertPipelining) {
        this.insertPipelining = insertPipelining;
        pending.add("GREETING");
    }

    /** Follows bytes sent by the client (they are forwarded unchanged). */
    synchronized void fromClient(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            switch (clientMode) {
                case COMMAND -> commandByte(b);
                case CONTENT -> contentByte(b);
                case BDAT -> {
                    long skip = Math.min(bdatRemaining, offset + length - i);
                    bdatRemaining -= skip;
                    i += (int) skip - 1;
                    if (bdatRemaining == 0) {
                        clientMode = ClientMode.COMMAND;
                    }
                }
                case PASSTHROUGH -> {
                    return;
                }
            }
        }
    }

    /** Returns the bytes to forward to the client for bytes sent by the server. */
    synchronized byte[] fromServer(byte[] bytes, int offset, int length) {
        if (serverPassthrough) {
            return java.util.Arrays.copyOfRange(bytes, offset, offset + length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 32);
        for (int i = offset; i < offset + length; i++) {
            if (serverPassthrough) {
                out.write(bytes, i, offset + length - i);
                break;
            }
            replyByte(bytes[i], out);
        }
        return out.toByteArray();
    }

    private void commandByte(byte b) {
        if (commandLine.size() < MAX_COMMAND_LINE) {
            commandLine.write(b);
        }
        if (b != '\n') {
            return;
        }
        String line = commandLine.toString(StandardCharsets.US_ASCII).strip();
        commandLine.reset();
        String[] words = line.split(" +");
        String verb = words[0].toUpperCase(Locale.ROOT);
        pending.add(verb);
        if (verb.equals("BDAT") && words.length > 1) {
            try {
                bdatRemaining = Long.parseLong(words[1]);
                clientMode = bdatRemaining > 0 ? ClientMode.BDAT : ClientMode.COMMAND;
            } catch (NumberFormatException e) {
                // not a valid BDAT: the server will reject it
            }
        }
    }

    private void contentByte(byte b) {
        if (contentLineLength == 0) {
            contentFirst = b;
        }
        contentLineLength++;
        if (b == '\n') {
            boolean terminator = contentFirst == '.'
                    && (contentLineLength == 2 || (contentLineLength == 3 && clientPrevious == '\r'));
            contentLineLength = 0;
            if (terminator) {
                pending.add("END-OF-DATA");
                clientMode = ClientMode.COMMAND;
            }
        }
        clientPrevious = b;
    }

    private void replyByte(byte b, ByteArrayOutputStream out) {
        if (replyLineLength == 0 && firstLineOfReply) {
            replyCommand = pending.isEmpty() ? "UNSOLICITED" : pending.poll();
        }
        replyLineLength++;
        if (replyLineLength <= 3) {
            replyCode.append((char) b);
            out.write(b);
        } else if (replyLineLength == 4) {
            separator = b;
            if (insertPipelining && firstLineOfReply && "EHLO".equals(replyCommand)
                    && replyCode.toString().equals("250") && (b == ' ' || b == '-')) {
                rewrite = true;
                singleLine = b == ' ';
                out.write('-');
            } else {
                out.write(b);
            }
        } else {
            out.write(b);
        }
        if (b == '\n') {
            endOfReplyLine(out);
        }
        serverPrevious = b;
    }

    private void endOfReplyLine(ByteArrayOutputStream out) {
        String lineEnd = serverPrevious == '\r' ? "\r\n" : "\n";
        if (rewrite) {
            out.writeBytes(((singleLine ? "250 " : "250-") + "PIPELINING" + lineEnd).getBytes(StandardCharsets.US_ASCII));
            rewrite = false;
        }
        boolean last = separator != '-';
        String code = replyCode.toString();
        replyLineLength = 0;
        replyCode.setLength(0);
        separator = 0;
        firstLineOfReply = last;
        if (last) {
            replyComplete(code);
        }
    }

    private void replyComplete(String code) {
        if ("DATA".equals(replyCommand) && code.startsWith("3")) {
            clientMode = ClientMode.CONTENT;
            contentLineLength = 0;
        } else if ("STARTTLS".equals(replyCommand) && code.startsWith("2")) {
            clientMode = ClientMode.PASSTHROUGH;
            serverPassthrough = true;
        }
    }
}
