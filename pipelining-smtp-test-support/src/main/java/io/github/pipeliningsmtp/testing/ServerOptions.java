package io.github.pipeliningsmtp.testing;

import javax.net.ssl.SSLContext;

/**
 * Socket options of a {@link ScriptedSmtpServer}.
 *
 * @param receiveBufferSize SO_RCVBUF set on the listening socket before bind (accepted sockets
 *     inherit it); 0 for the OS default
 * @param sendBufferSize SO_SNDBUF set on each accepted socket; 0 for the OS default
 * @param readBufferSize the size of the buffer each session reads into, i.e. the most bytes one
 *     socket {@code read()} returns (default 8192; e.g. 512 emulates a server reading 512-byte chunks)
 * @param sslContext when not null, accepted sockets are wrapped as server-mode {@code SSLSocket}s
 *     (implicit TLS) and the handshake is done before the script runs
 */
public record ServerOptions(int receiveBufferSize, int sendBufferSize, int readBufferSize, SSLContext sslContext) {

    /** Validates the sizes. */
    public ServerOptions {
        if (receiveBufferSize < 0 || sendBufferSize < 0) {
            throw new IllegalArgumentException("buffer sizes must be >= 0");
        }
        if (readBufferSize < 1) {
            throw new IllegalArgumentException("readBufferSize must be >= 1");
        }
    }

    /** Returns the defaults: OS socket buffers, an 8192-byte read buffer, plain TCP. */
    public static ServerOptions defaults() {
        return new ServerOptions(0, 0, 8192, null);
    }

    /** Returns a copy with the given SO_RCVBUF (0 = OS default). */
    public ServerOptions withReceiveBufferSize(int size) {
        return new ServerOptions(size, sendBufferSize, readBufferSize, sslContext);
    }

    /** Returns a copy with the given SO_SNDBUF (0 = OS default). */
    public ServerOptions withSendBufferSize(int size) {
        return new ServerOptions(receiveBufferSize, size, readBufferSize, sslContext);
    }

    /** Returns a copy with the given session read buffer size. */
    public ServerOptions withReadBufferSize(int size) {
        return new ServerOptions(receiveBufferSize, sendBufferSize, size, sslContext);
    }

    /** Returns a copy that speaks implicit TLS with the given context (null for plain TCP). */
    public ServerOptions withSslContext(SSLContext context) {
        return new ServerOptions(receiveBufferSize, sendBufferSize, readBufferSize, context);
    }
}
