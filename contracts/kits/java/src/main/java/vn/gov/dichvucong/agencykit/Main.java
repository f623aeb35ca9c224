package vn.gov.dichvucong.agencykit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The kit's command line: {@code java -jar dvc-agency-kit.jar emit|rejections|vectors|config ...}. */
public final class Main {
    static final String REJECTED_TYPE = AgencySystem.REJECTED;

    private static final String USAGE = """
            usage: java -jar dvc-agency-kit.jar COMMAND [options]

              emit        send status reports for one dossier to your system's agency-status-reported.<system>
                          --bootstrap HOST:PORT  --system ID  --agency CODE  --procedure CODE  --dossier CODE
                          [--province 01]  [--mode both|structured|binary]  [--phone 09...]
                          [--due-date YYYY-MM-DD]  [--topic TOPIC (default agency-status-reported.<system>)]
                          sends sequence 0 "received" and sequence 1 "processing"; with --mode both (default) the
                          first in structured and the second in binary content mode
              rejections  print the portal's rejections (agency-status-rejected.<system>) as JSON lines, commit
                          offsets
                          --bootstrap HOST:PORT  --system ID  [--group GROUP (default agency-<system>-rejections)]
                          [--agency CODE]  [--max N]  [--timeout-seconds S (idle, default 30)]
                          [--topic TOPIC (default agency-status-rejected.<system>)]
              vectors     PATH: build the records of a shared test-vector file, print them as JSON
              config      --bootstrap HOST:PORT: print the client settings taken from the environment

            --system ID: your one-stop system's id as the portal registered it (e.g. ha-noi); default: the
                         AGENCY_SYSTEM environment variable. Your Kafka principal is agency-<system>.
            environment: AGENCY_SYSTEM, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
                         KAFKA_SASL_PASSWORD, KAFKA_SSL_CAFILE, KAFKA_IDEMPOTENCE, KAFKA_BOOTSTRAP (see README.md)
            """;

    /** stdout as UTF-8 whatever the platform's default charset. */
    static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    static final PrintStream ERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private Main() {}

    public static void main(String[] argv) {
        int rc;
        try {
            rc = run(argv);
        } catch (UsageError e) {
            ERR.println("error: " + e.getMessage());
            ERR.print(USAGE);
            rc = 2;
        } catch (Exception e) {
            ERR.println("error: " + e);
            rc = 1;
        }
        OUT.flush();
        System.exit(rc);
    }

    static int run(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("-h") || argv[0].equals("--help")) {
            OUT.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String command = argv[0];
        List<String> rest = List.of(argv).subList(1, argv.length);
        return switch (command) {
            case "emit" -> emit(Args.parse(rest, "bootstrap", "system", "topic", "agency", "province", "procedure",
                    "dossier", "mode", "phone", "due-date"));
            case "rejections" -> rejections(Args.parse(rest, "bootstrap", "system", "topic", "group", "agency", "max",
                    "timeout-seconds"));
            case "vectors" -> {
                if (rest.size() != 1) {
                    throw new UsageError("vectors takes one argument: the vectors file");
                }
                yield vectors(Path.of(rest.get(0)));
            }
            case "config" -> config(Args.parse(rest, "bootstrap"));
            default -> throw new UsageError("unknown command " + command);
        };
    }

    // ---------------------------------------------------------------- emit

    static Properties producerConfig(String bootstrap, Map<String, String> env, String clientId) {
        Properties p = KafkaConfig.common(bootstrap, env);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all"); // the portal counts an event once the broker has it safely
        // Retries never duplicate or reorder a dossier's events (and a repeated id is applied once anyway).
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(KafkaConfig.idempotence(env)));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** The system from {@code --system} or {@code AGENCY_SYSTEM}; null when neither is set. */
    static AgencySystem system(Args a) {
        try {
            return AgencySystem.of(a.get("system", null), System.getenv());
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** The topic: {@code --topic} when given, else the system's own. */
    static String topic(Args a, AgencySystem system, boolean reported) {
        String topic = a.get("topic", null);
        if (topic != null) {
            return topic;
        }
        if (system == null) {
            throw new UsageError("give your one-stop system's id: --system ID (or " + AgencySystem.ENV
                    + "=ID), e.g. --system ha-noi");
        }
        return reported ? system.reportedTopic() : system.rejectedTopic();
    }

    static int emit(Args a) throws Exception {
        String bootstrap = a.get("bootstrap", System.getenv().getOrDefault("KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
        AgencySystem system = system(a);
        String topic = topic(a, system, true);
        String agency = a.required("agency");
        String procedure = a.required("procedure");
        String dossier = a.required("dossier");
        String province = a.get("province", "01");
        String phone = a.get("phone", null);
        String due = a.get("due-date", null);
        LocalDate dueDate = due == null ? null : LocalDate.parse(due);
        String mode = a.get("mode", "both");
        Records.Mode first;
        Records.Mode second;
        switch (mode) {
            case "both" -> { first = Records.Mode.STRUCTURED; second = Records.Mode.BINARY; }
            case "structured" -> { first = Records.Mode.STRUCTURED; second = Records.Mode.STRUCTURED; }
            case "binary" -> { first = Records.Mode.BINARY; second = Records.Mode.BINARY; }
            default -> throw new UsageError("--mode: both, structured or binary");
        }

        List<StatusEvent> events = List.of(
                StatusEvent.of(new StatusReport(dossier, procedure, agency, province, 0, StatusReport.Status.RECEIVED,
                        Times.nowInVietnam(), dueDate, null, "Đã tiếp nhận hồ sơ tại Bộ phận một cửa", phone)),
                StatusEvent.of(new StatusReport(dossier, procedure, agency, province, 1,
                        StatusReport.Status.PROCESSING, Times.nowInVietnam(), dueDate, null, "Đang thẩm định hồ sơ",
                        phone)));
        List<Records.Mode> modes = List.of(first, second);

        String clientId = system != null ? system.principal() : "agency-" + agency;
        Properties config = producerConfig(bootstrap, System.getenv(), clientId);
        int failed = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                sent.add(producer.send(Records.record(topic, events.get(i), modes.get(i))));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                StatusEvent e = events.get(i);
                try {
                    RecordMetadata m = sent.get(i).get(60, TimeUnit.SECONDS);
                    OUT.printf("sent %s[%d]@%d key=%s sequence=%d status=%s mode=%s id=%s%n", m.topic(),
                            m.partition(), m.offset(), dossier, e.data().sequence(), e.data().status().wire(),
                            modes.get(i).name().toLowerCase(java.util.Locale.ROOT), e.id());
                } catch (Exception ex) {
                    failed++;
                    ERR.println("FAILED sequence " + e.data().sequence() + ": " + ex);
                }
            }
        }
        if (failed > 0) {
            ERR.println(failed + " event(s) not delivered; resend them with the same ids");
            return 1;
        }
        OUT.printf("dossier %s: %d events sent%n", dossier, events.size());
        return 0;
    }

    // ---------------------------------------------------------------- rejections

    static int rejections(Args a) throws Exception {
        String bootstrap = a.get("bootstrap", System.getenv().getOrDefault("KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
        AgencySystem system = system(a);
        String topic = topic(a, system, false);
        String group = a.get("group", system == null ? null : system.rejectionsGroup());
        if (group == null || group.isEmpty()) {
            throw new UsageError("--group is required with --topic and no --system");
        }
        String agency = a.get("agency", null);
        long max = Long.parseLong(a.get("max", "0")); // 0: no limit
        double idleSeconds = Double.parseDouble(a.get("timeout-seconds", "30"));

        Properties p = KafkaConfig.common(bootstrap, System.getenv());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // committed below, after printing
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

        ObjectMapper mapper = new ObjectMapper();
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long idleSince = System.nanoTime();
            outer:
            while ((System.nanoTime() - idleSince) / 1e9 < idleSeconds) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty()) {
                    continue;
                }
                idleSince = System.nanoTime();
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                try {
                    for (ConsumerRecord<byte[], byte[]> r : batch) {
                        done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                        Map<String, Object> line = rejectionLine(mapper, r);
                        if (line == null) {
                            continue;
                        }
                        Object who = line.get("agency_code");
                        if (agency != null && who != null && !agency.equals(who)) {
                            continue; // another agency's record
                        }
                        OUT.println(Json.write(line, Json.Style.COMPACT));
                        printed++;
                        if (max > 0 && printed >= max) {
                            break outer;
                        }
                    }
                } finally {
                    if (!done.isEmpty()) {
                        consumer.commitSync(done); // only what was handled: the next run starts after it
                    }
                }
            }
            // the break above leaves through the finally: offsets of printed records are committed
        }
        ERR.println(printed + " rejection(s)");
        return 0;
    }

    /** One output line for a rejection record, or null when the record is not one. */
    static Map<String, Object> rejectionLine(ObjectMapper mapper, ConsumerRecord<byte[], byte[]> r) {
        Header type = r.headers().lastHeader("ce_type");
        if (type != null && !REJECTED_TYPE.equals(new String(type.value(), StandardCharsets.UTF_8))) {
            return null;
        }
        JsonNode data;
        try {
            data = r.value() == null ? null : mapper.readTree(r.value());
        } catch (IOException e) {
            data = null;
        }
        if (data == null || !data.isObject()) {
            ERR.printf("skipped %s[%d]@%d: not a JSON object%n", r.topic(), r.partition(), r.offset());
            return null;
        }
        Header id = r.headers().lastHeader("ce_id");
        Map<String, Object> line = new LinkedHashMap<>();
        for (String f : List.of("reason", "message", "dossier_code", "agency_code", "original_topic",
                "original_partition", "original_offset", "original_key", "rejected_at")) {
            JsonNode v = data.get(f);
            line.put(f, v == null || v.isNull() ? null : v.isIntegralNumber() ? (Object) v.asLong() : v.asText());
        }
        line.put("original_value", originalValue(data.get("original_value_b64")));
        line.put("id", id == null ? null : new String(id.value(), StandardCharsets.UTF_8));
        return line;
    }

    private static String originalValue(JsonNode b64) {
        if (b64 == null || !b64.isTextual()) {
            return null;
        }
        try {
            byte[] raw = Base64.getDecoder().decode(b64.asText());
            return new String(raw, StandardCharsets.UTF_8); // invalid UTF-8 shows as U+FFFD
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- vectors

    static int vectors(Path path) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(path));
        String topic = root.path("topic").asText(AgencySystem.REPORTED); // not part of the bytes
        Map<String, Object> built = new LinkedHashMap<>();
        for (JsonNode v : root.path("vectors")) {
            StatusEvent event = eventFromInput(v.get("input"));
            Map<String, Object> one = new LinkedHashMap<>();
            ProducerRecord<byte[], byte[]> binary = Records.record(topic, event, Records.Mode.BINARY);
            ProducerRecord<byte[], byte[]> structured = Records.record(topic, event, Records.Mode.STRUCTURED);
            one.put("key", new String(binary.key(), StandardCharsets.UTF_8));
            one.put("key_b64", b64(binary.key()));
            one.put("binary", dump(binary));
            one.put("structured", dump(structured));
            built.put(v.get("name").asText(), one);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", topic);
        out.put("vectors", built);
        OUT.println(Json.write(out, Json.Style.SPACED));
        return 0;
    }

    /** Builds the event from a vector's {@code input} with the kit's own types (what {@code emit} uses). */
    static StatusEvent eventFromInput(JsonNode in) {
        if (!StatusEvent.TYPE.equals(in.path("type").asText())) {
            throw new IllegalArgumentException("input.type: expected " + StatusEvent.TYPE);
        }
        JsonNode d = in.get("data");
        StatusReport report = new StatusReport(
                text(d, "dossier_code"), text(d, "procedure_code"), text(d, "agency_code"), text(d, "province_code"),
                d.get("sequence").intValue(), StatusReport.Status.fromWire(text(d, "status")),
                OffsetDateTime.parse(text(d, "occurred_at")),
                text(d, "due_date") == null ? null : LocalDate.parse(text(d, "due_date")),
                text(d, "result"), text(d, "note"), text(d, "citizen_phone"));
        String time = text(in, "time");
        return new StatusEvent(text(in, "id"), text(in, "source"), time == null ? null : OffsetDateTime.parse(time),
                text(in, "subject"), report);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Map<String, Object> dump(ProducerRecord<byte[], byte[]> r) {
        List<Object> headers = new ArrayList<>();
        List<Object> headersB64 = new ArrayList<>();
        for (Header h : r.headers()) {
            headers.add(List.of(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
            headersB64.add(List.of(h.key(), b64(h.value())));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("headers", headers);
        m.put("value", new String(r.value(), StandardCharsets.UTF_8));
        m.put("headers_b64", headersB64);
        m.put("value_b64", b64(r.value()));
        return m;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    // ---------------------------------------------------------------- config

    static int config(Args a) {
        String bootstrap = a.get("bootstrap", System.getenv().getOrDefault("KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
        Properties p = producerConfig(bootstrap, System.getenv(), "agency-config");
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new TreeMap<String, String>(toMap(p)).entrySet()) {
            String v = e.getValue();
            if (e.getKey().equals("sasl.jaas.config")) {
                v = v.replaceAll("password=\"(\\\\.|[^\"\\\\])*\"", "password=\"***\"");
            }
            out.put(e.getKey(), v);
        }
        OUT.println(Json.write(out, Json.Style.SPACED));
        return 0;
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> m = new HashMap<>();
        p.forEach((k, v) -> m.put(k.toString(), v.toString()));
        return m;
    }

    // ---------------------------------------------------------------- arguments

    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }

    /** {@code --name value} options. */
    record Args(Map<String, String> values) {
        static Args parse(List<String> argv, String... known) {
            List<String> names = List.of(known);
            Map<String, String> v = new HashMap<>();
            for (int i = 0; i < argv.size(); i++) {
                String arg = argv.get(i);
                if (!arg.startsWith("--")) {
                    throw new UsageError("unexpected argument " + arg);
                }
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (!names.contains(name)) {
                    throw new UsageError("unknown option --" + name);
                }
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw new UsageError("--" + name + " needs a value");
                    }
                    value = argv.get(++i);
                }
                v.put(name, value);
            }
            return new Args(v);
        }

        String get(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        String required(String name) {
            String v = values.get(name);
            if (v == null || v.isEmpty()) {
                throw new UsageError("--" + name + " is required");
            }
            return v;
        }
    }
}
