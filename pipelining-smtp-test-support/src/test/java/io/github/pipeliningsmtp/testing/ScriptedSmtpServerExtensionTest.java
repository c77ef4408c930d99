package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * {@link ScriptedSmtpServerExtension}, run on sample test classes through JUnit Platform's
 * EngineTestKit: injection, and the failures after a test (leaked connection, script error, unused
 * script).
 */
class ScriptedSmtpServerExtensionTest {

    private static final String SAMPLES = "scripted.smtp.extension.samples";
    private static final List<Socket> LEAKED = new ArrayList<>();
    private static final Map<String, ScriptedSmtpServer> SEEN = new ConcurrentHashMap<>();

    @AfterEach
    void closeLeaked() throws Exception {
        for (Socket socket : LEAKED) {
            socket.close();
        }
        LEAKED.clear();
        SEEN.clear();
    }

    @Test
    void aCleanTestPassesAndItsServerIsClosedAfterwards() throws Exception {
        EngineExecutionResults results = run(Clean.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1).failed(0));
        ScriptedSmtpServer server = SEEN.get("clean");
        assertThatThrownBy(() -> new Socket(server.host(), server.port()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void fieldParameterAndAccessorGetTheSameServer() {
        run(Injection.class).testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
        assertThat(SEEN.get("field")).isSameAs(SEEN.get("parameter")).isSameAs(SEEN.get("accessor"))
                .isSameAs(SEEN.get("beforeEach")).isNotNull();
    }

    @Test
    void aLeakedConnectionFailsTheTest() {
        assertThat(failureOf(run(Leak.class))).contains("leaked connection: connections still open after PT0.2S: [0]");
    }

    @Test
    void aScriptMismatchFailsTheTestWithExpectedAndActual() {
        assertThat(failureOf(run(Mismatch.class)))
                .contains("script error: ", "step 1 of 4: expected \"QUIT\", got \"NOOP\"");
    }

    @Test
    void anUnusedScriptFailsTheTestUnlessAllowed() {
        assertThat(failureOf(run(Unused.class))).contains("1 enqueued script(s) never used");
        run(UnusedAllowed.class).testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
    }

    @Test
    void theCheckLeavesAFailedTestsOwnErrorFirst() {
        Throwable failure = failure(run(FailingWithLeak.class));
        assertThat(failure).hasMessage("the test's own failure");
        assertThat(failure.getSuppressed()).singleElement().asString().contains("leaked connection");
    }

    @Test
    void serverCheckAloneReportsALeak() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             Socket socket = new Socket(server.host(), server.port())) {
            server.awaitConnectionCount(1, Duration.ofSeconds(2));
            assertThat(ServerCheck.defaults().withTimeout(Duration.ofMillis(100)).problems(server))
                    .containsExactly("leaked connection: connections still open after PT0.1S: [0]");
        }
    }

    private static EngineExecutionResults run(Class<?> sample) {
        return EngineTestKit.engine("junit-jupiter").configurationParameter(SAMPLES, "true")
                .selectors(selectClass(sample)).execute();
    }

    private static Throwable failure(EngineExecutionResults results) {
        List<Event> failed = results.testEvents().failed().list();
        assertThat(failed).hasSize(1);
        return failed.get(0).getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
    }

    private static String failureOf(EngineExecutionResults results) {
        return failure(results).getMessage();
    }

    private static void quit(ScriptedSmtpServer server) throws Exception {
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("QUIT");
            client.reply();
        }
    }

    /** Runs the sample classes only under EngineTestKit (they fail on purpose). */
    static final class OnlyInTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(SAMPLES).isPresent()
                    ? ConditionEvaluationResult.enabled("run by EngineTestKit")
                    : ConditionEvaluationResult.disabled("a sample for ScriptedSmtpServerExtensionTest");
        }
    }

    private static SmtpScript quitScript() {
        return SmtpScript.create().greeting().expect("QUIT").reply("221 Bye").closeFin();
    }

    @ExtendWith({OnlyInTestKit.class, ScriptedSmtpServerExtension.class})
    static class Clean {
        @Test
        void test(ScriptedSmtpServer server) throws Exception {
            SEEN.put("clean", server);
            server.enqueue(quitScript());
            quit(server);
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class Injection {
        @RegisterExtension
        final ScriptedSmtpServerExtension smtp = new ScriptedSmtpServerExtension();
        ScriptedSmtpServer server;

        @org.junit.jupiter.api.BeforeEach
        void before(ScriptedSmtpServer server) {
            SEEN.put("beforeEach", server);
        }

        @Test
        void test(ScriptedSmtpServer parameter) {
            SEEN.put("field", server);
            SEEN.put("parameter", parameter);
            SEEN.put("accessor", smtp.server());
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class Leak {
        @RegisterExtension
        final ScriptedSmtpServerExtension smtp = new ScriptedSmtpServerExtension()
                .withCheck(ServerCheck.defaults().withTimeout(Duration.ofMillis(200)));

        @Test
        void test() throws Exception {
            ScriptedSmtpServer server = smtp.server();
            LEAKED.add(new Socket(server.host(), server.port()));
            server.awaitConnectionCount(1, Duration.ofSeconds(2));
        }
    }

    @ExtendWith({OnlyInTestKit.class, ScriptedSmtpServerExtension.class})
    static class Mismatch {
        @Test
        void test(ScriptedSmtpServer server) throws Exception {
            server.enqueue(quitScript());
            try (TestClient client = TestClient.connect(server.host(), server.port())) {
                client.reply();
                client.send("NOOP");
                client.readsEof();
            }
        }
    }

    @ExtendWith({OnlyInTestKit.class, ScriptedSmtpServerExtension.class})
    static class Unused {
        @Test
        void test(ScriptedSmtpServer server) {
            server.enqueue(quitScript());
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class UnusedAllowed {
        @RegisterExtension
        final ScriptedSmtpServerExtension smtp = new ScriptedSmtpServerExtension()
                .withCheck(ServerCheck.defaults().allowUnusedScripts(true));

        @Test
        void test() {
            smtp.server().enqueue(quitScript());
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class FailingWithLeak {
        @RegisterExtension
        final ScriptedSmtpServerExtension smtp = new ScriptedSmtpServerExtension()
                .withCheck(ServerCheck.defaults().withTimeout(Duration.ofMillis(100)));

        @Test
        void test() throws Exception {
            ScriptedSmtpServer server = smtp.server();
            LEAKED.add(new Socket(server.host(), server.port()));
            server.awaitConnectionCount(1, Duration.ofSeconds(2));
            throw new AssertionError("the test's own failure");
        }
    }
}
