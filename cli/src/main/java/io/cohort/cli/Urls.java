package io.cohort.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Query and path escaping for admin API calls. */
public final class Urls {
  private Urls() {}

  public static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
