/**
 * XOAUTH2 access tokens from Spring Security's OAuth2 client support (an optional dependency): the
 * token provider and its auto-configuration. Nothing else in the starter uses this package.
 */
package io.github.pipeliningsmtp.autoconfigure.oauth2;
