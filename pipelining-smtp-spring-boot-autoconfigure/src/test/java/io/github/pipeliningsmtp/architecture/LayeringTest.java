package io.github.pipeliningsmtp.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md layering: the engine ({@code protocol}, {@code client}) imports nothing from Spring, and
 * the arrows only point down: {@code protocol} does not depend on {@code client}.
 */
class LayeringTest {

    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.pipeliningsmtp.protocol", "io.github.pipeliningsmtp.client",
                    "io.github.pipeliningsmtp.pool", "io.github.pipeliningsmtp.sender",
                    "io.github.pipeliningsmtp.autoconfigure");

    @Test
    void theEngineIsImported() {
        assertThat(ENGINE.stream().map(c -> c.getPackageName()).distinct())
                .contains("io.github.pipeliningsmtp.protocol", "io.github.pipeliningsmtp.client");
    }

    @Test
    void protocolAndClientDoNotDependOnSpring() {
        noClasses().that().resideInAnyPackage("io.github.pipeliningsmtp.protocol..", "io.github.pipeliningsmtp.client..",
                        "io.github.pipeliningsmtp.pool..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..")
                .check(ENGINE);
    }

    @Test
    void arrowsOnlyPointDown() {
        String[] layers = {"protocol", "client", "pool", "sender", "autoconfigure"};
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
