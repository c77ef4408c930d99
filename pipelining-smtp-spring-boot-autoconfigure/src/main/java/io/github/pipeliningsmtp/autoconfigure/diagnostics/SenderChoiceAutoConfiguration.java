package io.github.pipeliningsmtp.autoconfigure.diagnostics;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Logs one WARN at startup when {@code spring.mail.host} is set, because then one of the two mail
 * configurations is ignored: see {@link SenderChoiceReport}.
 */
@AutoConfiguration(afterName = {"io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration",
        "org.springframework.boot.mail.autoconfigure.MailSenderAutoConfiguration"})
@ConditionalOnClass(JavaMailSender.class)
public final class SenderChoiceAutoConfiguration {

    @Bean
    static SenderChoiceReport pipeliningSmtpSenderChoiceReport(Environment environment, ListableBeanFactory beans) {
        return new SenderChoiceReport(environment, beans);
    }
}
