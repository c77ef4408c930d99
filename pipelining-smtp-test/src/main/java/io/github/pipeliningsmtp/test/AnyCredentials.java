package io.github.pipeliningsmtp.test;

import io.github.pipeliningsmtp.testing.ServerSession;
import java.io.IOException;
import java.util.Locale;

/**
 * AUTH (RFC 4954) that accepts any credentials with PLAIN (RFC 4616), LOGIN and XOAUTH2, with or
 * without an initial response: a test server checks the application's mail, not its password.
 * {@code *} cancels (501); another mechanism gets 504.
 */
final class AnyCredentials {

    private static final String OK = "235 2.7.0 Authentication successful";

    private AnyCredentials() {
    }

    static void authenticate(ServerSession session, String line) throws IOException {
        String[] words = line.trim().split(" +");
        String mechanism = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
        boolean initialResponse = words.length > 2;
        switch (mechanism) {
            case "PLAIN", "XOAUTH2" -> {
                if (!initialResponse && !respond(session, "334 ")) {
                    return;
                }
                session.reply(OK);
            }
            case "LOGIN" -> {
                if (!initialResponse && !respond(session, "334 VXNlcm5hbWU6")) {
                    return;
                }
                if (respond(session, "334 UGFzc3dvcmQ6")) {
                    session.reply(OK);
                }
            }
            default -> session.reply("504 5.5.4 Unrecognized authentication type");
        }
    }

    /** Writes a challenge and reads the response; false (after 501, or at end of stream) when there is none. */
    private static boolean respond(ServerSession session, String challenge) throws IOException {
        session.reply(challenge);
        String response = session.readLine();
        if (response == null) {
            return false;
        }
        if (response.equals("*")) {
            session.reply("501 5.7.0 Authentication cancelled");
            return false;
        }
        return true;
    }
}
