package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;
import org.springframework.util.unit.DataSize;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Settings of the pipelined SMTP sender, bound from {@code smtp.pipelining.*}. The sender is
 * configured only when {@code smtp.pipelining.host} is set.
 */
@ConfigurationProperties("smtp.pipelining")
public class PipeliningSmtpProperties {

    /** TLS policy of a connection. */
    public enum Tls {
        /** Plaintext; STARTTLS is never sent. */
        NONE,
        /** STARTTLS when the server offers it, plaintext otherwise (RFC 3207). */
        STARTTLS,
        /** STARTTLS or fail before AUTH or MAIL FROM is written. */
        STARTTLS_REQUIRED,
        /** TLS from the first byte, usually port 465 (RFC 8314). */
        IMPLICIT
    }

    /** Whether to use an extension (PIPELINING, CHUNKING). */
    public enum Pipelining {
        /** Use it when the server advertises it. */
        AUTO,
        /** Never use it (for PIPELINING: one command at a time; for CHUNKING: DATA). */
        OFF
    }

    /** Delivery policy when only some recipients of a message are accepted. */
    public enum Delivery {
        /** Send to the accepted recipients; report the refused ones (RFC 5321 §3.3). */
        PARTIAL,
        /** Send only if every recipient was accepted; costs one more round trip per message. */
        ALL_OR_NOTHING
    }

    /** SMTP server host name; also the name the TLS certificate must match. Setting it enables the sender. */
    private String host;

    /** SMTP server port: 25 (relay), 587 (submission with STARTTLS) or 465 (implicit TLS). */
    private int port = 25;

    /** Username for AUTH; none when unset. */
    private String username;

    /**
     * Password for AUTH PLAIN or LOGIN. Never logged. For XOAUTH2, set smtp.pipelining.oauth2.registration-id
     * or define an OAuth2TokenProvider bean instead.
     */
    private String password;

    /**
     * TLS policy: none, starttls (opportunistic), starttls-required or implicit. Unset: starttls-required
     * when a username is set (so credentials never travel in plaintext), none otherwise.
     */
    private Tls tls;

    /** Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) with the trust material; the JDK's default when unset. */
    private String sslBundle;

    /** Whether TLS checks that the server certificate names the host (RFC 6125). Turning it off logs a warning. */
    private boolean verifyHostname = true;

    /** Whether AUTH may be sent over an unencrypted connection. Off: AUTH without TLS fails before any credential is sent. */
    private boolean allowPlaintextAuth;

    /** Domain sent with EHLO; the local host's canonical name when unset. */
    private String ehloName;

    /** SASL mechanism (PLAIN, LOGIN, XOAUTH2); chosen from those the server offers when unset. */
    private String authMechanism;

    /** Longest wait for a TCP connection. */
    private Duration connectTimeout = Duration.ofSeconds(10);

    /** Longest wait for the server's 220 greeting (and an implicit TLS handshake). */
    private Duration greetingTimeout = Duration.ofSeconds(60);

    /** Longest wait for a command's reply, and longest a content write may make no progress. */
    private Duration commandTimeout = Duration.ofSeconds(60);

    /** Longest wait for the reply to the end of data (RFC 5321 §4.5.3.2.6 asks 10 minutes); past it the outcome is unknown. */
    private Duration dataTimeout = Duration.ofMinutes(10);

    /** Pipelining: auto (when advertised) or off. */
    private Pipelining pipelining = Pipelining.AUTO;

    /** CHUNKING: auto (BDAT when the server advertises CHUNKING and PIPELINING, RFC 3030) or off (always DATA). */
    private Pipelining chunking = Pipelining.AUTO;

    /** Size of each BDAT chunk; also the buffer each message being sent needs. */
    private DataSize chunkSize = DataSize.ofKilobytes(128);

    /** With CHUNKING and PIPELINING: messages written per round trip before their replies are read. */
    private int maxMessagesInFlight = 50;

    /**
     * Send recipients refused as too many (452 4.5.3, or 552 5.5.3) in a new transaction with the same
     * content; off reports them FAILED (transient).
     */
    private boolean splitOnTooManyRecipients = true;

    /**
     * Most recipients (RCPT TO) per transaction, at least 1: a message with more is sent in several
     * transactions of at most this many, each with the whole content (the smaller of this and the
     * server's RCPTMAX, RFC 9422, counts). Unset: no limit of its own, or the relay profile's
     * recipients per message.
     */
    private Integer maxRecipientsPerTransaction;

    /** Charset for text parts created without one (Jakarta Mail's mail.mime.charset). */
    private String defaultEncoding = "UTF-8";

    /** Partial (default) or all-or-nothing delivery of a message whose recipients are only partly accepted. */
    private Delivery delivery = Delivery.PARTIAL;

    /** Longest the application's shutdown waits for sends in progress before closing the connections. */
    private Duration shutdownTimeout = Duration.ofSeconds(10);

    /** The connection pool. */
    @NestedConfigurationProperty
    private final PoolProperties pool = new PoolProperties();

    /**
     * A relay's documented limits as defaults for the pool, the rate and the recipients per
     * transaction (office365, ses, gmail, sendgrid); every property set explicitly wins.
     */
    private RelayProfile relayProfile;

    /** The send rate limit (messages and recipients per second or minute), optionally shared by instances. */
    @org.springframework.boot.context.properties.NestedConfigurationProperty
    private final RateProperties rate = new RateProperties();

    /** Default delivery status notification requests (RFC 3461), sent when the server advertises DSN. */
    @NestedConfigurationProperty
    private final DsnProperties dsn = new DsnProperties();

    /** XOAUTH2 access tokens from a Spring Security OAuth2 client registration. */
    @NestedConfigurationProperty
    private OAuth2Properties oauth2 = new OAuth2Properties();

    /** The Actuator health check. */
    @NestedConfigurationProperty
    private final HealthProperties health = new HealthProperties();

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public Tls getTls() {
        return tls;
    }

    public void setTls(Tls tls) {
        this.tls = tls;
    }

    public String getSslBundle() {
        return sslBundle;
    }

    public void setSslBundle(String sslBundle) {
        this.sslBundle = sslBundle;
    }

    public boolean isVerifyHostname() {
        return verifyHostname;
    }

    public void setVerifyHostname(boolean verifyHostname) {
        this.verifyHostname = verifyHostname;
    }

    public boolean isAllowPlaintextAuth() {
        return allowPlaintextAuth;
    }

    public void setAllowPlaintextAuth(boolean allowPlaintextAuth) {
        this.allowPlaintextAuth = allowPlaintextAuth;
    }

    public String getEhloName() {
        return ehloName;
    }

    public void setEhloName(String ehloName) {
        this.ehloName = ehloName;
    }

    public String getAuthMechanism() {
        return authMechanism;
    }

    public void setAuthMechanism(String authMechanism) {
        this.authMechanism = authMechanism;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getGreetingTimeout() {
        return greetingTimeout;
    }

    public void setGreetingTimeout(Duration greetingTimeout) {
        this.greetingTimeout = greetingTimeout;
    }

    public Duration getCommandTimeout() {
        return commandTimeout;
    }

    public void setCommandTimeout(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    public Duration getDataTimeout() {
        return dataTimeout;
    }

    public void setDataTimeout(Duration dataTimeout) {
        this.dataTimeout = dataTimeout;
    }

    public Pipelining getPipelining() {
        return pipelining;
    }

    public void setPipelining(Pipelining pipelining) {
        this.pipelining = pipelining;
    }

    public Pipelining getChunking() {
        return chunking;
    }

    public void setChunking(Pipelining chunking) {
        this.chunking = chunking;
    }

    public DataSize getChunkSize() {
        return chunkSize;
    }

    public void setChunkSize(DataSize chunkSize) {
        this.chunkSize = chunkSize;
    }

    public int getMaxMessagesInFlight() {
        return maxMessagesInFlight;
    }

    public void setMaxMessagesInFlight(int maxMessagesInFlight) {
        this.maxMessagesInFlight = maxMessagesInFlight;
    }

    public boolean isSplitOnTooManyRecipients() {
        return splitOnTooManyRecipients;
    }

    public void setSplitOnTooManyRecipients(boolean splitOnTooManyRecipients) {
        this.splitOnTooManyRecipients = splitOnTooManyRecipients;
    }

    public Integer getMaxRecipientsPerTransaction() {
        return maxRecipientsPerTransaction;
    }

    public void setMaxRecipientsPerTransaction(Integer maxRecipientsPerTransaction) {
        this.maxRecipientsPerTransaction = maxRecipientsPerTransaction;
    }

    public String getDefaultEncoding() {
        return defaultEncoding;
    }

    public void setDefaultEncoding(String defaultEncoding) {
        this.defaultEncoding = defaultEncoding;
    }

    public Delivery getDelivery() {
        return delivery;
    }

    public void setDelivery(Delivery delivery) {
        this.delivery = delivery;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public RelayProfile getRelayProfile() {
        return relayProfile;
    }

    public void setRelayProfile(RelayProfile relayProfile) {
        this.relayProfile = relayProfile;
    }

    public RateProperties getRate() {
        return rate;
    }

    public PoolProperties getPool() {
        return pool;
    }

    /** Automatic retry of what is safe to send again. */
    @NestedConfigurationProperty
    private final RetryProperties retry = new RetryProperties();

    public RetryProperties getRetry() {
        return retry;
    }

    public HealthProperties getHealth() {
        return health;
    }

    public DsnProperties getDsn() {
        return dsn;
    }

    public OAuth2Properties getOauth2() {
        return oauth2;
    }

    public void setOauth2(OAuth2Properties oauth2) {
        this.oauth2 = oauth2;
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "PipeliningSmtpProperties[host=" + host + ", port=" + port + ", username=" + username
                + ", password=" + (password == null ? "null" : "****") + ", tls=" + tls + "]";
    }
}
