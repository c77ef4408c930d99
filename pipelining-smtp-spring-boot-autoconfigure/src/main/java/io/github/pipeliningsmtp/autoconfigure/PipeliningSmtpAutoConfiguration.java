package io.github.pipeliningsmtp.autoconfigure;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.DsnOptions;
import io.github.pipeliningsmtp.client.OAuth2TokenProvider;
import io.github.pipeliningsmtp.client.TlsMode;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.sender.SenderEvents;
import jakarta.mail.internet.MimeMessage;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import javax.net.ssl.SSLContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Configures a pooled {@link PipelinedMailSender} as the application's {@link JavaMailSender} when
 * {@code smtp.pipelining.host} is set. Ordered before Spring Boot's mail auto-configuration, whose
 * {@code JavaMailSenderImpl} then backs off; backs off itself when the application defines its own
 * {@code JavaMailSender}.
 *
 * <p>XOAUTH2: an {@link OAuth2TokenProvider} bean (the application's, or the one
 * {@code PipeliningSmtpOAuth2AutoConfiguration} makes from {@code smtp.pipelining.oauth2.registration-id}),
 * else an {@link OAuth2TokenSupplier} bean, replaces the password.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.mail.autoconfigure.MailSenderAutoConfiguration")
@ConditionalOnClass({MimeMessage.class, JavaMailSender.class})
@ConditionalOnProperty(prefix = "smtp.pipelining", name = "host")
@EnableConfigurationProperties(PipeliningSmtpProperties.class)
@Import(RateLimitConfiguration.class)
public final class PipeliningSmtpAutoConfiguration {

    private static final Log LOG = LogFactory.getLog(PipeliningSmtpAutoConfiguration.class);

    /** The sender; closing the context drains the pool (QUIT), bounded by {@code smtp.pipelining.shutdown-timeout}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(JavaMailSender.class)
    PipelinedMailSender pipelinedMailSender(PipeliningSmtpProperties properties, ObjectProvider<SslBundles> sslBundles,
                                            ObjectProvider<OAuth2TokenProvider> tokenProvider,
                                            ObjectProvider<OAuth2TokenSupplier> tokenSupplier,
                                            SendRateLimit rateLimit, Environment environment) {
        RateLimitConfiguration.applyProfile(properties, environment);
        SSLContext sslContext = SslBundleContexts.of(properties.getSslBundle(), sslBundles.getIfAvailable());
        SenderEvents events = new SenderEvents();
        OAuth2TokenProvider tokens = tokenProvider.getIfUnique();
        if (tokens == null && tokenSupplier.getIfUnique() != null) {
            tokens = OAuth2TokenProvider.of(tokenSupplier.getIfUnique());
        }
        ConnectionSettings connection = SettingsMapper.connection(properties, sslContext, tokens);
        if (!properties.isVerifyHostname() && connection.tlsMode() != TlsMode.NONE) {
            LOG.warn("smtp.pipelining.verify-hostname=false: TLS does not check that the certificate names "
                    + properties.getHost() + "; a man in the middle can read the mail and the credentials");
        }
        SmtpConnectionPool pool = new SmtpConnectionPool(connection,
                SettingsMapper.sending(properties).toBuilder().rateLimit(rateLimit).build(),
                SettingsMapper.pool(properties.getPool()), events);
        DeliveryPolicy policy = properties.getDelivery() == PipeliningSmtpProperties.Delivery.ALL_OR_NOTHING
                ? DeliveryPolicy.ALL_OR_NOTHING : DeliveryPolicy.PARTIAL;
        PipelinedMailSender sender = new PipelinedMailSender(pool, properties.getDefaultEncoding(), policy,
                properties.getShutdownTimeout(), events, properties.isSplitOnTooManyRecipients(),
                SettingsMapper.retry(properties.getRetry()));
        if (pool.settings().minIdle() > 0) {
            // the first sends find their sessions open; startup does not wait for the mail server
            pool.warmUpInBackground();
        }
        DsnProperties dsn = properties.getDsn();
        if (!dsn.getNotify().isEmpty() || dsn.getRet() != null || dsn.isOrcpt()) {
            try {
                sender.setDefaultDsn(new DsnOptions(java.util.Set.copyOf(dsn.getNotify()), dsn.getRet(), null,
                        dsn.isOrcpt()));
            } catch (IllegalArgumentException e) {
                throw new org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException(
                        "smtp.pipelining.dsn.notify", dsn.getNotify(), e.getMessage());
            }
        }
        return sender;
    }
}
