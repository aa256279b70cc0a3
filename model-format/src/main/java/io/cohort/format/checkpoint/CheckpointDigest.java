package io.cohort.format.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The content hash that names a base model in a job ({@code model.sha256}): nodes refuse a job
 * whose checkpoint on their disk hashes differently, and the export's provenance manifest
 * records it. It covers every file that changes what the model computes — {@code config.json},
 * the weight files ({@code *.safetensors}, {@code model.safetensors.index.json}) and the
 * tokenizer ({@code vocab.json}, {@code merges.txt}, {@code tokenizer.json}) — and nothing else
 * (READMEs, golden outputs), so copying a folder with its notes keeps the hash.
 *
 * <p>Definition: SHA-256 over, for each such regular file directly in the folder in ascending
 * name order, the UTF-8 file name, a zero byte, the file's length as 8 big-endian bytes and the
 * file's own SHA-256.
 */
public final class CheckpointDigest {
  private static final List<String> NAMED = List.of("config.json", "model.safetensors.index.json", "vocab.json",
      "merges.txt", "tokenizer.json");

  private CheckpointDigest() {
  }

  /** Whether {@code fileName} is part of the hash. */
  public static boolean covers(String fileName) {
    return NAMED.contains(fileName) || fileName.endsWith(".safetensors");
  }

  /** The lowercase hex content hash of the checkpoint folder {@code dir}. */
  public static String of(Path dir) throws CheckpointException {
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(dir, "is not a folder (a model is a Hugging Face checkpoint folder)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> covers(p.getFileName().toString()) && Files.isRegularFile(p))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new CheckpointException(dir, "cannot list the folder: " + e.getMessage(), e);
    }
    if (files.stream().noneMatch(p -> p.getFileName().toString().equals("config.json"))) {
      throw new CheckpointException(dir.resolve("config.json"), "is missing (every checkpoint folder needs one)");
    }
    MessageDigest all = sha256();
    for (Path f : files) {
      MessageDigest one = sha256();
      long length = 0;
      try (InputStream in = Files.newInputStream(f)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          one.update(buf, 0, n);
          length += n;
        }
      } catch (NoSuchFileException e) {
        throw new CheckpointException(f, "disappeared while hashing the folder");
      } catch (IOException e) {
        throw new CheckpointException(f, "cannot be read: " + e.getMessage(), e);
      }
      all.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      all.update((byte) 0);
      for (int i = 7; i >= 0; i--) {
        all.update((byte) (length >>> (8 * i)));
      }
      all.update(one.digest());
    }
    return HexFormat.of().formatHex(all.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
