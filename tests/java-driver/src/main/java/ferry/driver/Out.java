package ferry.driver;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The driver's only channel to stdout: one JSON object per line. Main redirects System.out to
 * stderr before any RocketMQ class loads, so library chatter can never corrupt the JSON stream.
 * Thread-safe: consumer listener threads print concurrently.
 */
final class Out {
  private static final PrintStream STDOUT =
      new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

  private Out() {}

  static synchronized void line(Map<String, Object> object) {
    STDOUT.println(Json.write(object));
  }

  /** Diagnostics for humans; never parsed. */
  static void diag(String message) {
    System.err.println("javadriver: " + message);
  }
}
