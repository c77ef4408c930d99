package io.github.pipeliningsmtp.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An in-memory test CA (EC P-256, made with BouncyCastle) that issues server certificates, and the
 * JDK {@link SSLContext}s (TLS 1.2/1.3) built from them. Each {@code *ServerContext} call makes a new
 * key pair and leaf certificate. Key stores are PKCS12 protected by {@link #PASSWORD}.
 */
public final class TestCertificates {

    /** The password of every key store this class returns. */
    public static final String PASSWORD = "changeit";

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;

    private TestCertificates(KeyPair caKeys, X509Certificate caCertificate) {
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
    }

    /** Creates a new test CA ({@code CN=Pipelining SMTP Test CA}, valid from a day ago for ten years). */
    public static TestCertificates create() {
        try {
            KeyPair keys = newKeyPair();
            X500Name name = new X500Name("CN=Pipelining SMTP Test CA");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), name, keys.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestCertificates(keys, sign(builder, keys.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test CA", e);
        }
    }

    /** Returns the CA certificate. */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** Returns a key store holding only the CA certificate as a trusted entry (alias {@code test-ca}). */
    public KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("test-ca", caCertificate);
            return store;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns a key store with a private key entry (alias {@code server}, password {@link #PASSWORD})
     * for a leaf signed by the CA, valid now, with the given subject alternative names (DNS names, or
     * IP addresses for IP literals); the first name is also the subject CN.
     */
    public KeyStore serverKeyStore(String... subjectAltNames) {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), false, subjectAltNames);
    }

    /** Returns a server context whose leaf certificate is signed by the CA and valid now. */
    public SSLContext serverContext(String... subjectAltNames) {
        return serverContext(serverKeyStore(subjectAltNames));
    }

    /** Returns a server context whose leaf (signed by the CA) expired a day ago. */
    public SSLContext expiredServerContext(String dnsName) {
        Instant now = Instant.now();
        return serverContext(issue(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), false, dnsName));
    }

    /** Returns a server context with a self-signed certificate (not issued by the CA), valid now. */
    public SSLContext selfSignedServerContext(String dnsName) {
        Instant now = Instant.now();
        return serverContext(issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), true, dnsName));
    }

    /** Returns a client context that trusts only the test CA. */
    public SSLContext clientContextTrustingCa() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SSLContext serverContext(KeyStore keyStore) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private KeyStore issue(Instant notBefore, Instant notAfter, boolean selfSigned, String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("at least one subject alternative name is required");
        }
        try {
            KeyPair keys = newKeyPair();
            X500Name subject = new X500Name("CN=" + names[0]);
            X500Name issuer = selfSigned ? subject : X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            GeneralName[] altNames = new GeneralName[names.length];
            for (int i = 0; i < names.length; i++) {
                boolean ip = names[i].matches("[0-9.]+") || names[i].contains(":");
                altNames[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, names[i]);
            }
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(altNames));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            if (!selfSigned) {
                builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(caCertificate));
            }
            X509Certificate leaf = sign(builder, selfSigned ? keys.getPrivate() : caKeys.getPrivate());
            Certificate[] chain = selfSigned ? new Certificate[] {leaf} : new Certificate[] {leaf, caCertificate};
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", keys.getPrivate(), PASSWORD.toCharArray(), chain);
            return store;
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue test certificate", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }
}
