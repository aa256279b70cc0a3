package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.secagg.SecAggNodeSession.Stage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** docs/secagg-scenarios.md O1–O3: restarts and secrets in memory and logs. */
class SecAggOperationalTest {

  @Test
  void o1_coordinatorRestart_newSessionRejectsOldMessages_nodesWipeOnAbort() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 16), 4, 61);
    var relays = h.openAtMaskedInput();
    MaskedInput y = h.nodes.get(h.id(0)).maskedInput(relays.get(h.id(0)), h.updates.get(h.id(0)));
    // The coordinator restarts: nothing was persisted, a new session starts with fresh keys.
    CoordinatorSession fresh = new CoordinatorSession(h.params, h.jobId, h.round, h.modelHash, h.configHash,
        h.certified);
    assertThat(fresh.receiveMaskedInput(y).status()).isEqualTo(Receipt.Status.REJECTED);
    for (SecAggNodeSession n : h.nodes.values()) {
      n.abort("coordinator restarted");
      assertThat(n.stage()).isEqualTo(Stage.ABORTED);
      assertThat(n.secretsForTest()).isEmpty();
    }
  }

  @Test
  void o2_nodeRestart_losesKeys_cannotRejoinSameSession_countsAsDropped() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 16), 4, 62);
    int restarted = h.id(2);
    CoordinatorSession c = new CoordinatorSession(h.params, h.jobId, h.round, h.modelHash, h.configHash, h.certified);
    for (int id : h.ids) {
      h.nodes.put(id, h.newNode(id));
      c.receiveAdvertiseKeys(h.nodes.get(id).advertiseKeys());
    }
    KeyRoster roster = c.closeAdvertiseKeys();
    SecAggNodeSession reborn = h.newNode(restarted); // new process: new keys
    reborn.advertiseKeys();
    assertThat(c.receiveAdvertiseKeys(reborn.advertiseKeys()).status()).isEqualTo(Receipt.Status.LATE);
    assertThatThrownBy(() -> reborn.shareKeys(roster)).isInstanceOf(SecAggAbortException.class)
        .hasMessageContaining("own keys are missing or altered");
    for (int id : h.ids) {
      if (id != restarted) {
        c.receiveShareKeys(h.nodes.get(id).shareKeys(roster));
      }
    }
    assertThat(c.closeShareKeys()).doesNotContainKey(restarted);
  }

  @Test
  void o3_logsNeverContainKeysSeedsOrShares() throws Exception {
    List<String> lines = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        String msg = r.getMessage();
        Object[] params = r.getParameters();
        lines.add(params == null ? msg : java.text.MessageFormat.format(msg, params));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("io.cohort");
    Level before = root.getLevel();
    root.setLevel(Level.ALL);
    capture.setLevel(Level.ALL);
    root.addHandler(capture);
    Set<String> secrets = new HashSet<>();
    try {
      Harness h = new Harness(Harness.params(5, 3, 32), 5, 63);
      h.drop(Stage.MASKED_INPUT, h.id(4)); // exercise mask-key shares too
      h.tamper = (stage, node, toNode, b) -> {
        h.nodes.values().forEach(n -> n.secretsForTest().forEach(s -> addForms(secrets, s)));
        if (stage == Stage.UNMASKING && !toNode) {
          try {
            UnmaskingResponse r = UnmaskingResponse.decode(b);
            r.selfMaskShares().forEach(s -> addForms(secrets, s.share()));
            r.maskKeyShares().forEach(s -> addForms(secrets, s.share()));
            lines.add(r.toString());
          } catch (MalformedMessageException e) {
            throw new AssertionError(e);
          }
        }
        return b;
      };
      // A bad share makes the node log a warning as well.
      AggregateResult r = h.run();
      lines.add(r.toString());
      h.nodes.values().forEach(n -> lines.add(n.toString()));
    } finally {
      root.removeHandler(capture);
      root.setLevel(before);
    }
    assertThat(lines).isNotEmpty();
    assertThat(secrets).hasSizeGreaterThan(20);
    for (String line : lines) {
      for (String s : secrets) {
        assertThat(line).doesNotContain(s);
      }
    }
  }

  private static void addForms(Set<String> out, byte[] secret) {
    out.add(HexFormat.of().formatHex(secret));
    out.add(Base64.getEncoder().encodeToString(secret));
    out.add(java.util.Arrays.toString(secret));
  }
}
