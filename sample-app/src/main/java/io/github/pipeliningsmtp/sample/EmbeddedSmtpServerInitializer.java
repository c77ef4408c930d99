package io.github.pipeliningsmtp.sample;

import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * The sample's embedded default: when {@code smtp.pipelining.host} is not set (or empty), starts an
 * {@link EmbeddedSmtpServer} (GreenMail behind a PIPELINING relay on loopback) and points the starter at
 * it by adding {@code smtp.pipelining.host=127.0.0.1} and {@code smtp.pipelining.port=<relay port>} as
 * the highest-precedence property source, before any bean (and so the auto-configuration's
 * conditions) is looked at. When a host is set, it does nothing and the sample talks to that server.
 *
 * <p>An initializer rather than an {@code EnvironmentPostProcessor} because it has the context: the
 * server is registered as the singleton {@code embeddedSmtpServer} and closed when the context closes,
 * after every other bean, so the sender's pool still says QUIT to a live server. Registered in
 * {@code META-INF/spring.factories}, so {@code @SpringBootTest} gets it too.
 */
public class EmbeddedSmtpServerInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** Name of the singleton and of the property source. */
    public static final String NAME = "embeddedSmtpServer";

    private static final Log LOG = LogFactory.getLog(EmbeddedSmtpServerInitializer.class);

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        if (StringUtils.hasText(environment.getProperty("smtp.pipelining.host"))) {
            return;
        }
        EmbeddedSmtpServer server = EmbeddedSmtpServer.start();
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        beanFactory.registerSingleton(NAME, server);
        if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
            // registered before any other bean: destroyed after all of them
            registry.registerDisposableBean(NAME, server::close);
        } else {
            server.close();
            throw new IllegalStateException("Cannot register the embedded SMTP server for shutdown with " + beanFactory);
        }
        environment.getPropertySources().addFirst(new MapPropertySource(NAME,
                Map.of("smtp.pipelining.host", server.host(), "smtp.pipelining.port", server.port())));
        LOG.info("smtp.pipelining.host is not set: started an embedded SMTP server, GreenMail on 127.0.0.1:"
                + server.greenMailPort() + " behind a PIPELINING relay on " + server.host() + ":" + server.port()
                + " (smtp.pipelining.host=" + server.host() + ", smtp.pipelining.port=" + server.port() + ")");
    }
}
