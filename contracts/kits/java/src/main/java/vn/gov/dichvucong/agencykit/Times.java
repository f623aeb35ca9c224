package vn.gov.dichvucong.agencykit;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * RFC 3339 date-times exactly as the portal writes them. The offset is kept as given: report times in Viet Nam's
 * offset, {@code +07:00} (e.g. {@code 2026-12-04T08:30:00+07:00}); a time without an offset is rejected by the
 * portal. Seconds are always written; fractions only when non-zero, as 6 digits (microseconds).
 */
public final class Times {
    /** Asia/Ho_Chi_Minh: UTC+7 all year, no daylight saving. */
    public static final ZoneOffset VIETNAM = ZoneOffset.ofHours(7);

    private Times() {}

    /** Now in Viet Nam's offset, whole seconds: what {@code emit} reports. */
    public static OffsetDateTime nowInVietnam() {
        return OffsetDateTime.now(VIETNAM).truncatedTo(ChronoUnit.SECONDS);
    }

    /** In JSON ({@code occurred_at}, the structured envelope's {@code time}): UTC is written {@code Z}. */
    public static String json(OffsetDateTime t) {
        return local(t) + t.getOffset().getId();
    }

    /** In the {@code ce_time} header (Python's {@code isoformat()}): UTC is written {@code +00:00}. */
    public static String header(OffsetDateTime t) {
        ZoneOffset offset = t.getOffset();
        return local(t) + (offset.getTotalSeconds() == 0 ? "+00:00" : offset.getId());
    }

    private static String local(OffsetDateTime t) {
        String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d",
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond());
        int micros = t.getNano() / 1000;
        return micros == 0 ? s : s + String.format(".%06d", micros);
    }
}
