package io.github.pipeliningsmtp.autoconfigure.shared;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** When the sink read each MAIL FROM (System.nanoTime), and the most of them in any window. */
final class MailFromTimes {

    private final ConcurrentLinkedQueue<Long> times = new ConcurrentLinkedQueue<>();

    void record() {
        times.add(System.nanoTime());
    }

    List<Long> sorted() {
        List<Long> t = new ArrayList<>(times);
        t.sort(null);
        return t;
    }

    int count() {
        return times.size();
    }

    /** The most MAIL FROMs in any window of {@code windowNanos} (sliding: each window starts at one of them). */
    int maxInWindow(long windowNanos) {
        return maxInWindow(sorted(), windowNanos);
    }

    static int maxInWindow(List<Long> sorted, long windowNanos) {
        int max = 0;
        int j = 0;
        for (int i = 0; i < sorted.size(); i++) {
            while (j < sorted.size() && sorted.get(j) - sorted.get(i) < windowNanos) {
                j++;
            }
            max = Math.max(max, j - i);
        }
        return max;
    }

    /** How many fell in [from, to). */
    long between(long from, long to) {
        return times.stream().filter(t -> t >= from && t < to).count();
    }
}
