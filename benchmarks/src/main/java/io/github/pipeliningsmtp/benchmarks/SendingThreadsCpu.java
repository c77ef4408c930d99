package io.github.pipeliningsmtp.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of the threads that send (issue 14, item 3), from {@link ThreadMXBean} per-thread CPU
 * time: every Java thread of this JVM except the JIT compiler threads, the JVM's own service
 * threads, and the benchmark's servers and relays ({@code fast-sink-*}, {@code pipelining-relay-*},
 * GreenMail's). GC threads are not Java threads and are never counted. So a sender's caller
 * thread, its writer threads (ours), its event loops (Vert.x) are counted, whichever did the work.
 * A thread that ends between the two snapshots is lost (none of the senders measured ends its
 * threads within a measurement: our writer threads live 60 s idle, Vert.x event loops live as long as
 * the Vert.x instance).
 */
final class SendingThreadsCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final List<String> NOT_SENDING = List.of("C1 CompilerThread", "C2 CompilerThread",
            "Common-Cleaner", "Signal Dispatcher", "Reference Handler", "Finalizer", "Notification Thread",
            "Attach Listener", "fast-sink", "pipelining-relay", "greenmail", "JFR ", "Service Thread",
            "Monitor Deflation", "Sweeper");

    static {
        if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
    }

    private SendingThreadsCpu() {
    }

    /** CPU nanoseconds so far of every counted thread, by thread id. */
    static Map<Long, Long> snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null || !counted(infos[i].getThreadName())) {
                continue;
            }
            long t = THREADS.getThreadCpuTime(ids[i]);
            if (t >= 0) {
                cpu.put(ids[i], t);
            }
        }
        return cpu;
    }

    /** CPU nanoseconds the counted threads used since {@code before} (threads started since count from 0). */
    static long since(Map<Long, Long> before) {
        long total = 0;
        for (Map.Entry<Long, Long> e : snapshot().entrySet()) {
            total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return total;
    }

    private static boolean counted(String name) {
        for (String prefix : NOT_SENDING) {
            if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return false;
            }
        }
        return true;
    }
}
