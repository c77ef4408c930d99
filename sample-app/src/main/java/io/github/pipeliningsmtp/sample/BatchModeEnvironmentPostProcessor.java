package io.github.pipeliningsmtp.sample;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * With {@code sample.exit=true} the sample is a batch job: it defaults
 * {@code spring.main.web-application-type} to {@code none}, so it starts no web server (and cannot fail
 * on a port in use). The default has the lowest precedence: an explicit
 * {@code spring.main.web-application-type} wins.
 *
 * <p>Spring Boot 4's interface is {@link org.springframework.boot.EnvironmentPostProcessor} (the one in
 * {@code org.springframework.boot.env} is deprecated); registered in {@code META-INF/spring.factories}.
 */
public class BatchModeEnvironmentPostProcessor implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getProperty("sample.exit", Boolean.class, false)) {
            environment.getPropertySources().addLast(new MapPropertySource("sampleBatchMode",
                    Map.of("spring.main.web-application-type", "none")));
        }
    }
}
