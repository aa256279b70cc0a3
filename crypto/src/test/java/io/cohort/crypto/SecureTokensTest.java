package io.cohort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecureTokensTest {
  @Test
  void tokens_areUrlSafeAndDistinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String t = SecureTokens.token();
      assertThat(t).hasSize(22).matches("[A-Za-z0-9_-]+");
      assertThat(seen.add(t)).isTrue();
    }
    assertThat(SecureTokens.token(32)).hasSize(43);
  }

  @Test
  void fewerThan128Bits_isRefused() {
    assertThatThrownBy(() -> SecureTokens.token(8)).hasMessageContaining("at least 16");
  }
}
