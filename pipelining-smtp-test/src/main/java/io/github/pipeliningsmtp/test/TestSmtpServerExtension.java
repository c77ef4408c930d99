package io.github.pipeliningsmtp.test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit Jupiter extension that runs a {@link TestSmtpServer} for tests without a Spring context
 * (for one with, see {@link io.github.pipeliningsmtp.test.autoconfigure.AutoConfigureTestSmtpServer}).
 *
 * <pre>{@code
 * class WelcomeMailTest {
 *
 *     @RegisterExtension
 *     static final TestSmtpServerExtension smtp = new TestSmtpServerExtension();
 *
 *     @Test
 *     void welcomesAnn() {
 *         WelcomeMailer mailer = new WelcomeMailer(smtp.host(), smtp.port());   // the code under test
 *         mailer.welcome("ann@example.com");
 *         assertThat(smtp.server().messages()).singleElement()
 *                 .satisfies(m -> assertThat(m.subject()).isEqualTo("Welcome"));
 *     }
 * }
 * }</pre>
 *
 * <p>Lifecycle. Registered in a static field or with {@code @ExtendWith(TestSmtpServerExtension.class)},
 * one server serves every test of the class: started before the first test, {@linkplain
 * TestSmtpServer#reset() reset} after each test (messages, commands, refusals), closed after the
 * last. Registered in an instance field, each test gets a server of its own, closed after it. The
 * server is injected into parameters of type {@link TestSmtpServer} of test, lifecycle and
 * {@code @BeforeAll}/{@code @AfterAll} methods (the latter only with one server per class; not of
 * constructors), and into non-final instance fields of that type that are still null.
 *
 * {@code @Nested} classes share their enclosing class's server.
 *
 * <p>Not for concurrent test execution within one class: the tests share the server and its resets.
 */
public final class TestSmtpServerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private final TestSmtpServer.Builder settings;
    private volatile TestSmtpServer classServer;
    private volatile TestSmtpServer testServer;
    private int classDepth;

    /** An extension whose servers advertise PIPELINING and CHUNKING (the {@link TestSmtpServer} defaults). */
    public TestSmtpServerExtension() {
        this(TestSmtpServer.builder());
    }

    /** An extension whose servers are started with a copy of these settings (taken now). */
    public TestSmtpServerExtension(TestSmtpServer.Builder settings) {
        this.settings = Objects.requireNonNull(settings).copy();
    }

    /**
     * The running server.
     *
     * @throws IllegalStateException when no server runs (outside the tests this extension serves)
     */
    public TestSmtpServer server() {
        TestSmtpServer server = testServer != null ? testServer : classServer;
        if (server == null) {
            throw new IllegalStateException("no test SMTP server is running: " + this + " serves no test now");
        }
        return server;
    }

    /** {@code 127.0.0.1}, the running server's host. */
    public String host() {
        return server().host();
    }

    /** The running server's port. */
    public int port() {
        return server().port();
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (classDepth++ == 0) {
            classServer = settings.start();
        }
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (--classDepth > 0) {
            return; // a @Nested class ended; its enclosing class still runs on the same server
        }
        TestSmtpServer server = classServer;
        classServer = null;
        if (server != null) {
            server.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        if (classServer == null) {
            testServer = settings.start();
        }
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            inject(instance, server());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestSmtpServer server = testServer;
        testServer = null;
        if (server != null) {
            server.close();
        } else if (classServer != null) {
            classServer.reset();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestSmtpServer.class
                && parameterContext.getDeclaringExecutable() instanceof Method;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return server();
    }

    private static void inject(Object instance, TestSmtpServer server) throws IllegalAccessException {
        for (Class<?> type = instance.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (field.getType() == TestSmtpServer.class && !Modifier.isStatic(modifiers)
                        && !Modifier.isFinal(modifiers)) {
                    field.setAccessible(true);
                    if (field.get(instance) == null) {
                        field.set(instance, server);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TestSmtpServerExtension";
    }
}
