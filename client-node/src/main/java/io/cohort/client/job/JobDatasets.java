package io.cohort.client.job;

import io.cohort.client.config.NodeConfig;
import io.cohort.client.job.LocalTrainer.LocalDataException;
import io.cohort.proto.v1.JobSpec;

/** Finds the node's dataset a job names, with the decline reason nodes send when it does not fit. */
final class JobDatasets {
  private JobDatasets() {
  }

  /**
   * The dataset under the job's alias, which must have {@code format}.
   *
   * @param jobKind how the reason names the job, e.g. "tabular jobs"
   */
  static NodeConfig.Dataset require(NodeConfig config, JobSpec spec, String format, String jobKind)
      throws LocalDataException {
    NodeConfig.Dataset ds = config.dataset(spec.getDatasetAlias()).orElseThrow(() -> new LocalDataException(
        "dataset alias '" + spec.getDatasetAlias() + "' is not configured on this node (configured: "
            + String.join(", ", config.aliases()) + ")"));
    if (!ds.format().equals(format)) {
      throw new LocalDataException("dataset '" + ds.alias() + "' has format " + ds.format() + "; " + jobKind
          + " need format: " + format);
    }
    return ds;
  }
}
