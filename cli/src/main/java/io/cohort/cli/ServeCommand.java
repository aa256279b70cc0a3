package io.cohort.cli;

import io.cohort.cli.Processes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort serve}: runs the coordinator (the Quarkus application) in the foreground. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the coordinator: gRPC for nodes, the admin API, and the round loop.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "cohort-data", description = "Database, models and admin token (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--grpc-port", defaultValue = "9090", description = "Port nodes connect to (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--http-port", defaultValue = "8080", description = "Admin API port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Any other coordinator setting, e.g. -Dcohort.heartbeat-interval=5s.")
  List<String> properties = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    List<String> props = new ArrayList<>();
    props.add("cohort.data-dir=" + dataDir.toAbsolutePath());
    props.add("quarkus.grpc.server.port=" + grpcPort);
    props.add("quarkus.http.port=" + httpPort);
    props.addAll(properties);
    PkiCommand.requireInitialised(dataDir, props);
    Process p = Processes.coordinator(CohortCli.home(), props).inheritIO().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Processes.stop(p)));
    return p.waitFor();
  }
}
