package io.github.pipeliningsmtp.autoconfigure.diagnostics;

import java.util.List;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Says, once the beans exist, which mail sender is in use when both Spring Boot's
 * {@code spring.mail.*} and this starter's {@code smtp.pipelining.*} could apply (migration traps):
 * <ul>
 *   <li>{@code spring.mail.host} set and {@code smtp.pipelining.host} not: the pipelined sender is
 *       off; the {@code JavaMailSender} is Spring Boot's {@code JavaMailSenderImpl} (with
 *       spring-boot-starter-mail), which does not pipeline, or none; {@code smtp.pipelining.*} set
 *       properties are ignored;</li>
 *   <li>both set: the {@code PipelinedMailSender} wins and every {@code spring.mail.*} property is
 *       ignored.</li>
 * </ul>
 * One WARN in each case, naming the sender and the ignored properties (names, never values);
 * nothing otherwise. Runs on the thread that starts the application.
 */
public final class SenderChoiceReport implements SmartInitializingSingleton {

    private static final Log LOG = LogFactory.getLog(SenderChoiceReport.class);
    private static final String PIPELINED = "io.github.pipeliningsmtp.sender.PipelinedMailSender";

    private final Environment environment;
    private final ListableBeanFactory beans;

    SenderChoiceReport(Environment environment, ListableBeanFactory beans) {
        this.environment = environment;
        this.beans = beans;
    }

    @Override
    public void afterSingletonsInstantiated() {
        String warning = warning();
        if (warning != null) {
            LOG.warn(warning);
        }
    }

    /** The warning to log, or null when there is none. */
    String warning() {
        if (!environment.containsProperty("spring.mail.host")) {
            return null;
        }
        Map<String, JavaMailSender> senders = beans.getBeansOfType(JavaMailSender.class, true, false);
        boolean pipelined = senders.values().stream().anyMatch(s -> s.getClass().getName().equals(PIPELINED));
        if (environment.containsProperty("smtp.pipelining.host")) {
            if (!pipelined) {
                return null; // the application's own sender: neither configuration is ours to judge
            }
            List<String> ignored = PropertyNames.under(environment, "spring.mail", n -> true);
            return "Both smtp.pipelining.host and spring.mail.host are set: the JavaMailSender is the pipelined "
                    + "sender (PipelinedMailSender, configured from smtp.pipelining.*) and these properties are "
                    + "ignored: " + ignored + ". Remove them, or remove smtp.pipelining.host to use Spring Boot's "
                    + "JavaMailSenderImpl.";
        }
        String inUse = senders.isEmpty() ? "there is no JavaMailSender"
                : "the JavaMailSender is " + String.join(", ", senders.values().stream()
                        .map(s -> s.getClass().getSimpleName()).toList())
                        + (senders.values().stream().anyMatch(s -> s.getClass().getName()
                                .equals("org.springframework.mail.javamail.JavaMailSenderImpl"))
                                ? " (Spring Boot's, configured from spring.mail.*; it sends one command at a time, no pipelining)"
                                : "");
        List<String> ignored = PropertyNames.under(environment, "smtp.pipelining", n -> true);
        return "spring.mail.host is set and smtp.pipelining.host is not: the pipelined sender is off and " + inUse
                + (ignored.isEmpty() ? "" : "; these properties are ignored: " + ignored)
                + ". To send with pipelining, set smtp.pipelining.host (and move spring.mail.port, username and "
                + "password to smtp.pipelining.*).";
    }
}
