package io.cohort.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The browser test's expected texts round as JavaScript's toFixed does (answers from Node 18). */
class ToFixedTest {

  @Test
  void roundsTheExactBinaryValueLikeJavaScript() {
    // node -e 'console.log((0.44375).toFixed(4),(0.5).toFixed(0),(-0.00001).toFixed(4),(2.5).toFixed(0),(1.005).toFixed(2),(-1.5).toFixed(0))'
    assertThat(DashboardBrowserTest.toFixed(0.44375, 4)).isEqualTo("0.4437");
    assertThat(DashboardBrowserTest.toFixed(0.5, 0)).isEqualTo("1");
    assertThat(DashboardBrowserTest.toFixed(-0.00001, 4)).isEqualTo("-0.0000");
    assertThat(DashboardBrowserTest.toFixed(2.5, 0)).isEqualTo("3");
    assertThat(DashboardBrowserTest.toFixed(1.005, 2)).isEqualTo("1.00");
    assertThat(DashboardBrowserTest.toFixed(-1.5, 0)).isEqualTo("-2");
  }
}
