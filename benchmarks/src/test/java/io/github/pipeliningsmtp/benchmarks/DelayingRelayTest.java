package io.github.pipeliningsmtp.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.RelayOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The relay as the benchmark uses it: a fixed delay each way, and round trips counted. */
class DelayingRelayTest {

    @Test
    void eachRoundTripCostsTwiceTheDelayAndIsCounted() throws Exception {
        try (FastSmtpSink sink = FastSmtpSink.start();
             PipeliningRelay relay = PipeliningRelay.start("127.0.0.1", sink.port(),
                     RelayOptions.defaults().withDelay(Duration.ofMillis(20)).withInsertPipelining(false));
             Socket s = new Socket(relay.host(), relay.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            assertThat(in.readLine()).startsWith("220");
            long greeting = System.nanoTime() - t0;
            relay.resetCounters();
            long t1 = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                // a pipelined pair: one round trip
                out.write("NOOP\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("250");
                assertThat(in.readLine()).startsWith("250");
            }
            long elapsed = System.nanoTime() - t1;
            assertThat(greeting).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
            assertThat(elapsed).isBetween(Duration.ofMillis(120).toNanos(), Duration.ofMillis(400).toNanos());
            assertThat(relay.roundTrips()).isEqualTo(3);
        }
    }
}
