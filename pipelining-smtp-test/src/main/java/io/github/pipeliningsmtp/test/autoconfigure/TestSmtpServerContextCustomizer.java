package io.github.pipeliningsmtp.test.autoconfigure;

import io.github.pipeliningsmtp.test.TestSmtpServer;
import java.util.Map;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Starts the {@link TestSmtpServer} of one test application context and points
 * {@code smtp.pipelining.*} at it (see {@link AutoConfigureTestSmtpServer}). A value: two test classes
 * with the same settings share a cached context.
 *
 * @param pipelining advertise PIPELINING
 * @param chunking advertise CHUNKING
 * @param sizeLimit the SIZE limit advertised, 0 for none
 */
record TestSmtpServerContextCustomizer(boolean pipelining, boolean chunking, long sizeLimit) implements ContextCustomizer {

    /** The name of the server's bean and of the property source. */
    static final String BEAN_NAME = "testSmtpServer";

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
        TestSmtpServer server = TestSmtpServer.builder().pipelining(pipelining).chunking(chunking)
                .sizeLimit(sizeLimit).start();
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        if (!(beanFactory instanceof DefaultSingletonBeanRegistry registry)) {
            server.close();
            throw new IllegalStateException("cannot register the test SMTP server for shutdown with " + beanFactory);
        }
        beanFactory.registerSingleton(BEAN_NAME, server);
        // registered before any other bean: destroyed after all of them
        registry.registerDisposableBean(BEAN_NAME, server::close);
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(BEAN_NAME, Map.of(
                "smtp.pipelining.host", server.host(),
                "smtp.pipelining.port", server.port(),
                "smtp.pipelining.tls", "none",
                "smtp.pipelining.allow-plaintext-auth", true)));
    }
}
