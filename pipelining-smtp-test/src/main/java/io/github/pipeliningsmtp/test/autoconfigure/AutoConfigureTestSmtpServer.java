package io.github.pipeliningsmtp.test.autoconfigure;

import io.github.pipeliningsmtp.test.TestSmtpServer;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a Spring test class ({@code @SpringBootTest} or any Spring TestContext test): starts a
 * {@link TestSmtpServer} with the test's application context, registers it as the bean
 * {@code testSmtpServer} (inject it with {@code @Autowired}), and points the
 * starter at it before any bean is created, with the highest precedence:
 * {@code smtp.pipelining.host=127.0.0.1}, {@code smtp.pipelining.port=<its port>},
 * {@code smtp.pipelining.tls=none} and {@code smtp.pipelining.allow-plaintext-auth=true} (the server has
 * no STARTTLS and takes any credentials, so a configured username still works). Other
 * {@code smtp.pipelining.*} settings apply as configured.
 *
 * <p>The server lives as long as the context: Spring's test context cache shares it between test
 * classes with the same configuration (and the same attributes here), and it is closed after every
 * bean of the context, so the sender's pool says QUIT to a live server. After each test method the
 * server is {@linkplain TestSmtpServer#reset() reset} (messages, commands, refusals): the first test
 * to run on a new context also sees the mail sent while the context started.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface AutoConfigureTestSmtpServer {

    /** Advertise PIPELINING (RFC 2920); default true. */
    boolean pipelining() default true;

    /** Advertise CHUNKING and take BDAT (RFC 3030); default true. */
    boolean chunking() default true;

    /** The SIZE limit advertised (RFC 1870), in octets; 0 for none. Default 10485760 (10 MiB). */
    long sizeLimit() default TestSmtpServer.DEFAULT_SIZE_LIMIT;
}
