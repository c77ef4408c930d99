package io.github.pipeliningsmtp.test.autoconfigure;

import java.util.List;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Registered in {@code META-INF/spring.factories}: gives a test class annotated (directly, by
 * inheritance or on an enclosing class of a {@code @Nested} one) with
 * {@link AutoConfigureTestSmtpServer} a {@link TestSmtpServerContextCustomizer}; other test classes get none.
 */
public final class TestSmtpServerContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        AutoConfigureTestSmtpServer annotation =
                TestContextAnnotationUtils.findMergedAnnotation(testClass, AutoConfigureTestSmtpServer.class);
        return annotation == null ? null
                : new TestSmtpServerContextCustomizer(annotation.pipelining(), annotation.chunking(), annotation.sizeLimit());
    }
}
