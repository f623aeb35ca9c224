package vn.gov.dichvucong.agencykit;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * Connection settings from the same environment variables the portal's services read.
 *
 * <pre>
 * KAFKA_SECURITY_PROTOCOL  PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL
 * KAFKA_SASL_MECHANISM     SCRAM-SHA-512 | SCRAM-SHA-256 | PLAIN
 * KAFKA_SASL_USERNAME      your agency's Kafka user
 * KAFKA_SASL_PASSWORD      its password
 * KAFKA_SSL_CAFILE         PEM file with the CA certificate(s) of the portal's brokers (TLS)
 * KAFKA_IDEMPOTENCE        true (default); false only for development brokers without it
 * </pre>
 */
public final class KafkaConfig {
    private KafkaConfig() {}

    public static Properties common(String bootstrap, Map<String, String> env) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        String protocol = env.getOrDefault("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
        if (protocol.isEmpty()) {
            protocol = "PLAINTEXT";
        }
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        String mechanism = blankToNull(env.get("KAFKA_SASL_MECHANISM"));
        if (mechanism != null) {
            mechanism = mechanism.toUpperCase(Locale.ROOT);
            String user = blankToNull(env.get("KAFKA_SASL_USERNAME"));
            String password = env.get("KAFKA_SASL_PASSWORD");
            if (user == null || password == null) {
                throw new IllegalArgumentException(
                        "KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required");
            }
            String module = switch (mechanism) {
                case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
                case "SCRAM-SHA-256", "SCRAM-SHA-512" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
                default -> throw new IllegalArgumentException("KAFKA_SASL_MECHANISM: unsupported " + mechanism);
            };
            p.put(SaslConfigs.SASL_MECHANISM, mechanism);
            p.put(SaslConfigs.SASL_JAAS_CONFIG,
                    module + " required username=\"" + jaasQuote(user) + "\" password=\"" + jaasQuote(password) + "\";");
        }
        String cafile = blankToNull(env.get("KAFKA_SSL_CAFILE"));
        if (cafile != null) {
            // Java reads a PEM CA file directly, no keystore conversion needed.
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, cafile);
        }
        return p;
    }

    public static boolean idempotence(Map<String, String> env) {
        String v = blankToNull(env.get("KAFKA_IDEMPOTENCE"));
        return v == null || !(v.equalsIgnoreCase("false") || v.equals("0") || v.equalsIgnoreCase("no"));
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String jaasQuote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
