package io.cohort.coordinator.provenance;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What was exported: the format, each file's path relative to the manifest and its SHA-256, and
 * who computed those hashes ({@code coordinator} when it checked them against its own files,
 * {@code exporting client} for files it cannot see, such as a checkpoint merged with a base model
 * that only the exporting machine has).
 */
public record ExportedFiles(String format, Map<String, String> sha256, String hashedBy) {
  public static final String BY_COORDINATOR = "coordinator";
  public static final String BY_CLIENT = "exporting client";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-][A-Za-z0-9._/-]{0,199}");

  public ExportedFiles {
    if (!format.equals("bundle") && !format.equals("peft") && !format.equals("merged")) {
      throw new IllegalArgumentException("format must be bundle, peft or merged, got '" + format + "'");
    }
    if (sha256.isEmpty()) {
      throw new IllegalArgumentException("files must name at least one exported file");
    }
    for (Map.Entry<String, String> e : sha256.entrySet()) {
      if (!NAME.matcher(e.getKey()).matches() || e.getKey().contains("..") || e.getKey().startsWith("provenance.")) {
        throw new IllegalArgumentException("files: '" + e.getKey() + "' is not a relative file name inside the export");
      }
      if (e.getValue() == null || !HEX64.matcher(e.getValue()).matches()) {
        throw new IllegalArgumentException("files['" + e.getKey() + "'] must be a lowercase hex SHA-256, got '"
            + e.getValue() + "'");
      }
    }
    sha256 = java.util.Collections.unmodifiableMap(new TreeMap<>(sha256));
  }
}
