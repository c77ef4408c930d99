package io.github.pipeliningsmtp.autoconfigure;

import java.util.function.Supplier;

/**
 * Define a bean of this type to authenticate with XOAUTH2: it is asked for a fresh access token at
 * every AUTH (each new connection), with {@code smtp.pipelining.username} as the user, and asked
 * again (on a new connection) when the server refused its token. It replaces
 * {@code smtp.pipelining.password}. Called on the thread that opens a connection, concurrently.
 * An {@link io.github.pipeliningsmtp.client.OAuth2TokenProvider} bean, which is also told which
 * token was refused, takes precedence.
 */
@FunctionalInterface
public interface OAuth2TokenSupplier extends Supplier<String> {
}
