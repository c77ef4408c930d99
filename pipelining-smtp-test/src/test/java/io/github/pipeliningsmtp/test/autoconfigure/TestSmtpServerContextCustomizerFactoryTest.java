package io.github.pipeliningsmtp.test.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TestSmtpServerContextCustomizerFactoryTest {

    private final TestSmtpServerContextCustomizerFactory factory = new TestSmtpServerContextCustomizerFactory();

    @Test
    void aTestClassWithoutTheAnnotationGetsNoCustomizer() {
        assertThat(factory.createContextCustomizer(Plain.class, List.of())).isNull();
    }

    @Test
    void equalAttributesGiveEqualCustomizersSoTheContextIsShared() {
        assertThat(factory.createContextCustomizer(Defaults.class, List.of()))
                .isEqualTo(factory.createContextCustomizer(AlsoDefaults.class, List.of()))
                .isNotEqualTo(factory.createContextCustomizer(NoChunking.class, List.of()));
    }

    @Test
    void aNestedClassAndASubclassGetTheirEnclosingOrSuperClasssAnnotation() {
        TestSmtpServerContextCustomizer expected = new TestSmtpServerContextCustomizer(true, false, 1000);
        assertThat(factory.createContextCustomizer(NoChunking.Inner.class, List.of())).isEqualTo(expected);
        assertThat(factory.createContextCustomizer(NoChunkingSubclass.class, List.of())).isEqualTo(expected);
    }

    static class Plain {
    }

    @AutoConfigureTestSmtpServer
    static class Defaults {
    }

    @AutoConfigureTestSmtpServer
    static class AlsoDefaults {
    }

    @AutoConfigureTestSmtpServer(chunking = false, sizeLimit = 1000)
    static class NoChunking {
        @Nested
        class Inner {
        }
    }

    static class NoChunkingSubclass extends NoChunking {
    }
}
