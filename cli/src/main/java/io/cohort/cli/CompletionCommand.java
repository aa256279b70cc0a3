package io.cohort.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cohort completion}: prints a bash/zsh completion script. */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a bash (and zsh) completion script for cohort.",
        "Install: cohort completion > /etc/bash_completion.d/cohort, or source <(cohort completion)."})
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    System.out.print(AutoComplete.bash("cohort", spec.root().commandLine()));
    return 0;
  }
}
