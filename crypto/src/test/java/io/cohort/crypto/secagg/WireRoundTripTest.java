package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Every stage message survives encode → decode unchanged; junk and wrong types are refused (a property-based test of protocol invariants). */
class WireRoundTripTest {
  @Test
  void allStageMessages_roundTrip_andRejectWrongTypeOrTrailingBytes() throws Exception {
    Harness h = new Harness(Harness.params(4, 3, 10), 4, 81);
    var relays = h.openAtMaskedInput();
    SecAggNodeSession n = h.nodes.get(h.id(0));
    AdvertiseKeys ak = n.advertiseKeys();
    assertThat(AdvertiseKeys.decode(ak.encode())).isEqualTo(ak);
    ShareKeysRelay relay = relays.get(h.id(0));
    assertThat(ShareKeysRelay.decode(relay.encode())).isEqualTo(relay);
    MaskedInput y = n.maskedInput(relay, h.updates.get(h.id(0)));
    assertThat(MaskedInput.decode(y.encode()).words()).isEqualTo(y.words());
    assertThat(y.encode().length).isEqualTo(4 * 11 + 48); // 4(d + 1) words, header with an empty C1 report
    for (int id : h.ids) {
      if (id != h.id(0)) {
        h.coordinator.receiveMaskedInput(h.nodes.get(id).maskedInput(relays.get(id), h.updates.get(id)));
      }
    }
    h.coordinator.receiveMaskedInput(y);
    ConsistencyCheckRequest cr = h.coordinator.closeMaskedInput();
    assertThat(ConsistencyCheckRequest.decode(cr.encode())).isEqualTo(cr);
    for (SecAggNodeSession node : h.nodes.values()) {
      ConsistencyCheckResponse c = node.consistencyCheck(cr);
      assertThat(ConsistencyCheckResponse.decode(c.encode())).isEqualTo(c);
      h.coordinator.receiveConsistencyCheck(c);
    }
    UnmaskingRequest ur = h.coordinator.closeConsistencyCheck();
    assertThat(UnmaskingRequest.decode(ur.encode())).isEqualTo(ur);
    UnmaskingResponse resp = n.unmask(ur);
    assertThat(UnmaskingResponse.decode(resp.encode())).isEqualTo(resp);
    assertThat(resp.toString()).contains("selfMaskShares=4");

    assertThatThrownBy(() -> ShareKeys.decode(ak.encode())).isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("not a v1 ShareKeys message");
    byte[] extra = java.util.Arrays.copyOf(ak.encode(), ak.encode().length + 1);
    assertThatThrownBy(() -> AdvertiseKeys.decode(extra)).hasMessageContaining("trailing");
    byte[] shortMsg = java.util.Arrays.copyOf(resp.encode(), 50);
    assertThatThrownBy(() -> UnmaskingResponse.decode(shortMsg)).isInstanceOf(MalformedMessageException.class);
  }
}
