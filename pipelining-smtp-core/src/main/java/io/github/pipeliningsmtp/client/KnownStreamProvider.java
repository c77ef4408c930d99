package io.github.pipeliningsmtp.client;

import jakarta.mail.util.StreamProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Spares Jakarta Mail's per-part stream-provider lookup. {@code MimeBodyPart.writeTo} (jakarta.mail-api
 * 2.1) calls {@code MimeUtility.encode}, which calls {@code StreamProvider.provider()} for every part,
 * even for 7bit, 8bit and binary, and that runs {@code ServiceLoader} over every jar of the class
 * path: it was 41 % of the sending threads' CPU per message against Postfix (issue 14, item 3).
 *
 * <p>{@link #run} runs a content write with this class loader as the thread's context class loader.
 * It delegates everything to the loader it wraps (the one that loaded this library, which must also
 * be the thread's context class loader, or nothing is changed), except the one service file
 * {@code META-INF/services/jakarta.mail.util.StreamProvider}, which it answers from memory with the
 * provider class the standard lookup found once, at first use, through the same loader. So the
 * provider is the same as without it (Angus Mail's {@code MailStreamProvider} on a usual class path)
 * and the encoders are the same octet for octet. Thread-safe (parallel capable); the lookup happens
 * once per JVM.
 */
final class KnownStreamProvider extends ClassLoader {

    private static final String SERVICE = "META-INF/services/" + StreamProvider.class.getName();
    private static final ClassLoader OWN = KnownStreamProvider.class.getClassLoader();
    private static volatile KnownStreamProvider instance;

    static {
        registerAsParallelCapable();
    }

    private final URL service;

    private KnownStreamProvider(ClassLoader parent, String providerClass) throws IOException {
        super(parent);
        byte[] line = (providerClass + "\n").getBytes(StandardCharsets.UTF_8);
        this.service = new URL(null, "known-stream-provider:/" + SERVICE, new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL u) {
                return new URLConnection(u) {
                    @Override
                    public void connect() {
                        // in memory
                    }

                    @Override
                    public InputStream getInputStream() {
                        return new ByteArrayInputStream(line);
                    }
                };
            }
        });
    }

    /** A content write. */
    @FunctionalInterface
    interface Write<E1 extends Exception, E2 extends Exception> {
        void run() throws E1, E2;
    }

    /**
     * Runs {@code write} with the known provider; unchanged (the standard lookup on every part)
     * when the thread's context class loader is not the one that loaded this library, or when no
     * provider could be found.
     */
    static <E1 extends Exception, E2 extends Exception> void run(Write<E1, E2> write) throws E1, E2 {
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        KnownStreamProvider known = context == OWN && OWN != null ? instance() : null;
        if (known == null) {
            write.run();
            return;
        }
        thread.setContextClassLoader(known);
        try {
            write.run();
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    private static KnownStreamProvider instance() {
        KnownStreamProvider k = instance;
        if (k == null) {
            synchronized (KnownStreamProvider.class) {
                k = instance;
                if (k == null) {
                    try {
                        // the thread's context class loader is OWN here: the standard lookup, once
                        k = new KnownStreamProvider(OWN, StreamProvider.provider().getClass().getName());
                    } catch (IOException | RuntimeException | java.util.ServiceConfigurationError e) {
                        return null;
                    }
                    instance = k;
                }
            }
        }
        return k;
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (SERVICE.equals(name)) {
            return Collections.enumeration(List.of(service));
        }
        return super.getResources(name);
    }

    @Override
    public URL getResource(String name) {
        return SERVICE.equals(name) ? service : super.getResource(name);
    }
}
