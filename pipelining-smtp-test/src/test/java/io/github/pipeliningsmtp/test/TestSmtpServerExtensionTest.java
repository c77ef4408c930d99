package io.github.pipeliningsmtp.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.pipeliningsmtp.delivery.SmtpMailer;
import java.net.ConnectException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * {@link TestSmtpServerExtension}, run on sample test classes through JUnit Platform's EngineTestKit:
 * one server per class (reset between tests, closed after the class) or per test, and injection.
 */
class TestSmtpServerExtensionTest {

    private static final String SAMPLES = "test.smtp.extension.samples";
    private static final List<TestSmtpServer> SEEN = new CopyOnWriteArrayList<>();

    @AfterEach
    void clear() {
        SEEN.clear();
    }

    @Test
    void aStaticExtensionServesTheWholeClassResetsItBetweenTestsAndClosesItAfterwards() {
        run(PerClass.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2).failed(0));
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).isSameAs(SEEN.get(1));
        assertClosed(SEEN.get(0));
    }

    @Test
    void anInstanceExtensionGivesEachTestItsOwnServerClosedAfterIt() {
        run(PerTest.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2).failed(0));
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).isNotSameAs(SEEN.get(1));
        assertClosed(SEEN.get(0));
        assertClosed(SEEN.get(1));
    }

    @Test
    void extendWithInjectsFieldsAndParameters() {
        run(Declarative.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1).failed(0));
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).isSameAs(SEEN.get(1));
        assertClosed(SEEN.get(0));
    }

    @Test
    void theServerIsNotAvailableOutsideATest() {
        assertThatThrownBy(() -> new TestSmtpServerExtension().server()).isInstanceOf(IllegalStateException.class);
    }

    private static void assertClosed(TestSmtpServer server) {
        assertThatThrownBy(() -> new Socket(server.host(), server.port()).close()).isInstanceOf(ConnectException.class);
    }

    private static EngineExecutionResults run(Class<?> sample) {
        return EngineTestKit.engine("junit-jupiter").configurationParameter(SAMPLES, "true")
                .selectors(selectClass(sample)).execute();
    }

    static final class OnlyInTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(SAMPLES).isPresent()
                    ? ConditionEvaluationResult.enabled("run by EngineTestKit")
                    : ConditionEvaluationResult.disabled("a sample for TestSmtpServerExtensionTest");
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class PerClass {

        @RegisterExtension
        static final TestSmtpServerExtension smtp = new TestSmtpServerExtension(TestSmtpServer.builder().chunking(false));

        @Test
        @Order(1)
        void sendsWithARefusal() throws Exception {
            SEEN.add(smtp.server());
            assertThat(smtp.server().capabilities()).doesNotContain("CHUNKING");
            smtp.server().refuseRecipient("ann@example.com");
            try (SmtpMailer mailer = Mail.mailer(smtp.server())) {
                assertThat(mailer.send(Mail.message(mailer, "me@example.com", "s", "t\n", "ann@example.com")).failed())
                        .isEqualTo(1);
                assertThat(mailer.send(Mail.message(mailer, "me@example.com", "s", "t\n", "ben@example.com")).succeeded())
                        .isEqualTo(1);
            }
            assertThat(smtp.server().messages()).hasSize(1);
        }

        @Test
        @Order(2)
        void seesNeitherTheMessagesNorTheRefusalOfTheFirstTest() throws Exception {
            SEEN.add(smtp.server());
            assertThat(smtp.server().messages()).isEmpty();
            try (SmtpMailer mailer = Mail.mailer(smtp.server())) {
                assertThat(mailer.send(Mail.message(mailer, "me@example.com", "s", "t\n", "ann@example.com")).allSucceeded())
                        .isTrue();
            }
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class PerTest {

        @RegisterExtension
        final TestSmtpServerExtension smtp = new TestSmtpServerExtension();

        @Test
        void one(TestSmtpServer server) {
            assertThat(server).isSameAs(smtp.server());
            SEEN.add(server);
        }

        @Test
        void two(TestSmtpServer server) {
            SEEN.add(server);
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    @ExtendWith(TestSmtpServerExtension.class)
    static class Declarative {

        TestSmtpServer field;

        @Test
        void injected(TestSmtpServer parameter) {
            SEEN.add(field);
            SEEN.add(parameter);
            assertThat(parameter.capabilities()).contains("PIPELINING", "CHUNKING");
        }
    }
}
