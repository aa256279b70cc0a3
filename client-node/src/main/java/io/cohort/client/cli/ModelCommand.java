package io.cohort.client.cli;

import io.cohort.format.checkpoint.CheckpointDigest;
import io.cohort.format.checkpoint.CheckpointException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cohort-node model ...}: tools for the language models a node offers in {@code node.yaml models:}. */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Tools for the language models this node offers (node.yaml models:).",
    subcommands = {ModelCommand.Hash.class, CommandLine.HelpCommand.class})
final class ModelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE.code();
  }

  /**
   * {@code cohort-node model hash DIR}: the content hash a job's {@code model.sha256} must equal for
   * this node to accept it (config, weights and tokenizer files; notes and READMEs excluded).
   */
  @Command(name = "hash", mixinStandardHelpOptions = true,
      description = "Print a checkpoint folder's content hash, the value of a job's model.sha256.")
  static final class Hash implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Hugging Face checkpoint folder.")
    Path dir;
    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
        description = "text or json. Default: ${DEFAULT-VALUE}.")
    String output;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      if (!output.equals("text") && !output.equals("json")) {
        err.println("cohort-node model hash: --output must be text or json, got " + output);
        return ExitCode.USAGE.code();
      }
      String hash;
      try {
        hash = CheckpointDigest.of(dir);
      } catch (CheckpointException e) {
        err.println("cohort-node model hash: " + e.getMessage());
        return ExitCode.USAGE.code();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output.equals("json")) {
        var node = LmCommandSupport.JSON.createObjectNode();
        node.put("path", dir.toString());
        node.put("sha256", hash);
        out.println(node.toString());
      } else {
        out.println(hash);
      }
      out.flush();
      return ExitCode.OK.code();
    }
  }
}
