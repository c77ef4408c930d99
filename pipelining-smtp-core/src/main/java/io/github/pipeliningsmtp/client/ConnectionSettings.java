package io.github.pipeliningsmtp.client;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How to connect: host, port, TLS, authentication and timeouts; how to send is {@link SendingOptions}.
 * Everything needed to open a connection. Immutable and thread-safe; build with {@link #builder(String, int)}.
 *
 * <p>Default timeouts: connect {@value #DEFAULT_CONNECT_TIMEOUT_S} s; greeting
 * {@value #DEFAULT_GREETING_TIMEOUT_S} s; each command's reply {@value #DEFAULT_COMMAND_TIMEOUT_S} s
 * (also the longest a content write may make no progress); the reply to the end of data
 * {@value #DEFAULT_DATA_TIMEOUT_S} s, the value RFC 5321 §4.5.3.2.6 asks of clients, longer than a
 * command's because a timeout there leaves the outcome unknown.
 *
 * <p>Each reply timeout (greeting, command, end of data; QUIT's is the command timeout, at most
 * 5 s) is a deadline for the whole reply it waits for, counted from when the wait starts: a
 * server that trickles a reply byte by byte is cut off when it runs out, whatever it sent so far.
 * The connect timeout bounds the TCP connect. The TLS handshake is a deadline for the whole
 * handshake too: the command timeout for STARTTLS, the greeting timeout for implicit TLS (60 s each by
 * default); a server that trickles or stalls its handshake has the socket closed when it passes.
 */
public final class ConnectionSettings {

    /** Default connect timeout, seconds. */
    public static final int DEFAULT_CONNECT_TIMEOUT_S = 10;
    /** Default timeout for the 220 greeting, seconds. */
    public static final int DEFAULT_GREETING_TIMEOUT_S = 60;
    /** Default timeout for a command's reply, seconds. */
    public static final int DEFAULT_COMMAND_TIMEOUT_S = 60;
    /** Default timeout for the reply to the end of data, seconds. */
    public static final int DEFAULT_DATA_TIMEOUT_S = 600;

    private final String host;
    private final int port;
    private final HostResolver resolver;
    private final Duration connectTimeout;
    private final Duration greetingTimeout;
    private final Duration commandTimeout;
    private final Duration dataTimeout;
    private final String ehloName;
    private final TlsMode tlsMode;
    private final SSLContext sslContext;
    private final boolean verifyHostname;
    private final boolean allowPlaintextAuth;
    private final Credentials credentials;
    private final String authMechanism;
    private final int receiveBufferSize;
    private final int sendBufferSize;
    private final Duration idleCheckAfter;

    private ConnectionSettings(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.resolver = b.resolver;
        this.connectTimeout = b.connectTimeout;
        this.greetingTimeout = b.greetingTimeout;
        this.commandTimeout = b.commandTimeout;
        this.dataTimeout = b.dataTimeout;
        this.ehloName = b.ehloName != null ? b.ehloName : defaultEhloName();
        this.tlsMode = b.tlsMode;
        this.sslContext = b.sslContext;
        this.verifyHostname = b.verifyHostname;
        this.allowPlaintextAuth = b.allowPlaintextAuth;
        this.credentials = b.credentials;
        this.authMechanism = b.authMechanism;
        this.receiveBufferSize = b.receiveBufferSize;
        this.sendBufferSize = b.sendBufferSize;
        this.idleCheckAfter = b.idleCheckAfter;
    }

    /**
     * @param host the server's host name, also the name TLS verifies
     * @param port the TCP port (25, 587, 465...)
     */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    private static String defaultEhloName() {
        try {
            String name = InetAddress.getLocalHost().getCanonicalHostName();
            return name.contains(".") ? name : "localhost";
        } catch (Exception e) {
            return "localhost";
        }
    }

    /** The host name. */
    public String host() {
        return host;
    }

    /** The TCP port. */
    public int port() {
        return port;
    }

    /** Resolves {@link #host()} to addresses. */
    public HostResolver resolver() {
        return resolver;
    }

    /** Connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Deadline for the whole greeting, and for the whole implicit TLS handshake. */
    public Duration greetingTimeout() {
        return greetingTimeout;
    }

    /**
     * Deadline for each command's whole reply, for the whole STARTTLS handshake, and the longest a
     * content write may make no progress.
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Deadline for the whole reply to the end of data (or the LAST chunk). */
    public Duration dataTimeout() {
        return dataTimeout;
    }

    /** The domain sent with EHLO/HELO. */
    public String ehloName() {
        return ehloName;
    }

    /** The TLS policy. */
    public TlsMode tlsMode() {
        return tlsMode;
    }

    /** The SSL context, null for the JDK default. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** Whether TLS checks that the certificate names {@link #host()} (RFC 6125). */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** Whether AUTH may be sent over an unencrypted connection. */
    public boolean allowPlaintextAuth() {
        return allowPlaintextAuth;
    }

    /** Credentials for AUTH, null for none. */
    public Credentials credentials() {
        return credentials;
    }

    /** The SASL mechanism to use, or null to choose from what the server offers. */
    public String authMechanism() {
        return authMechanism;
    }

    /** SO_RCVBUF in bytes, set before connecting; 0 leaves the operating system's default and auto-tuning. */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** SO_SNDBUF in bytes, set before connecting; 0 leaves the operating system's default and auto-tuning. */
    public int sendBufferSize() {
        return sendBufferSize;
    }

    /**
     * Idle time after which a reused connection is suspected of having been dropped by the server:
     * checked for EOF when borrowed, and with CHUNKING its first envelope is sent alone before any
     * content is streamed.
     */
    public Duration idleCheckAfter() {
        return idleCheckAfter;
    }

    /** A builder holding these settings, to derive others (e.g. without credentials for a health check). */
    public Builder toBuilder() {
        Builder b = new Builder(host, port);
        b.resolver = resolver;
        b.connectTimeout = connectTimeout;
        b.greetingTimeout = greetingTimeout;
        b.commandTimeout = commandTimeout;
        b.dataTimeout = dataTimeout;
        b.ehloName = ehloName;
        b.tlsMode = tlsMode;
        b.sslContext = sslContext;
        b.verifyHostname = verifyHostname;
        b.allowPlaintextAuth = allowPlaintextAuth;
        b.credentials = credentials;
        b.authMechanism = authMechanism;
        b.receiveBufferSize = receiveBufferSize;
        b.sendBufferSize = sendBufferSize;
        b.idleCheckAfter = idleCheckAfter;
        return b;
    }

    @Override
    public String toString() {
        return "ConnectionSettings[" + host + ":" + port + ", tls=" + tlsMode + ", verifyHostname=" + verifyHostname
                + ", credentials=" + credentials + "]";
    }

    /** Builder; every setter validates at once. Not thread-safe. */
    public static final class Builder {
        private final String host;
        private final int port;
        private HostResolver resolver = HostResolver.SYSTEM;
        private Duration connectTimeout = Duration.ofSeconds(DEFAULT_CONNECT_TIMEOUT_S);
        private Duration greetingTimeout = Duration.ofSeconds(DEFAULT_GREETING_TIMEOUT_S);
        private Duration commandTimeout = Duration.ofSeconds(DEFAULT_COMMAND_TIMEOUT_S);
        private Duration dataTimeout = Duration.ofSeconds(DEFAULT_DATA_TIMEOUT_S);
        private String ehloName;
        private TlsMode tlsMode = TlsMode.NONE;
        private SSLContext sslContext;
        private boolean verifyHostname = true;
        private boolean allowPlaintextAuth;
        private Credentials credentials;
        private String authMechanism;
        private int receiveBufferSize;
        private int sendBufferSize;
        private Duration idleCheckAfter = Duration.ofSeconds(1);

        private Builder(String host, int port) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, was " + port);
            }
            this.host = host;
            this.port = port;
        }

        /** How to resolve the host (tests map a name to 127.0.0.1). */
        public Builder resolver(HostResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver);
            return this;
        }

        /** Connect timeout, positive. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive(d, "connectTimeout");
            return this;
        }

        /** Deadline for the whole greeting and the whole implicit TLS handshake, positive. */
        public Builder greetingTimeout(Duration d) {
            this.greetingTimeout = positive(d, "greetingTimeout");
            return this;
        }

        /** Deadline for each command's whole reply, positive. */
        public Builder commandTimeout(Duration d) {
            this.commandTimeout = positive(d, "commandTimeout");
            return this;
        }

        /** Deadline for the whole reply to the end of data, positive. */
        public Builder dataTimeout(Duration d) {
            this.dataTimeout = positive(d, "dataTimeout");
            return this;
        }

        /** The EHLO domain; default the local host's canonical name, or {@code localhost}. */
        public Builder ehloName(String name) {
            this.ehloName = Objects.requireNonNull(name);
            io.github.pipeliningsmtp.protocol.SmtpCommand.ehlo(name);
            return this;
        }

        /** TLS policy; default {@link TlsMode#NONE}. */
        public Builder tlsMode(TlsMode mode) {
            this.tlsMode = Objects.requireNonNull(mode);
            return this;
        }

        /** SSL context (e.g. from a Spring Boot SSL bundle); default the JDK's. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /** Hostname verification; on by default. Turning it off lets a man in the middle read the mail. */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /** Allows AUTH over an unencrypted connection; off by default. */
        public Builder allowPlaintextAuth(boolean allow) {
            this.allowPlaintextAuth = allow;
            return this;
        }

        /** Credentials for AUTH; none by default. */
        public Builder credentials(Credentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** SASL mechanism (PLAIN, LOGIN, XOAUTH2); default: chosen from what the server offers. */
        public Builder authMechanism(String mechanism) {
            this.authMechanism = mechanism == null ? null : mechanism.toUpperCase(Locale.ROOT);
            return this;
        }

        /**
         * SO_RCVBUF in bytes (0, the default, keeps the operating system's auto-tuning). A small
         * buffer bounds memory per connection; the client still never deadlocks on large groups.
         */
        public Builder receiveBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("receiveBufferSize must be >= 0");
            }
            this.receiveBufferSize = bytes;
            return this;
        }

        /** SO_SNDBUF in bytes (0, the default, keeps the operating system's auto-tuning). */
        public Builder sendBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("sendBufferSize must be >= 0");
            }
            this.sendBufferSize = bytes;
            return this;
        }

        /** Idle time after which a reused connection is checked (default 1 s; zero: always). */
        public Builder idleCheckAfter(Duration idle) {
            if (idle == null || idle.isNegative()) {
                throw new IllegalArgumentException("idleCheckAfter must be zero or positive");
            }
            this.idleCheckAfter = idle;
            return this;
        }

        /** The settings. */
        public ConnectionSettings build() {
            return new ConnectionSettings(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            if (d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + " ms");
            }
            return d;
        }
    }
}
