package io.cohort.cli;

/**
 * A {@code cohort} subcommand contributed by another module (the simulator's {@code simulate}),
 * found with {@link java.util.ServiceLoader}: the implementation is a picocli {@code @Command},
 * listed in {@code META-INF/services/io.cohort.cli.CohortCommand}. This keeps the CLI free of a
 * dependency on the modules that extend it.
 */
public interface CohortCommand {}
