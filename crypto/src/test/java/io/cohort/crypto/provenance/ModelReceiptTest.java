package io.cohort.crypto.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.keys.IdentityKeyPair;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Issue 21 #6: the exact bytes a node co-signs, and that each of the four values is bound. */
class ModelReceiptTest {
  private static final String TERMS = "0f".repeat(32);
  private static final String MODEL = "a1".repeat(32);

  @Test
  void statement_isTheDocumentedLines() {
    assertThat(new String(new ModelReceipt("job-7", TERMS, 3, MODEL).statement(), StandardCharsets.UTF_8))
        .isEqualTo("cohort-model-receipt-v1\njob=job-7\nterms=" + TERMS + "\nround=3\nmodel=" + MODEL + "\n");
    assertThat(new String(new ModelReceipt("job-7", TERMS, 1, "").statement(), StandardCharsets.UTF_8))
        .as("a plain job's first round received no model").endsWith("round=1\nmodel=\n");
  }

  @Test
  void signature_verifiesOnlyForTheSignedValuesAndKey() {
    IdentityKeyPair node = IdentityKeyPair.generate();
    ModelReceipt r = new ModelReceipt("job-7", TERMS, 3, MODEL);
    byte[] sig = r.sign(node);
    assertThat(r.verifies(node.publicKey(), sig)).isTrue();
    assertThat(new ModelReceipt("job-8", TERMS, 3, MODEL).verifies(node.publicKey(), sig)).as("job").isFalse();
    assertThat(new ModelReceipt("job-7", "1f".repeat(32), 3, MODEL).verifies(node.publicKey(), sig)).as("terms").isFalse();
    assertThat(new ModelReceipt("job-7", TERMS, 4, MODEL).verifies(node.publicKey(), sig)).as("round").isFalse();
    assertThat(new ModelReceipt("job-7", TERMS, 3, "b1".repeat(32)).verifies(node.publicKey(), sig)).as("model").isFalse();
    assertThat(r.verifies(IdentityKeyPair.generate().publicKey(), sig)).as("another node's key").isFalse();
    byte[] flipped = sig.clone();
    flipped[10] ^= 1;
    assertThat(r.verifies(node.publicKey(), flipped)).isFalse();
    assertThat(r.verifies(node.publicKey(), new byte[12])).isFalse();
  }

  @Test
  void malformedValues_areRefusedNamingTheField() {
    assertThatThrownBy(() -> new ModelReceipt("job\n7", TERMS, 1, MODEL)).hasMessageContaining("job id");
    assertThatThrownBy(() -> new ModelReceipt("job-7", "ABC", 1, MODEL)).hasMessageContaining("terms");
    assertThatThrownBy(() -> new ModelReceipt("job-7", TERMS, 0, MODEL)).hasMessageContaining("round");
    assertThatThrownBy(() -> new ModelReceipt("job-7", TERMS, 1, MODEL.toUpperCase())).hasMessageContaining("model");
  }
}
