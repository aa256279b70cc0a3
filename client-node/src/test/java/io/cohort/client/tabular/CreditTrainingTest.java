package io.cohort.client.tabular;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.tabular.DatasetSplit.Split;
import io.cohort.wire.TensorBundle;
import java.util.List;
import org.junit.jupiter.api.Test;

/** End to end on the German credit example: load, split, encode, train, evaluate. */
class CreditTrainingTest {

  @Test
  void twentyEpochs_reachValidationAucAboveSevenAndBeatUntrained() throws Exception {
    long seed = 42;
    TabularSchema schema = CreditData.schema(List.of(32));
    CsvDataset data = CsvDataset.load(CreditData.file(), schema);
    Split split = DatasetSplit.stratified(data, 0.2, seed);
    FeatureEncoder encoder = FeatureEncoder.fit(data, split.train(), schema);
    EncodedData train = encoder.encode(data, split.train());
    EncodedData validation = encoder.encode(data, split.validation());
    TensorBundle start =
        MlpClassifier.initialize(schema.inputWidth(), schema.hiddenUnits(), 2, seed);

    EvaluationStats untrained = MlpClassifier.evaluate(start, validation);
    TrainResult result =
        MlpClassifier.train(start, train, new TrainingParams(20, 32, 1e-3), seed);
    EvaluationStats trained = MlpClassifier.evaluate(result.weights(), validation);

    assertThat(result.examples()).isEqualTo(800);
    assertThat(trained.numExamples()).isEqualTo(200);
    assertThat(trained.rocAuc()).as("seed %d: %s vs untrained %s", seed, trained, untrained)
        .isGreaterThan(0.7)
        .isGreaterThan(untrained.rocAuc());
    assertThat(trained.meanLoss()).as("seed %d: %s vs untrained %s", seed, trained, untrained)
        .isLessThan(untrained.meanLoss());
    // The majority class alone scores 0.7; a useful model must not be worse.
    assertThat(trained.accuracy()).as("seed %d: %s", seed, trained).isGreaterThanOrEqualTo(0.7);
    assertThat(result.meanTrainLoss()).as("seed %d", seed).isLessThan(untrained.meanLoss());
  }
}
