package io.github.pipeliningsmtp.autoconfigure.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * The names (never the values) of the properties set under a prefix, in their canonical form
 * whatever their source ({@code SMTP_PIPELINING_HOTS} reads {@code smtp.pipelining.hots}).
 */
final class PropertyNames {

    private PropertyNames() {
    }

    /** Sorted names under {@code prefix} that pass {@code filter}; empty for an environment that cannot be listed. */
    static List<String> under(Environment environment, String prefix, Predicate<ConfigurationPropertyName> filter) {
        ConfigurationPropertyName parent = ConfigurationPropertyName.of(prefix);
        Set<String> found = new TreeSet<>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(configurable)) {
                if (source instanceof IterableConfigurationPropertySource iterable) {
                    iterable.stream().filter(n -> parent.isAncestorOf(n) && filter.test(n))
                            .forEach(n -> found.add(n.toString()));
                }
            }
        }
        return new ArrayList<>(found);
    }
}
