package vn.gov.dichvucong.agencykit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Kafka records for a {@link StatusEvent}, byte for byte what the portal's own Python code builds
 * (checked against contracts/kits/vectors/status-reported.json). Key: the dossier code, UTF-8. The topic is your
 * system's own ingress, {@link AgencySystem#reportedTopic()} ({@code agency-status-reported.<system id>}).
 */
public final class Records {
    public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";
    public static final String JSON_CONTENT_TYPE = "application/json";

    /** CloudEvents content mode: both are accepted by the portal. */
    public enum Mode {
        /** The whole envelope as the value; one {@code content-type: application/cloudevents+json} header. */
        STRUCTURED,
        /** {@code ce_*} headers; the value is the {@code data} object. */
        BINARY
    }

    private Records() {}

    public static ProducerRecord<byte[], byte[]> record(String topic, StatusEvent event, Mode mode) {
        List<Header> headers = new ArrayList<>();
        byte[] value;
        if (mode == Mode.BINARY) {
            for (String[] h : binaryHeaders(event)) {
                headers.add(new RecordHeader(h[0], utf8(h[1])));
            }
            value = utf8(Json.write(event.data().toJsonMap(), Json.Style.COMPACT));
        } else {
            headers.add(new RecordHeader("content-type", utf8(STRUCTURED_CONTENT_TYPE)));
            value = utf8(Json.write(envelope(event), Json.Style.SPACED));
        }
        // Key = dossier code: all events of one dossier go to one partition, in order.
        return new ProducerRecord<>(topic, null, utf8(event.data().dossierCode()), value, headers);
    }

    /** Binary-mode headers, in the portal's order. */
    public static List<String[]> binaryHeaders(StatusEvent event) {
        List<String[]> h = new ArrayList<>();
        h.add(new String[] {"content-type", JSON_CONTENT_TYPE});
        h.add(new String[] {"ce_specversion", StatusEvent.SPECVERSION});
        h.add(new String[] {"ce_id", event.id()});
        h.add(new String[] {"ce_source", event.source()});
        h.add(new String[] {"ce_type", event.type()});
        if (event.time() != null) {
            h.add(new String[] {"ce_time", Times.header(event.time())});
        }
        if (event.subject() != null) {
            h.add(new String[] {"ce_subject", event.subject()});
        }
        return h;
    }

    /** The structured-mode envelope; absent optional attributes are left out. */
    public static Map<String, Object> envelope(StatusEvent event) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("specversion", StatusEvent.SPECVERSION);
        m.put("id", event.id());
        m.put("source", event.source());
        m.put("type", event.type());
        if (event.time() != null) {
            m.put("time", Times.json(event.time()));
        }
        if (event.subject() != null) {
            m.put("subject", event.subject());
        }
        m.put("datacontenttype", JSON_CONTENT_TYPE);
        m.put("data", event.data().toJsonMap());
        return m;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
