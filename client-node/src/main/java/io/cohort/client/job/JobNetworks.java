package io.cohort.client.job;

import io.cohort.client.tabular.MlpClassifier;
import io.cohort.client.tabular.TabularNetwork;
import io.cohort.client.tabular.TabularSchema;
import io.cohort.proto.v1.JobSpec;
import io.cohort.proto.v1.RegressionLoss;
import io.cohort.proto.v1.TabularNetworkSpec;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A tabular job's DL4J network: the one the job carries, or the default MLP of its hidden_units. */
public final class JobNetworks {
  private JobNetworks() {}

  /**
   * Builds and checks the job's network against the encoded features and the label, and, for a private job,
   * against what DP-SGD can clip exactly.
   *
   * @throws IllegalArgumentException naming the mismatch (the node declines the job with it)
   */
  public static TabularNetwork forJob(JobSpec spec, TabularSchema schema) {
    TabularNetwork net;
    if (!spec.getTabular().hasNetwork()) {
      net = schema.regression()
          ? MlpClassifier.regressionNetwork(schema.inputWidth(), schema.hiddenUnits(),
              spec.getTabular().getRegressionLoss() == RegressionLoss.REGRESSION_LOSS_MAE
                  ? LossFunctions.LossFunction.MEAN_ABSOLUTE_ERROR : LossFunctions.LossFunction.MSE)
          : MlpClassifier.network(schema.inputWidth(), schema.hiddenUnits(), schema.numClasses());
    } else {
      TabularNetworkSpec n = spec.getTabular().getNetwork();
      if (!"dl4j".equals(n.getKind())) {
        throw new IllegalArgumentException("model kind '" + n.getKind() + "' is not supported; this node runs dl4j");
      }
      String what = n.getSource().isBlank() ? "" : " (" + n.getSource() + ")";
      try {
        net = n.getDl4JModelZip().isEmpty()
            ? TabularNetwork.fromJson(n.getDl4JConfigurationJson(), schema.inputWidth(), schema.numClasses())
            : TabularNetwork.fromZip(n.getDl4JModelZip().toByteArray(), schema.inputWidth(), schema.numClasses());
        check(net, spec);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the job's model" + what + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        // DL4J reports a configuration it cannot build with its own exception types.
        throw new IllegalArgumentException("the job's model" + what + " cannot be built by DL4J: " + e.getMessage(), e);
      }
      return net;
    }
    check(net, spec);
    return net;
  }

  private static void check(TabularNetwork net, JobSpec spec) {
    if (spec.getPrivacy().getEnabled()) {
      net.checkPrivate(); // first: under DP, the reason that always holds
    }
    net.checkTrainable();
  }
}
