package io.github.pipeliningsmtp.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering the README draws: the core module's packages ({@code protocol}, {@code pacing},
 * {@code client}, {@code pool}, {@code delivery}) import nothing from Spring or Micrometer, and the
 * arrows only point down, from {@code autoconfigure} to {@code sender} to {@code delivery} to
 * {@code pool} to {@code client} to {@code pacing} (the send rate limit) to {@code protocol}. The health and metrics auto-configurations stand beside the
 * sender's: neither uses the other, and the sender's own auto-configuration uses neither.
 */
class LayeringTest {

    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.pipeliningsmtp.protocol", "io.github.pipeliningsmtp.pacing", "io.github.pipeliningsmtp.client",
                    "io.github.pipeliningsmtp.pool", "io.github.pipeliningsmtp.delivery", "io.github.pipeliningsmtp.sender",
                    "io.github.pipeliningsmtp.autoconfigure");

    @Test
    void theEngineIsImported() {
        assertThat(ENGINE.stream().map(c -> c.getPackageName()).distinct())
                .contains("io.github.pipeliningsmtp.protocol", "io.github.pipeliningsmtp.pacing", "io.github.pipeliningsmtp.client",
                        "io.github.pipeliningsmtp.pool", "io.github.pipeliningsmtp.delivery",
                        "io.github.pipeliningsmtp.sender", "io.github.pipeliningsmtp.autoconfigure",
                        "io.github.pipeliningsmtp.autoconfigure.health", "io.github.pipeliningsmtp.autoconfigure.metrics");
    }

    @Test
    void protocolAndClientDoNotDependOnSpring() {
        noClasses().that().resideInAnyPackage("io.github.pipeliningsmtp.protocol..", "io.github.pipeliningsmtp.pacing..",
                        "io.github.pipeliningsmtp.client..",
                        "io.github.pipeliningsmtp.pool..", "io.github.pipeliningsmtp.delivery..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.micrometer..")
                .check(ENGINE);
    }

    @Test
    void healthAndMetricsStandBesideTheSendersAutoConfiguration() {
        noClasses().that().resideInAPackage("io.github.pipeliningsmtp.autoconfigure.health")
                .should().dependOnClassesThat().resideInAPackage("io.github.pipeliningsmtp.autoconfigure.metrics")
                .check(ENGINE);
        noClasses().that().resideInAPackage("io.github.pipeliningsmtp.autoconfigure.metrics")
                .should().dependOnClassesThat().resideInAPackage("io.github.pipeliningsmtp.autoconfigure.health")
                .check(ENGINE);
        noClasses().that().resideInAPackage("io.github.pipeliningsmtp.autoconfigure")
                .should().dependOnClassesThat().resideInAnyPackage("io.github.pipeliningsmtp.autoconfigure.health",
                        "io.github.pipeliningsmtp.autoconfigure.metrics")
                .check(ENGINE);
    }

    @Test
    void arrowsOnlyPointDown() {
        String[] layers = {"protocol", "pacing", "client", "pool", "delivery", "sender", "autoconfigure"};
        for (int i = 0; i < layers.length; i++) {
            for (int j = i + 1; j < layers.length; j++) {
                noClasses().that().resideInAPackage("io.github.pipeliningsmtp." + layers[i] + "..")
                        .should().dependOnClassesThat().resideInAPackage("io.github.pipeliningsmtp." + layers[j] + "..")
                        .check(ENGINE);
            }
        }
    }

    @Test
    void protocolDoesNotDependOnClient() {
        noClasses().that().resideInAPackage("io.github.pipeliningsmtp.protocol..")
                .should().dependOnClassesThat().resideInAPackage("io.github.pipeliningsmtp.client..")
                .check(ENGINE);
    }
}
