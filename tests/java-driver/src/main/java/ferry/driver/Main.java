package ferry.driver;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Entry point: {@code ferry.driver.Main <command> [--option value ...]}.
 *
 * <p>Contract (tests rely on it): every stdout line is one JSON object with an "event" key;
 * diagnostics go to stderr. Exit codes: 0 success, 1 failure (last stdout line is an "error"
 * event), 2 usage error, 3 consume timeout.
 */
public final class Main {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_TIMEOUT = 3;

  /** A command: the options it accepts (besides Options.COMMON) and what it does. */
  interface Command {
    Set<String> options();

    int run(Options o, Clients clients) throws Exception;
  }

  private static final Map<String, Command> COMMANDS = new TreeMap<>(Map.of(
      "create-topic", new CreateTopicCommand(),
      "produce", new ProduceCommand(),
      "consume", new ConsumeCommand(),
      "progress", new ProgressCommand(),
      "connections", new ConnectionsCommand(),
      "route", new RouteCommand(),
      "offsets", new OffsetsCommand(),
      "update-offset", new UpdateOffsetCommand()));

  private Main() {}

  public static void main(String[] args) {
    // Anything a library prints to System.out goes to stderr; Out owns the real stdout.
    PrintStream err = System.err;
    System.setOut(err);
    System.exit(run(Arrays.asList(args)));
  }

  static int run(List<String> args) {
    if (args.isEmpty() || !COMMANDS.containsKey(args.get(0))) {
      String given = args.isEmpty() ? "" : args.get(0);
      Map<String, Object> e = Json.event("error");
      e.put("command", given);
      e.put("message", (given.isEmpty() ? "no command" : "unknown command '" + given + "'")
          + "; commands: " + String.join(", ", COMMANDS.keySet()));
      Out.line(e);
      return EXIT_USAGE;
    }
    String name = args.get(0);
    Command command = COMMANDS.get(name);
    try {
      Options o = Options.parse(args.subList(1, args.size()), command.options());
      Clients clients = Clients.from(o);
      Clients.applyTlsProperty(clients.tls);
      return command.run(o, clients);
    } catch (Options.UsageException e) {
      Out.line(error(name, e.getMessage(), e));
      return EXIT_USAGE;
    } catch (Exception | LinkageError e) {
      Out.line(error(name, Clients.describe(e), e));
      e.printStackTrace(System.err);
      return EXIT_FAILED;
    }
  }

  static Map<String, Object> error(String command, String message, Throwable t) {
    Map<String, Object> e = Json.event("error");
    e.put("command", command);
    e.put("message", message);
    if (t != null && !(t instanceof Options.UsageException)) {
      e.put("exception", t.getClass().getName());
    }
    return e;
  }
}
