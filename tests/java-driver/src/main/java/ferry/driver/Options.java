package ferry.driver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options: "--name value" pairs (repeatable ones collect into lists) and
 * value-less flags. Every command declares which names it accepts so typos fail loudly.
 */
final class Options {
  /** Options shared by all commands; the flags among them take no value. */
  static final Set<String> COMMON = Set.of("namesrv", "access-key", "secret-key", "tls", "no-tls", "no-acl");
  static final Set<String> FLAGS = new HashSet<>(Set.of("tls", "no-tls", "no-acl", "print-body", "quiet"));

  private final Map<String, List<String>> values = new HashMap<>();

  static Options parse(List<String> args, Set<String> allowed) {
    Options o = new Options();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--") || a.length() == 2) {
        throw new UsageException("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!allowed.contains(name) && !COMMON.contains(name)) {
        throw new UsageException("unknown option --" + name);
      }
      if (FLAGS.contains(name)) {
        if (value != null) throw new UsageException("--" + name + " takes no value");
        value = "true";
      } else if (value == null) {
        if (i + 1 >= args.size()) throw new UsageException("--" + name + " needs a value");
        value = args.get(++i);
      }
      o.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return o;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String get(String name) {
    List<String> v = values.get(name);
    return v == null ? null : v.get(v.size() - 1);
  }

  String get(String name, String fallback) {
    String v = get(name);
    return v == null ? fallback : v;
  }

  String required(String name) {
    String v = get(name);
    if (v == null || v.isEmpty()) throw new UsageException("--" + name + " is required");
    return v;
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  int intValue(String name, int fallback) {
    String v = get(name);
    if (v == null) return fallback;
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  long longValue(String name, long fallback) {
    String v = get(name);
    if (v == null) return fallback;
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  int requiredInt(String name) {
    required(name);
    return intValue(name, 0);
  }

  long requiredLong(String name) {
    required(name);
    return longValue(name, 0);
  }

  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
