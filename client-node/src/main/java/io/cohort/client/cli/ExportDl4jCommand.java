package io.cohort.client.cli;

import com.google.protobuf.util.JsonFormat;
import io.cohort.client.job.JobNetworks;
import io.cohort.client.job.Schemas;
import io.cohort.client.tabular.TabularNetwork;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.TensorBundleHeader;
import io.cohort.proto.v1.TensorChunk;
import io.cohort.wire.TensorAssembler;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.WireFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.deeplearning4j.util.ModelSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;

/**
 * {@code cohort-node export-dl4j}: a tabular job's global model, as {@code cohort job export} wrote it (format
 * {@code bundle}), as a DL4J {@code ModelSerializer} zip that a plain DL4J program loads with
 * {@code ModelSerializer.restoreMultiLayerNetwork}. Runs locally: the job's network comes from its spec, and the
 * bundle's signed provenance stays beside the bundle ({@code cohort job verify-export} checks it).
 */
@Command(name = "export-dl4j", mixinStandardHelpOptions = true,
    description = "Write a tabular job's exported global model (bundle) as a DL4J ModelSerializer zip.")
final class ExportDl4jCommand implements Callable<Integer> {
  private static final byte[] MAGIC = "COHORTB1".getBytes(StandardCharsets.US_ASCII);
  private static final long MAX_BYTES = 1L << 30;

  @Option(names = "--spec", required = true, paramLabel = "FILE", description = "The job spec as cohort.v1.JobSpec JSON.")
  Path spec;

  @Option(names = "--bundle", required = true, paramLabel = "FILE",
      description = "The global model as `cohort job export JOB --out FILE` wrote it.")
  Path bundle;

  @Option(names = "--out", required = true, paramLabel = "ZIP", description = "The ModelSerializer zip to write.")
  Path out;

  @Override
  public Integer call() throws Exception {
    JobSpec.Builder b = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(spec), b);
    // Privacy does not matter for an export: build the network as a non-private job would.
    JobSpec job = b.build().toBuilder().clearPrivacy().build();
    TabularNetwork network = JobNetworks.forJob(job, Schemas.fromSpec(job.getTabular()));
    TensorBundle weights = read(bundle);
    try {
      network.checkLayout(weights);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(bundle + " is not this job's model: " + e.getMessage(), e);
    }
    ModelSerializer.writeModel(network.toDl4j(weights), out.toFile(), false);
    System.out.println("wrote " + out + ": DL4J MultiLayerNetwork, " + network.parameterCount() + " parameters");
    return ExitCode.OK;
  }

  /** A Cohort tensor file: magic, length-delimited header, raw bytes (the coordinator's TensorFiles format). */
  static TensorBundle read(Path file) throws IOException, WireFormatException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
        throw new WireFormatException(file + " is not a Cohort tensor file (bad magic)");
      }
      TensorBundleHeader header = TensorBundleHeader.parseDelimitedFrom(in);
      if (header == null) {
        throw new WireFormatException(file + " ends before its header");
      }
      TensorAssembler assembler = new TensorAssembler(header, MAX_BYTES);
      long offset = 0;
      byte[] buf = new byte[1 << 20];
      while (!assembler.complete()) {
        int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, header.getTotalBytes() - offset));
        if (n == 0) {
          throw new WireFormatException(file + " is truncated at byte " + offset + " of its tensor data");
        }
        assembler.accept(TensorChunk.newBuilder().setOffset(offset)
            .setData(com.google.protobuf.ByteString.copyFrom(buf, 0, n)).build());
        offset += n;
      }
      return assembler.finish();
    }
  }
}
