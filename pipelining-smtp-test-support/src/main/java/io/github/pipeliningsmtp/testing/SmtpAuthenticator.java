package io.github.pipeliningsmtp.testing;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** The AUTH command of a {@link StandardSession}: PLAIN, LOGIN and XOAUTH2. */
final class SmtpAuthenticator {

    static final String SUCCESS = "235 2.7.0 Authentication successful";
    static final String FAILURE = "535 5.7.8 Authentication credentials invalid";
    static final String XOAUTH2_ERROR = "334 "
            + base64("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}");

    private final StandardSession config;
    private final ServerSession session;
    private final StandardConversation conversation;
    private String user;

    SmtpAuthenticator(StandardSession config, ServerSession session, StandardConversation conversation) {
        this.config = config;
        this.session = session;
        this.conversation = conversation;
    }

    boolean authenticated() {
        return user != null;
    }

    void reset() {
        user = null;
    }

    void auth(String line) throws Exception {
        String[] parts = line.trim().split(" +");
        if (user != null) {
            finish("503 5.5.1 Error: already authenticated");
            return;
        }
        if (parts.length < 2) {
            finish("501 5.5.4 Syntax: AUTH mechanism");
            return;
        }
        String initial = parts.length > 2 ? parts[2] : null;
        try {
            switch (parts[1].toUpperCase(Locale.ROOT)) {
                case "PLAIN" -> plain(initial);
                case "LOGIN" -> login(initial);
                case "XOAUTH2" -> xoauth2(initial);
                default -> finish("504 5.5.4 Unrecognized authentication type");
            }
        } catch (Cancelled cancelled) {
            finish("501 5.7.0 Authentication aborted");
        } catch (IllegalArgumentException badBase64) {
            finish("501 5.5.2 Cannot decode response");
        }
    }

    private void plain(String initial) throws Exception {
        String response = initial != null && !initial.equals("=") ? initial : challenge("334 ");
        String[] fields = decode(response).split("\0", -1);
        if (fields.length == 3) {
            verify(fields[1], fields[2]);
        } else {
            finish(FAILURE);
        }
    }

    private void login(String initial) throws Exception {
        String username = decode(initial != null ? initial : challenge("334 " + base64("Username:")));
        String password = decode(challenge("334 " + base64("Password:")));
        verify(username, password);
    }

    private void xoauth2(String initial) throws Exception {
        String response = decode(initial != null ? initial : challenge("334 "));
        String username = null;
        String token = null;
        for (String field : response.split("\u0001")) {
            if (field.startsWith("user=")) {
                username = field.substring(5);
            } else if (field.startsWith("auth=Bearer ")) {
                token = field.substring(12);
            }
        }
        if (username != null && token != null && config.xoauth2Tokens.contains(token)) {
            user = username;
            finish(SUCCESS);
            return;
        }
        challenge(XOAUTH2_ERROR);
        finish(FAILURE);
    }

    private void verify(String username, String password) throws Exception {
        if (password.equals(config.credentials.get(username))) {
            user = username;
            finish(SUCCESS);
        } else {
            finish(FAILURE);
        }
    }

    /** Sends a 334 challenge and reads the client's response line. */
    private String challenge(String line) throws Exception {
        conversation.respond("AUTH", List.of(line), true);
        String response = session.readLine();
        if (response == null) {
            throw new EOFException("EOF during AUTH");
        }
        if (response.equals("*")) {
            throw new Cancelled();
        }
        return response;
    }

    private void finish(String line) throws Exception {
        conversation.respond("AUTH", List.of(line), true);
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super(null, null, false, false);
        }
    }
}
