package io.cohort.client.cli;

import io.cohort.client.config.ConfigException;
import io.cohort.client.config.NodeConfig;
import io.cohort.client.config.NodeConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option of the node commands that read node.yaml (a picocli mixin), and its loading. */
final class ConfigFile {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's node.yaml.")
  Path path;

  /** The checked configuration; a file that is missing or invalid is a {@link ExitCode#USAGE} failure naming it. */
  NodeConfig load() throws CommandFailure {
    try {
      return NodeConfigLoader.load(path);
    } catch (ConfigException e) {
      throw new CommandFailure(ExitCode.USAGE, e.getMessage());
    }
  }
}
