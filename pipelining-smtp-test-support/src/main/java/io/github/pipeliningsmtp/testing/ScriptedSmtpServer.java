package io.github.pipeliningsmtp.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;

/**
 * A scripted SMTP server for client tests, in the style of OkHttp's MockWebServer: it listens on
 * 127.0.0.1 on an ephemeral port, runs one {@link SessionScript} per accepted connection (queued
 * scripts first, in FIFO order, then the default script, initially a {@link StandardSession}) on the
 * connection's own thread, and records commands, stored messages, events and connection state.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final long JOIN_MILLIS = 5000;
    /** How long {@link #takeCommand()} waits. */
    public static final Duration TAKE_TIMEOUT = Duration.ofSeconds(5);

    private final ServerOptions options;
    private final ServerSocket serverSocket;
    private final Queue<SessionScript> scripts = new ConcurrentLinkedQueue<>();
    private final List<RecordedCommand> commands = new CopyOnWriteArrayList<>();
    private final List<StoredMessage> messages = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Throwable> scriptErrors = new CopyOnWriteArrayList<>();
    private final List<ServerSession> sessions = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private final TreeSet<Integer> open = new TreeSet<>();
    private final TreeSet<Integer> running = new TreeSet<>();
    private final Thread acceptThread;
    private volatile SessionScript defaultScript = new StandardSession();
    private volatile boolean closing;
    private int accepted;
    private int taken;

    private ScriptedSmtpServer(ServerOptions options) throws IOException {
        this.options = options;
        this.serverSocket = new ServerSocket();
        if (options.receiveBufferSize() > 0) {
            serverSocket.setReceiveBufferSize(options.receiveBufferSize());
        }
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0), 50);
        this.acceptThread = new Thread(this::acceptLoop, "scripted-smtp-" + port() + "-accept");
        acceptThread.setDaemon(true);
    }

    /** Starts a server with {@link ServerOptions#defaults()}. */
    public static ScriptedSmtpServer start() throws IOException {
        return start(ServerOptions.defaults());
    }

    /** Starts a server with the given options. */
    public static ScriptedSmtpServer start(ServerOptions options) throws IOException {
        ScriptedSmtpServer server = new ScriptedSmtpServer(Objects.requireNonNull(options));
        server.acceptThread.start();
        return server;
    }

    /** Returns the port the server listens on. */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** Returns {@code "127.0.0.1"}. */
    public String host() {
        return HOST;
    }

    /** Returns the options the server was started with. */
    public ServerOptions options() {
        return options;
    }

    /** Queues a script for the next accepted connection that has no script yet (FIFO). */
    public void enqueue(SessionScript script) {
        scripts.add(Objects.requireNonNull(script));
    }

    /**
     * Queues a declarative script for the next accepted connection that has no script yet: the same
     * FIFO queue as {@link #enqueue(SessionScript)}, one script per connection.
     */
    public void enqueue(SmtpScript script) {
        enqueue((SessionScript) Objects.requireNonNull(script));
    }

    /** Returns how many enqueued scripts no connection has taken yet. */
    public int pendingScripts() {
        return scripts.size();
    }

    /** Sets the script run for connections accepted while the queue is empty. */
    public void setDefaultScript(SessionScript script) {
        defaultScript = Objects.requireNonNull(script);
    }

    /** Returns every line read through {@link ServerSession#readLine()}, in arrival order. */
    public List<RecordedCommand> commands() {
        return List.copyOf(commands);
    }

    /** Returns the lines read on one connection, in arrival order. */
    public List<RecordedCommand> commands(int connectionIndex) {
        return commands.stream().filter(c -> c.connectionIndex() == connectionIndex).toList();
    }

    /**
     * Returns the next recorded command not yet taken (over all connections, in arrival order),
     * waiting at most {@link #TAKE_TIMEOUT} (5 s) for it, like MockWebServer's {@code takeRequest()}.
     *
     * @throws AssertionError when no command arrives in time
     */
    public RecordedCommand takeCommand() throws InterruptedException {
        return takeCommand(TAKE_TIMEOUT);
    }

    /**
     * Returns the next recorded command not yet taken, waiting at most {@code timeout} for it.
     *
     * @throws AssertionError when no command arrives in time (naming how many were taken)
     */
    public RecordedCommand takeCommand(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (commands.size() <= taken) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no command within " + timeout + " after the " + taken + " taken");
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return commands.get(taken++);
        }
    }

    /** Returns the stored messages, in the order they were stored. */
    public List<StoredMessage> messages() {
        return List.copyOf(messages);
    }

    /**
     * Waits until at least {@code count} messages have been stored (over all connections) and returns
     * them all, in the order they were stored. A session stores a message before it writes the reply
     * that accepts it, so a client that has read that reply finds it here without waiting.
     *
     * @throws AssertionError if fewer were stored within the timeout (naming how many were)
     */
    public List<StoredMessage> awaitMessageCount(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (messages.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " stored messages within " + timeout + ", got "
                            + messages.size());
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return List.copyOf(messages);
        }
    }

    /** Returns the events recorded by scripts and sessions, in order. */
    public List<String> events() {
        return List.copyOf(events);
    }

    /** Records an event (e.g. an anomaly a script noticed). */
    public void event(String event) {
        events.add(event);
    }

    /**
     * Returns the exceptions thrown by scripts, except end of stream, socket errors (reset, closed) and
     * TLS errors, which are expected when a client goes away.
     */
    public List<Throwable> scriptErrors() {
        return List.copyOf(scriptErrors);
    }

    /** Returns how many connections were accepted so far. */
    public int connectionCount() {
        synchronized (lock) {
            return accepted;
        }
    }

    /**
     * Returns how many accepted connections are open: not yet seen to be closed by the client (end of
     * stream or reset) and not closed by the script or the server.
     */
    public int openConnections() {
        synchronized (lock) {
            return open.size();
        }
    }

    /**
     * Waits until no accepted connection is open. Only connections the server has accepted count: a
     * connection still waiting in the listen backlog is not seen (use {@link #awaitConnectionCount}
     * first when that matters).
     *
     * @throws AssertionError naming the connection indexes still open after the timeout
     */
    public void awaitNoOpenConnections(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!open.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("connections still open after " + timeout + ": " + open);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /**
     * Waits until the script of every accepted connection has finished (and its socket is closed), so
     * that events and script errors recorded after the client went away are visible. Like
     * {@link #awaitNoOpenConnections}, it only knows connections accepted so far.
     *
     * @throws AssertionError naming the connection indexes whose scripts still run after the timeout
     */
    public void awaitScriptsFinished(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!running.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("scripts still running after " + timeout + " on connections " + running);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /**
     * Waits until at least {@code count} connections have been accepted.
     *
     * @throws AssertionError if fewer were accepted within the timeout
     */
    public void awaitConnectionCount(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (accepted < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " connections within " + timeout + ", got " + accepted);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Stops accepting, closes every socket and joins the server's threads (bounded). */
    @Override
    public void close() throws IOException {
        closing = true;
        serverSocket.close();
        for (ServerSession session : sessions) {
            session.closeQuietly();
        }
        long deadline = System.currentTimeMillis() + JOIN_MILLIS;
        List<Thread> all = new ArrayList<>(threads);
        all.add(acceptThread);
        for (Thread thread : all) {
            if (thread != Thread.currentThread()) {
                thread.interrupt();
                try {
                    thread.join(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    void record(RecordedCommand command) {
        synchronized (lock) {
            commands.add(command);
            lock.notifyAll();
        }
    }

    void store(StoredMessage message) {
        synchronized (lock) {
            messages.add(message);
            lock.notifyAll();
        }
    }

    void connectionClosed(int connectionIndex) {
        synchronized (lock) {
            open.remove(connectionIndex);
            lock.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closing) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!closing) {
                    event("accept failed: " + e);
                }
                return;
            }
            int index;
            synchronized (lock) {
                index = accepted++;
                open.add(index);
                running.add(index);
                lock.notifyAll();
            }
            SessionScript script = scripts.poll();
            SessionScript toRun = script != null ? script : defaultScript;
            Thread thread = new Thread(() -> serve(index, socket, toRun), "scripted-smtp-" + port() + "-conn-" + index);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void serve(int index, Socket socket, SessionScript script) {
        ServerSession session = null;
        try {
            socket.setTcpNoDelay(true);
            if (options.sendBufferSize() > 0) {
                socket.setSendBufferSize(options.sendBufferSize());
            }
            session = new ServerSession(this, index, socket, options.readBufferSize());
            sessions.add(session);
            if (closing) {
                return;
            }
            if (options.sslContext() != null) {
                SSLSocket ssl = (SSLSocket) options.sslContext().getSocketFactory()
                        .createSocket(socket, HOST, socket.getPort(), true);
                ssl.setUseClientMode(false);
                session.handshake(ssl);
            }
            script.run(session);
            if (!session.isClosed()) {
                session.drainAfterScript();
            }
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (!closing && !ServerSession.isExpectedDisconnect(t)) {
                scriptErrors.add(t);
            }
        } finally {
            if (session != null) {
                session.closeQuietly();
            } else {
                try {
                    socket.close();
                } catch (IOException e) {
                    // ignore
                }
                connectionClosed(index);
            }
            synchronized (lock) {
                running.remove(index);
                lock.notifyAll();
            }
        }
    }

    @Override
    public String toString() {
        return "ScriptedSmtpServer[" + HOST + ":" + port() + "]";
    }
}
