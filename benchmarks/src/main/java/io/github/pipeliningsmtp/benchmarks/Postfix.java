package io.github.pipeliningsmtp.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The private Postfix of {@code scripts/mta/start.sh} (the CI's Postfix, 3.7 on Debian 12), read
 * from {@code target/mta/mta.properties} at the repository root. It advertises PIPELINING and
 * CHUNKING and delivers example.net into one maildir; the benchmarks send there to
 * {@code rcptN@example.net}.
 */
record Postfix(String host, int port, String version) {

    static final String DOMAIN = "example.net";

    /** The running instance, or null when the state file is missing (Postfix rows are then skipped). */
    static Postfix find() {
        Path file = Path.of(System.getProperty("bench.mta", "target/mta/mta.properties"));
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        return new Postfix(p.getProperty("host", "127.0.0.1"), Integer.parseInt(p.getProperty("port")),
                installedVersion(p.getProperty("dir")));
    }

    /** {@code postconf -c <dir>/etc -h mail_version}, or "3.7" when that does not answer. */
    private static String installedVersion(String dir) {
        try {
            Process proc = new ProcessBuilder("/usr/sbin/postconf", "-c", dir + "/etc", "-h", "mail_version")
                    .redirectErrorStream(true).start();
            String v = new String(proc.getInputStream().readAllBytes()).trim();
            int exit = proc.waitFor();
            return exit != 0 || v.isEmpty() || !Character.isDigit(v.charAt(0)) ? "3.7" : v;
        } catch (IOException | InterruptedException e) {
            return "3.7";
        }
    }
}
