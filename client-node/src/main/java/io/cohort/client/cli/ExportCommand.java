package io.cohort.client.cli;

import io.cohort.format.checkpoint.CheckpointException;
import io.cohort.format.peft.MergedCheckpoint;
import io.cohort.format.peft.PeftAdapter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node export --adapter DIR --model DIR --merged --out DIR}: folds a PEFT adapter
 * (from {@code cohort-node train} or {@code cohort job export --format peft}) into its base model
 * and writes a Hugging Face model folder, with the same merge the coordinator's export uses.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Merge a PEFT adapter into its base GPT-2 model and write a Hugging Face model folder.")
final class ExportCommand implements Callable<Integer> {
  @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT adapter folder.")
  Path adapter;
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "The base model folder.")
  Path model;
  @Option(names = "--merged", required = true,
      description = "Write the merged checkpoint (W + alpha/r (B A)^T per adapted module, the head copied).")
  boolean merged;
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must be new or empty).")
  Path out;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      if (Files.exists(out) && (!Files.isDirectory(out) || hasFiles(out))) {
        throw new IllegalArgumentException("--out " + out + " exists and is not an empty folder");
      }
      PeftAdapter peft = PeftAdapter.read(adapter);
      List<String> files = MergedCheckpoint.write(model, peft, out);
      spec.commandLine().getOut().printf("wrote merged model (%d LoRA modules folded in) to %s: %s%n",
          peft.lora().size(), out, String.join(", ", files));
      return ExitCode.OK.code();
    } catch (CheckpointException | IllegalArgumentException e) {
      err.println("cohort-node export: " + e.getMessage());
      err.flush();
      return ExitCode.USAGE.code();
    } catch (IOException e) {
      err.println("cohort-node export: cannot write " + out + ": " + e.getMessage());
      err.flush();
      return ExitCode.FAILED.code();
    }
  }

  private static boolean hasFiles(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.findAny().isPresent();
    }
  }
}
