/**
 * Pacing: the send rate limit applied before each transaction's MAIL FROM is written (messages and
 * recipients per second and per minute, for the whole sender), on Bucket4j token buckets, in memory
 * ({@link io.github.pipeliningsmtp.pacing.LocalSendRateLimit}) or shared by several instances in
 * PostgreSQL ({@link io.github.pipeliningsmtp.pacing.SharedSendRateLimit}). Below {@code client},
 * which calls it; depends on nothing else of the project.
 */
package io.github.pipeliningsmtp.pacing;
