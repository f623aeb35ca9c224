package vn.gov.dichvucong.agencykit;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Your one-stop system as the portal registered it. Its id ({@code ha-noi}, {@code bhxh}, …) names everything your
 * system may use on Kafka, and nothing else is allowed:
 *
 * <pre>
 * principal        agency-&lt;id&gt;                    (your Kafka user / certificate name)
 * write            agency-status-reported.&lt;id&gt;    your status reports
 * read             agency-status-rejected.&lt;id&gt;    the portal's rejections of them
 * consumer groups  agency-&lt;id&gt;…                   names starting with the principal's
 * </pre>
 *
 * <p>The portal refuses (reason {@code agency_mismatch}) a report on your topic whose {@code agency_code} or
 * {@code province_code} your system does not cover.
 */
public record AgencySystem(String id) {
    /** The environment variable the command line reads when {@code --system} is not given. */
    public static final String ENV = "AGENCY_SYSTEM";
    /** The first part of every system's ingress topic (and the events' CloudEvent type). */
    public static final String REPORTED = "agency-status-reported";
    /** The first part of every system's rejection topic (and the rejections' CloudEvent type). */
    public static final String REJECTED = "agency-status-rejected";

    private static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    public AgencySystem {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("system " + (id == null ? "null" : "'" + id + "'")
                    + ": your system's id, lowercase letters, digits and '-' (e.g. ha-noi)");
        }
    }

    /** The system named by {@code --system} (when given) or {@code AGENCY_SYSTEM}; null when neither is set. */
    public static AgencySystem of(String option, Map<String, String> env) {
        String id = option != null ? option : env.get(ENV);
        return id == null || id.isEmpty() ? null : new AgencySystem(id);
    }

    /** The Kafka principal the portal created for the system. */
    public String principal() {
        return "agency-" + id;
    }

    /** The only topic the system may write: {@code agency-status-reported.<id>}. */
    public String reportedTopic() {
        return REPORTED + "." + id;
    }

    /** The only topic the system may read: {@code agency-status-rejected.<id>}. */
    public String rejectedTopic() {
        return REJECTED + "." + id;
    }

    /** A consumer group the principal may use for reading its rejections. */
    public String rejectionsGroup() {
        return principal() + "-rejections";
    }
}
