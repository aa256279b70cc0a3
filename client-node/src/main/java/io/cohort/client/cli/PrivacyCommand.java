package io.cohort.client.cli;

import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.DpPreconditions;
import io.cohort.crypto.dp.PldAccountant;
import io.cohort.crypto.dp.PlanSegment;
import io.cohort.crypto.dp.PrivacyAccountant;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.PrivacySpend;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node privacy epsilon|sigma}: the privacy calculator for planning jobs and
 * auditing numbers, on the same accountants the node enforces. Values are taken as text and
 * checked here (required ones too), so every bad or missing value gives one line naming the
 * parameter and its valid range, and exit code 2. Output goes to the command line's writers
 * ({@code getOut()}, {@code getErr()}), so it can be captured in-process.
 */
@Command(name = "privacy", mixinStandardHelpOptions = true,
    description = "Privacy calculator for DP-SGD (Poisson-subsampled Gaussian): epsilon of a plan, or the sigma for a target.",
    subcommands = {PrivacyCommand.Epsilon.class, PrivacyCommand.Sigma.class, PrivacyBudgetCommand.class})
final class PrivacyCommand {
  /** Each numeric parameter's valid range, as the one-line errors state it (see DpPreconditions). */
  private static final Map<String, String> RANGES = Map.of(
      "q", "a number in (0, 1]",
      "sigma", "a finite number > 0",
      "delta", "a number in (0, 1)",
      "epsilon", "a finite number > 0",
      "steps", "a whole number in [1, " + DpPreconditions.MAX_STEPS + "]");

  /** Thrown for bad input; the message is the whole one-line error. */
  static final class BadInput extends Exception {
    private static final long serialVersionUID = 1L;

    BadInput(String m) {
      super(m);
    }
  }

  abstract static class Common implements Callable<Integer> {
    @Option(names = "--q", paramLabel = "Q", description = "Poisson sampling probability per step, in (0, 1].")
    String q;
    @Option(names = "--steps", paramLabel = "N", description = "Number of steps, >= 1.")
    String steps;
    @Option(names = "--delta", paramLabel = "D", description = "Target delta, in (0, 1). Required.")
    String delta;
    @Option(names = "--accountant", paramLabel = "NAME", defaultValue = "rdp",
        description = "rdp (extended order grid), rdp-opacus (Opacus's order grid, to compare numbers) or pld (connect-the-dots PLD, tighter, slower). Default: ${DEFAULT-VALUE}.")
    String accountant;
    @Option(names = "--plan", paramLabel = "FILE",
        description = "Heterogeneous segments, one 'q sigma steps' per line (# comments).")
    Path plan;
    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    String output;
    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
      try {
        if (!output.equals("text") && !output.equals("json")) {
          throw new BadInput("--output must be text or json, got " + output);
        }
        spec.commandLine().getOut().println(run());
        return ExitCode.OK.code();
      } catch (BadInput e) {
        spec.commandLine().getErr().println("cohort-node privacy: " + e.getMessage());
        return ExitCode.USAGE.code();
      } catch (DpParameterException e) {
        spec.commandLine().getErr().println("cohort-node privacy: --" + e.parameter() + ": " + e.getMessage());
        return ExitCode.USAGE.code();
      }
    }

    abstract String run() throws BadInput, DpParameterException, IOException;

    PrivacyAccountant accountant() throws BadInput {
      return switch (accountant) {
        case "rdp" -> RdpAccountant.create();
        case "rdp-opacus" -> RdpAccountant.opacusCompatible();
        case "pld" -> PldAccountant.create();
        default -> throw new BadInput("--accountant must be rdp, rdp-opacus or pld, got " + accountant);
      };
    }

    PrivacyPlan readPlan() throws BadInput, DpParameterException {
      List<PlanSegment> segs = new ArrayList<>();
      List<String> lines;
      try {
        lines = Files.readAllLines(plan);
      } catch (IOException e) {
        throw new BadInput("--plan: cannot read " + plan + " (" + e.getMessage() + ")");
      }
      int n = 0;
      for (String raw : lines) {
        n++;
        String line = raw.replaceAll("#.*", "").trim();
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split("[\\s,]+");
        if (f.length != 3) {
          throw new BadInput("--plan: line " + n + " must be 'q sigma steps', got '" + raw.trim() + "'");
        }
        try {
          segs.add(PlanSegment.of(num("q", f[0]), num("sigma", f[1]), integer("steps", f[2])));
        } catch (DpParameterException e) {
          throw new BadInput("--plan: line " + n + ": " + e.getMessage());
        }
      }
      return PrivacyPlan.of(segs);
    }
  }

  @Command(name = "epsilon", mixinStandardHelpOptions = true,
      description = "Print the epsilon spent by --q/--sigma/--steps (or --plan) at --delta.")
  static final class Epsilon extends Common {
    @Option(names = "--sigma", paramLabel = "S", description = "Noise multiplier (noise stddev / clipping norm), > 0.")
    String sigma;

    @Override
    String run() throws BadInput, DpParameterException {
      PrivacyPlan p;
      if (plan != null) {
        if (q != null || sigma != null || steps != null) {
          throw new BadInput("--plan cannot be combined with --q, --sigma or --steps");
        }
        p = readPlan();
      } else {
        p = PrivacyPlan.of(num("q", required("q", q)), num("sigma", required("sigma", sigma)),
            integer("steps", required("steps", steps)));
      }
      PrivacySpend s = accountant().epsilon(p, num("delta", required("delta", delta)));
      if (output.equals("json")) {
        return String.format(Locale.ROOT, "{\"epsilon\": %s, \"delta\": %s, \"epsilon_error\": %s,"
            + " \"error_bounded\": %s, \"accountant\": \"%s\", \"steps\": %d, \"detail\": \"%s\"}",
            json(s.epsilon()), json(s.delta()), json(s.epsilonError()), s.errorBounded(), s.accountant(),
            p.totalSteps(), s.detail());
      }
      return String.format(Locale.ROOT, "epsilon = %.6f at delta = %s over %d steps (%s; %s)", s.epsilon(),
          s.delta(), p.totalSteps(), s.accountant(), s.detail());
    }
  }

  @Command(name = "sigma", mixinStandardHelpOptions = true,
      description = "Print the smallest noise multiplier meeting --epsilon at --delta for --q and --steps"
          + " (after the segments of --plan, if given).")
  static final class Sigma extends Common {
    @Option(names = "--epsilon", paramLabel = "E", description = "Target epsilon, > 0.")
    String epsilon;

    @Override
    String run() throws BadInput, DpParameterException {
      PrivacyPlan prior = plan == null ? null : readPlan();
      double qv = num("q", required("q", q));
      long n = integer("steps", required("steps", steps));
      double e = num("epsilon", required("epsilon", epsilon));
      double d = num("delta", required("delta", delta));
      PrivacyAccountant acc = accountant();
      double s = new SigmaCalibrator(acc).calibrate(prior, qv, n, e, d);
      if (output.equals("json")) {
        return String.format(Locale.ROOT, "{\"sigma\": %s, \"q\": %s, \"steps\": %d, \"epsilon\": %s, \"delta\": %s,"
            + " \"accountant\": \"%s\"}", json(s), json(qv), n, json(e), json(d), acc.id());
      }
      return String.format(Locale.ROOT, "sigma = %.6f (smallest, to %.0e relative) for epsilon = %s at delta = %s,"
          + " q = %s, %d steps (%s)", s, SigmaCalibrator.RELATIVE_TOLERANCE, e, d, qv, n, acc.id());
    }
  }

  static String required(String name, String v) throws BadInput {
    if (v == null) {
      throw new BadInput("--" + name + " is required: " + RANGES.get(name));
    }
    return v;
  }

  static double num(String name, String v) throws BadInput {
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new BadInput("--" + name + " must be " + RANGES.get(name) + ", got '" + v + "'");
    }
  }

  static long integer(String name, String v) throws BadInput {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new BadInput("--" + name + " must be " + RANGES.get(name) + ", got '" + v + "'");
    }
  }

  private static String json(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }
}
