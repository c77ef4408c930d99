package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.github.pipeliningsmtp.client.SendReport;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * Actuator on the sample's embedded default (GreenMail behind the PIPELINING relay), over a real HTTP
 * port: the {@code smtp.pipelining.*} meters of {@code /actuator/metrics} equal the ledgers of the
 * startup batch and of a newsletter, {@code /actuator/health} shows the {@code smtpPipelining}
 * component UP with {@code pipelining: true}, and once the SMTP server is stopped the component turns
 * DOWN within the (here very short) cache time.
 *
 * <p>The methods run in order: the third stops the embedded server (the fourth reads the meters after it), and the context is discarded
 * afterwards.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "sample.batch-size=5",
        "smtp.pipelining.health.cache-time=" + SampleActuatorTest.CACHE_MILLIS + "ms"})
@AutoConfigureRestTestClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext
class SampleActuatorTest {

    static final long CACHE_MILLIS = 200;

    private static final int NEWSLETTER_RECIPIENTS = 6;

    @Autowired
    private EmbeddedSmtpServer embedded;

    @Autowired
    private StartupBatch startupBatch;

    @Autowired
    private RestTestClient client;

    @Test
    @Order(1)
    void recipientAndMessageMetersEqualTheLedgersOfTheStartupBatchAndANewsletter() {
        SendReport startup = startupBatch.report();
        assertThat(startup).as("the startup batch's report").isNotNull();
        assertThat(startup.messages()).isEqualTo(5);

        List<String> recipients = IntStream.rangeClosed(1, NEWSLETTER_RECIPIENTS)
                .mapToObj(i -> "reader" + i + "@example.com").toList();
        LedgerView newsletter = client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("subject", "Metered newsletter", "text", "Hello.\n", "recipients", recipients))
                .exchange()
                .expectStatus().isOk()
                .expectBody(LedgerView.class).returnResult().getResponseBody();
        assertThat(newsletter).isNotNull();
        assertThat(newsletter.succeeded()).isEqualTo(NEWSLETTER_RECIPIENTS);

        long succeeded = startup.succeeded() + newsletter.succeeded();
        assertThat(succeeded).isEqualTo(5 + NEWSLETTER_RECIPIENTS);
        assertThat(count("smtp.pipelining.recipients", "outcome:succeeded")).isEqualTo(succeeded);
        assertThat(count("smtp.pipelining.recipients.accepted", null))
                .isEqualTo(startup.accepted() + newsletter.accepted());
        assertThat(count("smtp.pipelining.recipients", "outcome:failed"))
                .isEqualTo(startup.failed() + newsletter.failed()).isZero();
        assertThat(count("smtp.pipelining.recipients", "outcome:unknown"))
                .isEqualTo(startup.unknown() + newsletter.unknown()).isZero();
        assertThat(count("smtp.pipelining.recipients", null)).as("the outcomes partition the recipients")
                .isEqualTo(succeeded + startup.failed() + newsletter.failed() + startup.unknown() + newsletter.unknown());
        assertThat(count("smtp.pipelining.messages", "outcome:succeeded"))
                .isEqualTo(startup.messages() + newsletter.messages());
        // The ledgers leave out the set-up of new connections, the meter counts it: on the embedded
        // server (no STARTTLS, no AUTH) one round trip, EHLO, per connection opened.
        long opened = count("smtp.pipelining.connections", "event:opened");
        assertThat(opened).isPositive();
        assertThat(count("smtp.pipelining.round.trips", null))
                .isEqualTo(startup.roundTrips() + newsletter.roundTrips() + opened);
    }

    @Test
    @Order(2)
    void healthShowsTheSmtpPipeliningComponentUpWithPipelining() {
        String body = health();
        assertThat(JsonPath.<String>read(body, "$.components.smtpPipelining.status")).isEqualTo("UP");
        Map<String, Object> details = JsonPath.read(body, "$.components.smtpPipelining.details");
        assertThat(details).containsEntry("pipelining", true)
                .containsEntry("host", embedded.host())
                .containsEntry("port", embedded.port())
                .containsEntry("encrypted", false)
                .containsEntry("tlsMode", "none")
                .containsKeys("chunking", "8bitmime", "smtputf8", "starttlsOffered", "authMechanisms", "durationMs")
                .doesNotContainKey("error");
    }

    @Test
    @Order(3)
    void stoppingTheSmtpServerTurnsTheComponentDownWithinTheCacheTime() {
        assertThat(componentStatus(health())).isEqualTo("UP"); // and cached for CACHE_MILLIS from now at most

        long stopped = System.nanoTime();
        embedded.close();

        List<Probe> probes = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofMillis(CACHE_MILLIS).plusSeconds(10)).pollInterval(Duration.ofMillis(25))
                .until(() -> {
                    long start = System.nanoTime();
                    String body = health();
                    probes.add(new Probe((start - stopped) / 1_000_000, body));
                    return "DOWN".equals(componentStatus(body));
                });

        // A probe sent once the cache time had passed since the stop must have checked again: only
        // probes sent within the cache time may still have seen the cached UP.
        assertThat(probes).filteredOn(p -> p.sentAfterMillis() >= CACHE_MILLIS)
                .allSatisfy(p -> assertThat(componentStatus(p.body())).isEqualTo("DOWN"));
        assertThat(probes).filteredOn(p -> "UP".equals(componentStatus(p.body())))
                .allSatisfy(p -> assertThat(p.sentAfterMillis()).isLessThan(CACHE_MILLIS));

        String down = probes.get(probes.size() - 1).body();
        Map<String, Object> details = JsonPath.read(down, "$.components.smtpPipelining.details");
        assertThat(details).containsEntry("host", embedded.host())
                .containsEntry("port", embedded.port())
                .containsKeys("error", "durationMs")
                .doesNotContainKey("pipelining");
        assertThat(JsonPath.<String>read(down, "$.status")).isEqualTo("DOWN");
    }

    private record Probe(long sentAfterMillis, String body) {
    }

    /** The meters of the Grafana dashboard (docs/grafana/pipelining-smtp.json), in Prometheus' format. */
    @Test
    @Order(4)
    void prometheusShowsTheMetersTheDashboardReads() {
        String body = client.get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).containsPattern("smtp_pipelining_recipients_total\\{[^}]*outcome=\"succeeded\"[^}]*\\} \\d")
                .contains("smtp_pipelining_recipients_accepted_total{")
                .contains("smtp_pipelining_round_trips_total{")
                .contains("smtp_pipelining_send_seconds_count{")
                .contains("smtp_pipelining_pool_active{")
                .containsPattern("(?m)^smtp_pipelining_health(\\{[^}]*\\})? 0\\.0$"); // the server was stopped above
    }

    /** The COUNT of a meter from /actuator/metrics, optionally narrowed by one {@code tag=name:value}. */
    private long count(String meter, String tag) {
        String body = client.get()
                .uri(tag == null ? "/actuator/metrics/" + meter : "/actuator/metrics/" + meter + "?tag=" + tag)
                .exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        List<Double> values = JsonPath.read(body, "$.measurements[?(@.statistic == 'COUNT')].value");
        assertThat(values).as("COUNT of %s %s in %s", meter, tag, body).hasSize(1);
        double value = values.get(0);
        assertThat(value).isEqualTo(Math.rint(value));
        return (long) value;
    }

    /** The body of /actuator/health, whatever its status (503 when DOWN). */
    private String health() {
        return client.get().uri("/actuator/health").exchange()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    private static String componentStatus(String healthBody) {
        return JsonPath.read(healthBody, "$.components.smtpPipelining.status");
    }
}
