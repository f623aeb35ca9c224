package vn.gov.dichvucong.agencykit;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code data} of an {@code agency-status-reported} event ({@code AgencyStatusReportedV1}); field meanings are in
 * contracts/README.md. The optional fields may be {@code null}.
 *
 * @param dossierCode   the dossier's code (mã hồ sơ); also the Kafka key
 * @param procedureCode the procedure's code in the national catalog
 * @param agencyCode    your agency's code
 * @param provinceCode  province/city code ({@code 01} Hà Nội, {@code 79} TP. Hồ Chí Minh, …)
 * @param sequence      per dossier, 0, 1, 2, … in the order things happened
 * @param status        the new status
 * @param occurredAt    when the status changed at your agency, with its offset ({@code +07:00})
 * @param dueDate       the due date for the result (hẹn trả), or null
 * @param result        the result (a plate or certificate number), or null
 * @param note          a note shown to the citizen (Vietnamese, with diacritics), or null
 * @param citizenPhone  the citizen's mobile number ({@code 09…} or {@code +849…}) for SMS, or null
 */
public record StatusReport(
        String dossierCode,
        String procedureCode,
        String agencyCode,
        String provinceCode,
        int sequence,
        Status status,
        OffsetDateTime occurredAt,
        LocalDate dueDate,
        String result,
        String note,
        String citizenPhone) {

    /** The statuses of the contract; {@link #wire()} is the value sent. */
    public enum Status {
        RECEIVED, PROCESSING, SUPPLEMENT_REQUESTED, FORWARDED, COMPLETED, RETURNED, REJECTED, WITHDRAWN;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Status fromWire(String value) {
            for (Status s : values()) {
                if (s.wire().equals(value)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("status: unknown status " + value);
        }
    }

    public StatusReport {
        nonEmpty("dossier_code", dossierCode);
        nonEmpty("procedure_code", procedureCode);
        nonEmpty("agency_code", agencyCode);
        nonEmpty("province_code", provinceCode);
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence: must be >= 0");
        }
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(occurredAt, "occurred_at");
    }

    private static void nonEmpty(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + ": required, non-empty");
        }
    }

    /** The JSON object, fields in the contract's order; absent optional fields are written as null. */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dossier_code", dossierCode);
        m.put("procedure_code", procedureCode);
        m.put("agency_code", agencyCode);
        m.put("province_code", provinceCode);
        m.put("sequence", sequence);
        m.put("status", status.wire());
        m.put("occurred_at", Times.json(occurredAt));
        m.put("due_date", dueDate == null ? null : dueDate.toString());
        m.put("result", result);
        m.put("note", note);
        m.put("citizen_phone", citizenPhone);
        return m;
    }
}
