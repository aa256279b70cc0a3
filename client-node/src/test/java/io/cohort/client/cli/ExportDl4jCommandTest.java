package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.cohort.client.job.Schemas;
import io.cohort.client.tabular.MlpClassifier;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.proto.v1.JobSpec;
import io.cohort.wire.TensorBundle;
import io.cohort.wire.TensorChunker;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code cohort-node export-dl4j}: an exported bundle becomes a zip that plain DL4J restores and runs. */
class ExportDl4jCommandTest {
  private static final long SEED = 2024_1206L;

  /** The coordinator's tensor file format (TensorFiles), written here without the coordinator's code. */
  private static void writeBundle(TensorBundle bundle, Path file) throws Exception {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write("COHORTB1".getBytes(StandardCharsets.US_ASCII));
      bundle.header().writeDelimitedTo(out);
      TensorChunker.chunks(bundle, c -> {
        try {
          c.getData().writeTo(out);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    }
  }

  @Test
  void bundle_becomesAModelSerializerZip_thatPlainDl4jRuns(@TempDir Path dir) throws Exception {
    Path specFile = Path.of("../examples/credit/job-dp.spec.json");
    JobSpec.Builder b = JobSpec.newBuilder();
    JsonFormat.parser().merge(Files.readString(specFile), b);
    TabularSchema schema = Schemas.fromSpec(b.getTabular());
    TensorBundle weights = MlpClassifier.initialize(schema.inputWidth(), schema.hiddenUnits(), 2, SEED);
    Path bundle = dir.resolve("model.bundle");
    writeBundle(weights, bundle);
    Path zip = dir.resolve("model.zip");

    Run r = Run.of("export-dl4j", "--spec", specFile.toString(), "--bundle", bundle.toString(), "--out", zip.toString());

    assertThat(r.code()).as(r.err()).isZero();
    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile());
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, schema.inputWidth());
    INDArray want = MlpClassifier.network(schema.inputWidth(), schema.hiddenUnits(), 2).toDl4j(weights).output(x);
    assertThat(net.output(x).equalsWithEps(want, 1e-6)).as("seed %d", SEED).isTrue();
  }
}
