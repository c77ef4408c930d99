package io.github.pipeliningsmtp.client;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns the configured host name into addresses to try in order; the host name itself stays the TLS peer name. */
@FunctionalInterface
public interface HostResolver {

    /** The system resolver, {@link InetAddress#getAllByName(String)}. */
    HostResolver SYSTEM = InetAddress::getAllByName;

    /** @throws UnknownHostException when the name has no address */
    InetAddress[] resolve(String host) throws UnknownHostException;
}
