package io.github.pipeliningsmtp.test.autoconfigure;

import io.github.pipeliningsmtp.test.TestSmtpServer;
import org.springframework.core.Ordered;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;

/**
 * Registered in {@code META-INF/spring.factories} (a default listener): after each test method whose
 * application context holds the {@link AutoConfigureTestSmtpServer} server,
 * {@linkplain TestSmtpServer#reset() resets} it. Contexts without one (and contexts already closed,
 * e.g. by {@code @DirtiesContext}) are left alone; it never loads a context.
 */
public final class TestSmtpServerResetListener implements TestExecutionListener, Ordered {

    @Override
    public void afterTestMethod(TestContext testContext) {
        if (!testContext.hasApplicationContext()) {
            return;
        }
        if (testContext.getApplicationContext().containsBean(TestSmtpServerContextCustomizer.BEAN_NAME)
                && testContext.getApplicationContext().getBean(TestSmtpServerContextCustomizer.BEAN_NAME)
                        instanceof TestSmtpServer server) {
            server.reset();
        }
    }

    /**
     * 10000: after the default listeners, so its {@code after} callback (they run in reverse order) comes
     * before theirs, e.g. before {@code @DirtiesContext} closes the context.
     */
    @Override
    public int getOrder() {
        return 10_000;
    }
}
