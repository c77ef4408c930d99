package io.github.pipeliningsmtp.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.mail.javamail.JavaMailSender;

/** A missing smtp.pipelining.host (or a misspelt one) is explained in words at startup. */
@ExtendWith(OutputCaptureExtension.class)
class MissingMailSenderFailureAnalyzerTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class))
            .withUserConfiguration(NeedsASender.class);

    /** An application bean that needs the sender, as a newsletter service would. */
    @Configuration(proxyBeanMethods = false)
    static class NeedsASender {
        @Bean
        String newsletter(JavaMailSender sender) {
            return "newsletter";
        }
    }

    private FailureAnalysis analyze(String... properties) {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(NoSuchBeanDefinitionException.class);
            java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
            for (String p : properties) {
                map.put(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
            }
            analysis[0] = new MissingMailSenderFailureAnalyzer(environment(map)).analyze(context.getStartupFailure());
        });
        return analysis[0];
    }

    @Test
    void aMissingHostIsNamed() {
        FailureAnalysis analysis = analyze();
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).contains("No JavaMailSender bean").contains("smtp.pipelining.host");
        assertThat(analysis.getAction()).contains("smtp.pipelining.host=");
    }

    @Test
    void aMisspeltHostIsNamedWithoutItsValue() {
        FailureAnalysis analysis = analyze("smtp.pipelining.hots=mail.example.com", "smtp.pipelining.port=587",
                "smtp.pipelining.hostname=relay.example.com");
        assertThat(analysis.getDescription()).contains("smtp.pipelining.hots").contains("smtp.pipelining.hostname")
                .doesNotContain("smtp.pipelining.port").doesNotContain("mail.example.com");
        assertThat(analysis.getAction()).contains("Did you mean smtp.pipelining.host");
    }

    @Test
    void springMailHostIsNamedWhenSetInstead() {
        FailureAnalysis analysis = analyze("spring.mail.host=mail.example.com");
        assertThat(analysis.getDescription()).contains("spring.mail.host is set")
                .contains("Spring Boot's own JavaMailSenderImpl");
        assertThat(analysis.getAction()).contains("smtp.pipelining.*");
    }

    @Test
    void otherMissingBeansAndASetHostAreLeftToSpringBoot() {
        Environment environment = environment(java.util.Map.of());
        MissingMailSenderFailureAnalyzer analyzer = new MissingMailSenderFailureAnalyzer(environment);
        assertThat(analyzer.analyze(new NoSuchBeanDefinitionException(javax.sql.DataSource.class))).isNull();
        Environment withHost = environment(java.util.Map.of("smtp.pipelining.host", "mail.example.com"));
        assertThat(new MissingMailSenderFailureAnalyzer(withHost)
                .analyze(new NoSuchBeanDefinitionException(JavaMailSender.class))).isNull();
    }

    private static Environment environment(java.util.Map<String, Object> properties) {
        org.springframework.core.env.StandardEnvironment environment = new org.springframework.core.env.StandardEnvironment();
        environment.getPropertySources().addFirst(new org.springframework.core.env.MapPropertySource("test", properties));
        return environment;
    }

    @Test
    void looksLikeHost() {
        assertThat(List.of("hots", "hst", "hosts", "hostname", "smtp-host", "ghost"))
                .allMatch(MissingMailSenderFailureAnalyzer::looksLikeHost);
        assertThat(List.of("host", "port", "tls", "username", "pool")).noneMatch(MissingMailSenderFailureAnalyzer::looksLikeHost);
    }

    @Test
    void registeredForSpringBootBeforeItsOwnAnalyzer() {
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
                .load(FailureAnalyzer.class, SpringFactoriesLoader.ArgumentResolver.of(Environment.class,
                        environment(java.util.Map.of())).and(org.springframework.beans.factory.BeanFactory.class,
                        new org.springframework.beans.factory.support.DefaultListableBeanFactory()),
                        // as Spring Boot does: an analyzer whose classes are absent (web) is skipped
                        SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { }));
        assertThat(analyzers).anyMatch(a -> a instanceof MissingMailSenderFailureAnalyzer);
        org.springframework.core.annotation.AnnotationAwareOrderComparator.sort(analyzers);
        assertThat(analyzers.stream().map(a -> a.getClass().getSimpleName()).toList())
                .startsWith("MissingMailSenderFailureAnalyzer");
    }

    /** The whole path: SpringApplication prints the analysis instead of Spring Boot's bare one. */
    @Test
    void startupPrintsTheAnalysis(CapturedOutput output) {
        SpringApplication application = new SpringApplication(App.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> application.run("--smtp.pipelining.hots=mail.example.com",
                "--spring.main.banner-mode=off")).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("the pipelined SMTP sender is configured only when smtp.pipelining.host is set")
                .contains("smtp.pipelining.hots");
    }

    @Configuration(proxyBeanMethods = false)
    @Import({NeedsASender.class, PipeliningSmtpAutoConfiguration.class})
    static class App {
    }
}
