package vn.gov.dichvucong.agencykit;

import java.util.List;
import java.util.Map;

/**
 * A JSON writer that produces the same bytes as the portal's Python code.
 *
 * <ul>
 *   <li>{@link Style#COMPACT}: separators {@code ","} and {@code ":"} (binary-mode values, like pydantic's
 *       {@code to_json}).
 *   <li>{@link Style#SPACED}: separators {@code ", "} and {@code ": "} (structured-mode envelopes, like Python's
 *       {@code json.dumps(..., ensure_ascii=False)}).
 * </ul>
 *
 * <p>Both styles write non-ASCII characters as they are (the caller encodes the text as UTF-8) and escape only
 * the quote, the backslash and the control characters U+0000–U+001F ({@code \b \f \n \r \t}; the others as a
 * backslash-u escape {@code u00XX} with lowercase hex digits). Objects are written in the order of their
 * {@link Map} (use a {@link java.util.LinkedHashMap}). Values: {@code null}, {@link String}, {@link Boolean},
 * {@link Integer}, {@link Long}, {@link Map}, {@link List}.
 */
public final class Json {
    public enum Style {
        COMPACT(",", ":"),
        SPACED(", ", ": ");

        final String item;
        final String key;

        Style(String item, String key) {
            this.item = item;
            this.key = key;
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {}

    public static String write(Object value, Style style) {
        StringBuilder out = new StringBuilder(256);
        write(out, value, style);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Style style) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(out, s);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(style.item);
                }
                first = false;
                string(out, (String) e.getKey());
                out.append(style.key);
                write(out, e.getValue(), style);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(style.item);
                }
                write(out, list.get(i), style);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
