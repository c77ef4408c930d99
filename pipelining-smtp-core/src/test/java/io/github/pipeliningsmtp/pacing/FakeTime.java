package io.github.pipeliningsmtp.pacing;

import io.github.bucket4j.TimeMeter;
import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when a limit "sleeps" (or the test does), so every wait is exact. */
final class FakeTime implements TimeMeter, PacedLimit.Sleeper {
    long now;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long currentTimeNanos() {
        return now;
    }

    @Override
    public boolean isWallClockBased() {
        return false;
    }

    @Override
    public void sleep(long nanos) {
        sleeps.add(nanos);
        now += nanos;
    }
}
