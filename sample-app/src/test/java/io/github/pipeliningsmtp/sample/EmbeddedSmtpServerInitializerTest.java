package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;

class EmbeddedSmtpServerInitializerTest {

    @Test
    void withAHostConfiguredNothingIsStarted() {
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.getEnvironment().getPropertySources().addFirst(
                    new MapPropertySource("test", Map.of("smtp.pipelining.host", "smtp.example.com", "smtp.pipelining.port", 587)));
            new EmbeddedSmtpServerInitializer().initialize(context);
            context.refresh();
            assertThat(context.containsBean(EmbeddedSmtpServerInitializer.NAME)).isFalse();
            assertThat(context.getEnvironment().getProperty("smtp.pipelining.host")).isEqualTo("smtp.example.com");
            assertThat(context.getEnvironment().getProperty("smtp.pipelining.port")).isEqualTo("587");
        }
    }

    @Test
    void withoutAHostTheEmbeddedServerIsStartedConfiguredAndClosedWithTheContext() throws Exception {
        EmbeddedSmtpServer server;
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.getEnvironment().getPropertySources().addFirst(
                    new MapPropertySource("test", Map.of("smtp.pipelining.port", 25)));
            new EmbeddedSmtpServerInitializer().initialize(context);
            context.refresh();
            server = context.getBean(EmbeddedSmtpServer.class);
            assertThat(context.getEnvironment().getProperty("smtp.pipelining.host")).isEqualTo("127.0.0.1");
            assertThat(context.getEnvironment().getProperty("smtp.pipelining.port", Integer.class)).isEqualTo(server.port());
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                assertThat(new String(socket.getInputStream().readNBytes(4))).isEqualTo("220 ");
            }
        }
        int port = server.port();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
    }
}
