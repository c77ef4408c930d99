package io.github.pipeliningsmtp.mta;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A test run's files in an MTA's maildir's new/ and cur/ (those whose content holds the run's
 * marker, such as {@code X-Ledger-Id: <run>-}), for the "ledger equals mailbox" tests, each read
 * once (a maildir file is complete when it appears: the MTA writes it in tmp/ and renames it).
 */
final class Mailbox {

    /** One stored file, as parsed: our {@code X-Ledger-Id}, the MTA's Return-Path and Delivered-To. */
    record Stored(Path file, String id, String returnPath, String deliveredTo, String headers, String body) {
    }

    private final Path maildir;
    private final String marker;
    private final Map<String, Stored> ours = new HashMap<>();
    private final Set<String> others = new HashSet<>();

    Mailbox(Path maildir, String marker) {
        this.maildir = maildir;
        this.marker = marker;
    }

    synchronized List<Stored> scan() throws IOException {
        Set<String> seen = new HashSet<>();
        for (String sub : List.of("new", "cur")) {
            Path d = maildir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    String base = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
                    seen.add(base);
                    if (others.contains(base)) {
                        continue;
                    }
                    Stored known = ours.get(base);
                    if (known != null) {
                        if (!known.file().equals(f)) { // moved from new/ to cur/
                            ours.put(base, new Stored(f, known.id(), known.returnPath(), known.deliveredTo(),
                                    known.headers(), known.body()));
                        }
                        continue;
                    }
                    String content;
                    try {
                        content = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                    } catch (NoSuchFileException moved) {
                        continue; // seen again under its new name
                    }
                    if (content.contains(marker)) {
                        ours.put(base, parse(f, content));
                    } else {
                        others.add(base);
                    }
                }
            }
        }
        ours.keySet().retainAll(seen);
        return new ArrayList<>(ours.values());
    }

    /** Polls until every key (id, space, recipient) has a file, or the deadline. */
    void awaitKeys(Set<String> keys, Duration deadline) throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            Set<String> missing = new HashSet<>(keys);
            for (Stored s : scan()) {
                missing.remove(s.id() + " " + s.deliveredTo());
            }
            if (missing.isEmpty() || System.nanoTime() > end) {
                return; // the comparison reports what is missing
            }
            Thread.sleep(50);
        }
    }

    /** Polls until the number of files has not changed for {@code quiet}, at most {@code max}. */
    void settle(Duration quiet, Duration max) throws IOException, InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        int last = scan().size();
        long since = System.nanoTime();
        while (System.nanoTime() - since < quiet.toNanos() && System.nanoTime() < end) {
            Thread.sleep(100);
            int now = scan().size();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            }
        }
    }

    void deleteOurs() throws IOException {
        for (Stored s : scan()) {
            Files.deleteIfExists(s.file());
        }
    }

    private static Stored parse(Path f, String content) {
        int end = content.indexOf("\n\n");
        String headers = end < 0 ? content : content.substring(0, end);
        String body = end < 0 ? "" : content.substring(end + 2);
        String returnPath = null;
        String deliveredTo = null;
        String id = null;
        for (String line : headers.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            if (returnPath == null && name.equalsIgnoreCase("Return-Path")) {
                returnPath = value.replaceAll("^<|>$", "");
            } else if (deliveredTo == null && name.equalsIgnoreCase("Delivered-To")) {
                deliveredTo = value.replaceAll("^<|>$", "");
            } else if (id == null && name.equalsIgnoreCase("X-Ledger-Id")) {
                id = value;
            }
        }
        return new Stored(f, id, returnPath, deliveredTo, headers, body);
    }
}
