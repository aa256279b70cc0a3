package io.cohort.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The offline CA key's passphrase (issue 21 #1), never a command-line argument (which {@code ps}
 * and shell histories show): the first line of the file named by {@code --passphrase-file} or
 * {@code $COHORT_CA_PASSPHRASE_FILE}, else {@code $COHORT_CA_PASSPHRASE}, else a prompt on the
 * terminal (asked twice when a new key is made). Never logged or echoed.
 */
final class CaPassphrase {
  static final String ENV = "COHORT_CA_PASSPHRASE";
  static final String FILE_ENV = "COHORT_CA_PASSPHRASE_FILE";
  private static Path file;

  private CaPassphrase() {
  }

  /** Use {@code f} for this command (from {@code --passphrase-file}). */
  static void useFile(Path f) {
    file = f;
  }

  static char[] read(boolean confirm) throws CliException {
    Path f = file != null ? file : System.getenv(FILE_ENV) != null ? Path.of(System.getenv(FILE_ENV)) : null;
    if (f != null) {
      try {
        String first = Files.readAllLines(f, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        if (first.isEmpty()) {
          throw new CliException(CliException.USAGE, f + ": the first line (the CA passphrase) is empty");
        }
        return first.toCharArray();
      } catch (IOException e) {
        throw new CliException(CliException.USAGE, f + ": cannot read the CA passphrase file ("
            + e.getClass().getSimpleName() + ")");
      }
    }
    String env = System.getenv(ENV);
    if (env != null && !env.isEmpty()) {
      return env.toCharArray();
    }
    java.io.Console console = System.console();
    if (console == null) {
      throw new CliException(CliException.USAGE, "the CA key needs its passphrase: give --passphrase-file FILE, $"
          + FILE_ENV + " or $" + ENV + ", or run on a terminal to be asked");
    }
    char[] p = console.readPassword("CA passphrase: ");
    if (confirm) {
      char[] again = console.readPassword("CA passphrase again: ");
      if (!java.util.Arrays.equals(p, again)) {
        throw new CliException(CliException.USAGE, "the two passphrases differ");
      }
    }
    return p;
  }
}
