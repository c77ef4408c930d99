package io.github.pipeliningsmtp.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit Jupiter extension that starts a {@link ScriptedSmtpServer} before each test and checks and
 * closes it after the test. The server is injected into non-static, non-final fields of type
 * {@code ScriptedSmtpServer} that are still null, and into parameters of that type of test,
 * {@code @BeforeEach} and {@code @AfterEach} methods; {@link #server()} returns it as well.
 *
 * <pre>{@code
 * @ExtendWith(ScriptedSmtpServerExtension.class)
 * class MyTest {
 *     @Test
 *     void refusedRecipient(ScriptedSmtpServer server) { ... }
 * }
 *
 * class MyConfiguredTest {
 *     @RegisterExtension
 *     final ScriptedSmtpServerExtension smtp = new ScriptedSmtpServerExtension()
 *             .withCheck(ServerCheck.defaults().allowUnusedScripts(true));
 * }
 * }</pre>
 *
 * <p>After each test (also one that failed) the extension runs its {@link ServerCheck}: it waits at
 * most {@link ServerCheck#timeout()} (default 2 s) for every connection to be closed, then at most as
 * long for the scripts to finish, and fails the test on a leaked connection, a script error (e.g. a
 * {@link ScriptMismatchError}) or an enqueued script no connection took. The server is closed in
 * any case (bounded: see {@link ScriptedSmtpServer#close()}).
 *
 * <p>One server per test; an instance registered in a static field serves tests one at a time (not
 * for concurrent test execution).
 */
public final class ScriptedSmtpServerExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final String KEY = "server";
    private static final String FIELDS = "injected fields";

    private final ServerOptions options;
    private final ServerCheck check;
    private volatile ScriptedSmtpServer current;

    /** An extension with {@link ServerOptions#defaults()} and {@link ServerCheck#defaults()}. */
    public ScriptedSmtpServerExtension() {
        this(ServerOptions.defaults(), ServerCheck.defaults());
    }

    private ScriptedSmtpServerExtension(ServerOptions options, ServerCheck check) {
        this.options = Objects.requireNonNull(options);
        this.check = Objects.requireNonNull(check);
    }

    /** Returns a copy that starts servers with the given options. */
    public ScriptedSmtpServerExtension withOptions(ServerOptions options) {
        return new ScriptedSmtpServerExtension(options, check);
    }

    /** Returns a copy that checks servers after each test with the given check. */
    public ScriptedSmtpServerExtension withCheck(ServerCheck check) {
        return new ScriptedSmtpServerExtension(options, check);
    }

    /**
     * Returns the running test's server.
     *
     * @throws IllegalStateException outside a test
     */
    public ScriptedSmtpServer server() {
        ScriptedSmtpServer server = current;
        if (server == null) {
            throw new IllegalStateException("no test is running with " + this);
        }
        return server;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        ScriptedSmtpServer server = ScriptedSmtpServer.start(options);
        context.getStore(namespace()).put(KEY, server);
        current = server;
        List<Runnable> clear = new ArrayList<>();
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            inject(instance, server, clear);
        }
        context.getStore(namespace()).put(FIELDS, clear);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        ScriptedSmtpServer server = context.getStore(namespace()).remove(KEY, ScriptedSmtpServer.class);
        List<?> clear = context.getStore(namespace()).remove(FIELDS, List.class);
        if (clear != null) {
            clear.forEach(c -> ((Runnable) c).run());
        }
        current = null;
        if (server == null) {
            return;
        }
        try {
            check.verify(server);
        } finally {
            server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ScriptedSmtpServer.class
                && parameterContext.getDeclaringExecutable() instanceof Method;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ScriptedSmtpServer server = extensionContext.getStore(namespace()).get(KEY, ScriptedSmtpServer.class);
        if (server == null) {
            throw new ParameterResolutionException("no ScriptedSmtpServer outside a test method's lifecycle");
        }
        return server;
    }

    private ExtensionContext.Namespace namespace() {
        return ExtensionContext.Namespace.create(ScriptedSmtpServerExtension.class, this);
    }

    /** Sets the null server fields; adds to {@code clear} what sets them back to null after the test. */
    private static void inject(Object instance, ScriptedSmtpServer server, List<Runnable> clear)
            throws IllegalAccessException {
        for (Class<?> type = instance.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (field.getType() == ScriptedSmtpServer.class && !Modifier.isStatic(modifiers)
                        && !Modifier.isFinal(modifiers)) {
                    field.setAccessible(true);
                    if (field.get(instance) == null) {
                        field.set(instance, server);
                        clear.add(() -> {
                            try {
                                field.set(instance, null);
                            } catch (IllegalAccessException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ScriptedSmtpServerExtension[" + check + "]";
    }
}
