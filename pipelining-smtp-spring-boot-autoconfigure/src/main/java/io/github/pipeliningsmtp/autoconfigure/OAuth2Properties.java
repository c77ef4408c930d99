package io.github.pipeliningsmtp.autoconfigure;

/**
 * XOAUTH2 settings, bound from {@code smtp.pipelining.oauth2.*}: which Spring Security OAuth2 client
 * registration ({@code spring.security.oauth2.client.registration.<id>}) gives the access tokens.
 * Used only when {@code spring-security-oauth2-client} is on the classpath.
 */
public class OAuth2Properties {

    /**
     * Id of the Spring Security OAuth2 client registration whose access tokens authenticate with AUTH
     * XOAUTH2 (for example a client_credentials registration). The token is asked for only when a new
     * connection opens; a token the server refuses is removed from the authorized clients, and a fresh
     * one is fetched and tried once on a new connection.
     */
    private String registrationId;

    /**
     * Principal name under which the authorized client is kept (OAuth2AuthorizedClientService);
     * smtp.pipelining.username when unset.
     */
    private String principal;

    public String getRegistrationId() {
        return registrationId;
    }

    public void setRegistrationId(String registrationId) {
        this.registrationId = registrationId;
    }

    public String getPrincipal() {
        return principal;
    }

    public void setPrincipal(String principal) {
        this.principal = principal;
    }
}
