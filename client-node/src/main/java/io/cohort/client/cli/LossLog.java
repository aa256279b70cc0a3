package io.cohort.client.cli;

import io.cohort.client.cli.LmCommandSupport.BadInput;
import io.cohort.lm.train.Trainer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code cohort-node train --loss-log FILE}: every step's training loss as CSV ({@code
 * step,examples,loss}), each line flushed as its step ends, so a run can be followed, plotted, or
 * two runs (FP32 and BF16, say) compared step by step. Without a file it writes nothing.
 */
final class LossLog implements AutoCloseable {
  private final BufferedWriter out;

  private LossLog(BufferedWriter out) {
    this.out = out;
  }

  /** Refuses a path whose folder does not exist or that is a folder, before any work is done. */
  static void check(Path file) throws BadInput {
    if (file == null) {
      return;
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new BadInput("--loss-log " + file + ": folder " + parent + " does not exist");
    }
    if (Files.isDirectory(file)) {
      throw new BadInput("--loss-log " + file + " is a folder; give a file name");
    }
  }

  /** A log writing to {@code file} (created or replaced, header first), or a no-op for null. */
  static LossLog open(Path file) throws BadInput {
    if (file == null) {
      return new LossLog(null);
    }
    check(file);
    try {
      BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      w.write("step,examples,loss\n");
      w.flush();
      return new LossLog(w);
    } catch (IOException e) {
      String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
      throw new BadInput("--loss-log " + file + ": cannot write it (" + why + ")");
    }
  }

  /** One line for a finished step. */
  void write(Trainer.Step step) {
    if (out == null) {
      return;
    }
    try {
      out.write(String.format(Locale.ROOT, "%d,%d,%.8g%n", step.step(), step.batch(), step.loss()));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("--loss-log: writing step " + step.step() + " failed", e);
    }
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
