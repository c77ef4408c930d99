package io.github.pipeliningsmtp.autoconfigure;

import javax.net.ssl.SSLContext;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;

/**
 * The SSL context of {@code smtp.pipelining.ssl-bundle}. A name that is not a bundle fails startup
 * with an {@link InvalidConfigurationPropertyValueException} that names the property, the bundle
 * asked for and the bundles that exist, so Spring Boot reports it in words instead of a stack trace.
 */
final class SslBundleContexts {

    private static final String PROPERTY = "smtp.pipelining.ssl-bundle";

    private SslBundleContexts() {
    }

    /** @return null when {@code name} is null (the JDK's default trust) */
    static SSLContext of(String name, SslBundles bundles) {
        if (name == null) {
            return null;
        }
        if (bundles == null || bundles.getBundleNames().isEmpty()) {
            throw new InvalidConfigurationPropertyValueException(PROPERTY, name, "no SSL bundle named '" + name
                    + "': no SSL bundles are configured (define one under spring.ssl.bundle.pem." + name
                    + " or spring.ssl.bundle.jks." + name + ")");
        }
        try {
            return bundles.getBundle(name).createSslContext();
        } catch (NoSuchSslBundleException e) {
            throw new InvalidConfigurationPropertyValueException(PROPERTY, name, "no SSL bundle named '" + name
                    + "'; the SSL bundles are " + bundles.getBundleNames());
        }
    }
}
