package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "Testing your application" shows {@link NewsletterMailTest} and {@link LedgerViewTest}
 * as they are (from the imports on), so the tests it shows are the ones that pass here.
 */
class ReadmeShowsTheSampleTestsTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Path TESTS = Path.of("src", "test", "java", "io", "github", "pipeliningsmtp", "sample");

    @Test
    void theReadmeShowsTheSpringBootTestAsWritten() throws IOException {
        assertThat(readme()).contains(fromImports("NewsletterMailTest.java"));
    }

    @Test
    void theReadmeShowsTheUnitTestOfFailedRecipientsAsWritten() throws IOException {
        assertThat(readme()).contains(fromImports("LedgerViewTest.java"));
    }

    private static String readme() throws IOException {
        return Files.readString(README);
    }

    private static String fromImports(String file) throws IOException {
        String source = Files.readString(TESTS.resolve(file));
        return source.substring(source.indexOf("import "));
    }
}
