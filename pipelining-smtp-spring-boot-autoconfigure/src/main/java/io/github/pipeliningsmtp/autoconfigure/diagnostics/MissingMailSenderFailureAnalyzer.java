package io.github.pipeliningsmtp.autoconfigure.diagnostics;

import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * Explains a startup that failed because no {@code JavaMailSender} (or {@code MailSender},
 * {@code PipelinedMailSender}) bean exists while {@code smtp.pipelining.host} is not set: the
 * pipelined sender is configured only when that property is set. Names {@code spring.mail.host}
 * when that is set instead (it configures Spring Boot's own sender, not this one), and property
 * names under {@code smtp.pipelining.*} that look like a misspelt {@code host} (e.g. {@code hots},
 * {@code hostname}); it shows names only, never values. Runs before Spring Boot's general
 * "required a bean ... that could not be found" analysis; leaves every other failure to it.
 * Registered in {@code META-INF/spring.factories}.
 */
public final class MissingMailSenderFailureAnalyzer extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException>
        implements Ordered {

    private static final Set<String> SENDER_TYPES = Set.of("org.springframework.mail.MailSender",
            "org.springframework.mail.javamail.JavaMailSender", "io.github.pipeliningsmtp.sender.PipelinedMailSender");

    private final Environment environment;

    /** @param environment the failed application's environment (given by Spring Boot) */
    public MissingMailSenderFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoSuchBeanDefinitionException cause) {
        ResolvableType type = cause.getResolvableType();
        Class<?> raw = type == null ? null : type.resolve();
        if (raw == null || !SENDER_TYPES.contains(raw.getName()) || environment.containsProperty("smtp.pipelining.host")) {
            return null;
        }
        StringBuilder description = new StringBuilder("No ").append(raw.getSimpleName())
                .append(" bean: the pipelined SMTP sender is configured only when smtp.pipelining.host is set, "
                        + "and it is not.");
        StringBuilder action = new StringBuilder("Set smtp.pipelining.host to the SMTP server's host name, "
                + "e.g. smtp.pipelining.host=mail.example.com (and smtp.pipelining.port, 25 by default).");
        List<String> lookalikes = lookalikes();
        if (!lookalikes.isEmpty()) {
            description.append(" Found ").append(String.join(", ", lookalikes))
                    .append(", which this starter does not read.");
            action.append(" Did you mean smtp.pipelining.host instead of ").append(String.join(", ", lookalikes))
                    .append('?');
        }
        if (environment.containsProperty("spring.mail.host")) {
            description.append(" spring.mail.host is set: it configures Spring Boot's own JavaMailSenderImpl "
                    + "(spring-boot-starter-mail, no pipelining), not this starter.");
            action.append(" To use the pipelined sender, move spring.mail.host, port, username and password to "
                    + "smtp.pipelining.*.");
        }
        return new FailureAnalysis(description.toString(), action.toString(), cause);
    }

    /** Names directly under smtp.pipelining that look like a misspelt host. */
    private List<String> lookalikes() {
        return PropertyNames.under(environment, "smtp.pipelining", n -> n.getNumberOfElements() == 3
                && looksLikeHost(n.getLastElement(ConfigurationPropertyName.Form.UNIFORM)));
    }

    static boolean looksLikeHost(String element) {
        return !element.equals("host") && (element.contains("host") || distance(element, "host") <= 1);
    }

    /** Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Before Spring Boot's NoSuchBeanDefinitionFailureAnalyzer, which would otherwise answer first. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }
}
