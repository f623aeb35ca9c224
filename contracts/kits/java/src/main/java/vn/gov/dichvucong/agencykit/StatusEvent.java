package vn.gov.dichvucong.agencykit;

import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.UUID;

/**
 * One {@code agency-status-reported} CloudEvent: envelope attributes plus the {@link StatusReport}.
 *
 * <p>{@code id} is unique per event. <b>A resend of the same event must reuse its id</b> (the portal applies each id
 * once), so store the id with the report in your system before sending, and resend that stored event.
 *
 * @param id      a UUID, unique per event
 * @param source  {@code urn:agency:<your agency code>}
 * @param time    when the event was produced, with an offset (optional, may be null)
 * @param subject the dossier code (optional, may be null)
 * @param data    the status report
 */
public record StatusEvent(String id, String source, OffsetDateTime time, String subject, StatusReport data) {
    public static final String TYPE = "agency-status-reported";
    public static final String SPECVERSION = "1.0";

    public StatusEvent {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("id: required, non-empty");
        }
        if (source == null || source.isEmpty()) {
            throw new IllegalArgumentException("source: required, non-empty");
        }
        Objects.requireNonNull(data, "data");
    }

    /** A new event for a report: a fresh random id, source {@code urn:agency:<agency>}, time now (+07:00). */
    public static StatusEvent of(StatusReport report) {
        return new StatusEvent(UUID.randomUUID().toString(), "urn:agency:" + report.agencyCode(),
                Times.nowInVietnam(), report.dossierCode(), report);
    }

    public String type() {
        return TYPE;
    }
}
