package io.cohort.client.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeConfigLoaderTest {
  private static final Path BASE = Path.of("/srv/node");
  private static final String VALID = """
      node_id: bank-a
      coordinator: coord.example.org:9090
      plaintext: true
      datasets:
        - alias: credit
          path: data/credit.csv
      """;

  @Test
  void validConfig_resolvesPathsAgainstTheFile() throws Exception {
    NodeConfig c = NodeConfigLoader.parse(VALID, "node.yaml", BASE);
    assertThat(c.nodeId()).isEqualTo("bank-a");
    assertThat(c.coordinatorHost()).isEqualTo("coord.example.org");
    assertThat(c.coordinatorPort()).isEqualTo(9090);
    assertThat(c.dataset("credit")).hasValueSatisfying(d -> {
      assertThat(d.path()).isEqualTo(Path.of("/srv/node/data/credit.csv"));
      assertThat(d.format()).isEqualTo("csv");
      assertThat(d.validationPath()).isEmpty();
    });
    assertThat(c.rpcTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void unknownField_namesTheLineAndTheValidFields() {
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "colour: blue\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.yaml line")
        .hasMessageContaining("unknown field 'colour'")
        .hasMessageContaining("node_id");
  }

  @Test
  void badValues_nameTheFieldAndWhatIsValid() {
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID.replace("coord.example.org:9090", "nohost"), "n.yaml", BASE))
        .hasMessageContaining("'coordinator' must be host:port");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID.replace(":9090", ":70000"), "n.yaml", BASE))
        .hasMessageContaining("between 1 and 65535");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID.replace("bank-a", "bank a"), "n.yaml", BASE))
        .hasMessageContaining("'node_id'");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "  - alias: credit\n    path: x.csv\n", "n.yaml", BASE))
        .hasMessageContaining("datasets[1].alias").hasMessageContaining("repeats");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID.replace("path: data/credit.csv", "format: parquet"), "n.yaml", BASE))
        .hasMessageContaining("datasets[0].path");
  }

  // Issue 21 #3: the member roster and its floor, and what is wrong with a bad one.
  @Test
  void trustBlock_pinsMembersAndAFloor_andABadOneNamesTheField() throws Exception {
    assertThat(NodeConfigLoader.parse(VALID, "node.yaml", BASE).trust()).isEqualTo(NodeConfig.Trust.NONE);
    NodeConfig c = NodeConfigLoader.parse(VALID + "trust:\n  members: [hospital-b, \"CN=bank-c\"]\n"
        + "  min_distinct_members: 2\n", "node.yaml", BASE);
    assertThat(c.trust().members()).containsExactly("hospital-b", "CN=bank-c");
    assertThat(c.trust().minDistinctMembers()).isEqualTo(2);
    assertThat(NodeConfigLoader.parse(NodeConfigWriter.yaml(c, BASE), "again.yaml", BASE).trust())
        .isEqualTo(c.trust());
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "trust:\n  members: [a]\n  min_distinct_members: 3\n",
        "n.yaml", BASE)).hasMessageContaining("'trust.min_distinct_members' must be between 0 and the number of pinned"
            + " members (1), got 3");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "trust: yes\n", "n.yaml", BASE))
        .hasMessageContaining("field 'trust' must be a block");
  }

  @Test
  void missingFile_isNamed() {
    assertThatThrownBy(() -> NodeConfigLoader.load(Path.of("/nonexistent/node.yaml")))
        .hasMessage("/nonexistent/node.yaml: no such file");
  }

  @Test
  void privacyBudget_isReadWithTheLedgerNextToTheIdentityKeyByDefault() throws Exception {
    NodeConfig c = NodeConfigLoader.parse(VALID + "    epsilon_budget: 8\n    delta: 1.0e-5\n", "node.yaml", BASE);
    assertThat(c.dataset("credit").orElseThrow().budget()).hasValueSatisfying(b -> {
      assertThat(b.epsilonBudget()).isEqualTo(8.0);
      assertThat(b.delta()).isEqualTo(1e-5);
      assertThat(b.accountant()).isEqualTo("rdp");
      assertThat(b.ledgerPath()).isEqualTo(Path.of("/srv/node/bank-a.credit.ledger"));
    });
    assertThat(NodeConfigLoader.parse(VALID, "node.yaml", BASE).dataset("credit").orElseThrow().budget()).isEmpty();
  }

  @Test
  void invalidPrivacyBudget_namesTheField() {
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "    epsilon_budget: 8\n", "node.yaml", BASE))
        .hasMessageContaining("'datasets[0].delta' is required");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "    epsilon_budget: -1\n    delta: 1.0e-5\n",
        "node.yaml", BASE)).hasMessageContaining("'datasets[0].epsilon_budget' must be a finite number > 0, got -1.0");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "    epsilon_budget: 1\n    delta: 1\n", "node.yaml",
        BASE)).hasMessageContaining("'datasets[0].delta' must be in (0, 1)");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "    epsilon_budget: 1\n    delta: 1.0e-5\n"
        + "    accountant: moments\n", "node.yaml", BASE)).hasMessageContaining("must be rdp or pld");
  }

  @Test
  void withoutPlaintext_mutualTlsWithCertificateFilesBesideTheConfig() throws Exception {
    var cfg = NodeConfigLoader.parse(VALID.replace("plaintext: true\n", ""), "n.yaml", BASE);
    assertThat(cfg.plaintext()).isFalse();
    assertThat(cfg.certificate()).isEqualTo(BASE.resolve("bank-a.crt"));
    assertThat(cfg.caCertificate()).isEqualTo(BASE.resolve("ca.crt"));
    var custom = NodeConfigLoader.parse(VALID.replace("plaintext: true", "plaintext: false\ncertificate: tls/me.pem\n"
        + "ca_certificate: tls/ca.pem"), "n.yaml", BASE);
    assertThat(custom.certificate()).isEqualTo(BASE.resolve("tls/me.pem"));
    assertThat(custom.caCertificate()).isEqualTo(BASE.resolve("tls/ca.pem"));
  }

  @Test
  void modelsAndJsonlDatasets_areReadWithRelativePathsResolvedAgainstTheFile() throws Exception {
    NodeConfig c = NodeConfigLoader.parse(VALID + """
          - alias: reuters
            path: text/train.jsonl
            format: jsonl
            validation_path: text/val.jsonl
        models:
          tiny-gpt2-reuters: models/tiny
          gpt2: /opt/models/gpt2
        """, "node.yaml", BASE);
    assertThat(c.dataset("reuters")).hasValueSatisfying(d -> {
      assertThat(d.format()).isEqualTo("jsonl");
      assertThat(d.path()).isEqualTo(Path.of("/srv/node/text/train.jsonl"));
      assertThat(d.validationPath()).hasValue(Path.of("/srv/node/text/val.jsonl"));
    });
    assertThat(c.model("tiny-gpt2-reuters")).hasValue(Path.of("/srv/node/models/tiny"));
    assertThat(c.model("gpt2")).hasValue(Path.of("/opt/models/gpt2"));
    assertThat(c.model("gpt2-xl")).isEmpty();
    assertThat(NodeConfigLoader.parse(VALID, "node.yaml", BASE).models()).isEmpty();
  }

  @Test
  void badModelsOrFormat_nameTheFieldAndWhatIsValid() {
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "    format: parquet\n", "node.yaml", BASE))
        .hasMessage("node.yaml: field 'datasets[0].format' must be csv (tabular jobs) or jsonl (language-model jobs),"
            + " got 'parquet'");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "models:\n  tiny:\n", "node.yaml", BASE))
        .hasMessageContaining("node.yaml: field 'models.tiny' must be the path of a Hugging Face checkpoint folder");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "models:\n  'bad name': x\n", "node.yaml", BASE))
        .hasMessageContaining("field 'models' has the name 'bad name'");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "models:\n  - tiny\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.yaml line 8")
        .hasMessageContaining("field 'models' must map model names to checkpoint folders");
  }

  @Test
  void computeThreads_defaultToEveryCoreAndAreReadFromTheComputeBlock() throws Exception {
    assertThat(NodeConfigLoader.parse(VALID, "node.yaml", BASE).computeThreads())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(NodeConfigLoader.parse(VALID + "compute:\n  threads: 1\n", "node.yaml", BASE).computeThreads())
        .isEqualTo(1);
    assertThat(NodeConfigLoader.parse(VALID + "compute:\n  threads: 1024\n", "node.yaml", BASE).computeThreads())
        .isEqualTo(NodeConfig.MAX_COMPUTE_THREADS);
    assertThat(NodeConfigLoader.parse(VALID + "compute: {}\n", "node.yaml", BASE).computeThreads())
        .as("an empty compute block keeps the default").isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void computePrecision_defaultsToAuto_isReadFromTheComputeBlock_andBadValuesNameTheChoices() throws Exception {
    assertThat(NodeConfigLoader.parse(VALID, "node.yaml", BASE).computePrecision()).isEqualTo("auto");
    assertThat(NodeConfigLoader.parse(VALID + "compute:\n  precision: BF16\n", "node.yaml", BASE).computePrecision())
        .isEqualTo("bf16");
    assertThat(NodeConfigLoader.parse(VALID + "compute: {threads: 1, precision: fp32}\n", "node.yaml", BASE)
        .computePrecision()).isEqualTo("fp32");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  precision: fp16\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("node.yaml: field 'compute.precision' must be fp32, bf16 or auto")
        .hasMessageEndingWith("got 'fp16'");
  }

  @Test
  void badComputeThreads_nameTheFieldAndTheValidRange() {
    String range = "field 'compute.threads' must be a whole number between 1 and 1024";
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  threads: 0\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.yaml: " + range).hasMessageEndingWith("got 0");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  threads: 1025\n", "node.yaml", BASE))
        .hasMessageContaining(range).hasMessageEndingWith("got 1025");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  threads: -2\n", "node.yaml", BASE))
        .hasMessageContaining(range).hasMessageEndingWith("got -2");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  threads: many\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.yaml line 8")
        .hasMessageContaining(range).hasMessageEndingWith("got 'many'");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  threads: 2.5\n", "node.yaml", BASE))
        .as("a fraction is refused, not truncated to 2")
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.yaml line 8")
        .hasMessageContaining(range);
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute: 4\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("node.yaml line 7")
        .hasMessageContaining("field 'compute' must be a block such as 'compute: {threads: 4, precision: auto}'");
    assertThatThrownBy(() -> NodeConfigLoader.parse(VALID + "compute:\n  cores: 4\n", "node.yaml", BASE))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown field 'cores' (valid: precision, threads)");
  }
}
