package io.cohort.coordinator.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.crypto.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Verifies an export against its provenance: the detached Ed25519 signature over
 * {@code provenance.json}, then the SHA-256 of every file the manifest lists, and (for an export
 * folder) that no file is there that the manifest does not list. Every problem names the file.
 *
 * <p>An export folder holds {@code provenance.json} and {@code provenance.sig}; a bundle exported
 * to a single file {@code F} has them beside it as {@code F.provenance.json} and
 * {@code F.provenance.sig}.
 */
public final class ExportVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The outcome: problems (empty when the export verifies) and what was checked.
   *
   * @param nodeSignatures node co-signatures verified against the CA (issue 21 #6); -1 when not checked
   */
  public record Result(List<String> problems, String fingerprint, String jobId, int filesChecked, int nodeSignatures) {
    public Result(List<String> problems, String fingerprint, String jobId, int filesChecked) {
      this(problems, fingerprint, jobId, filesChecked, -1);
    }

    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** What node co-signatures are checked against: the federation CA and, optionally, the verifier's own CRL. */
  public record NodeTrust(java.security.cert.X509Certificate ca, Optional<io.cohort.crypto.pki.RevocationList> crl) {}

  private ExportVerifier() {
  }

  /** Where the manifest and signature of an export at {@code path} are. */
  public record Layout(Path base, Path manifest, Path signature, boolean folder) {
    public static Layout of(Path path) {
      if (Files.isDirectory(path)) {
        return new Layout(path, path.resolve(ManifestWriter.FILE_NAME), path.resolve(DetachedSignature.FILE_NAME), true);
      }
      Path dir = path.toAbsolutePath().getParent();
      String name = path.getFileName().toString();
      return new Layout(dir, dir.resolve(name + "." + ManifestWriter.FILE_NAME),
          dir.resolve(name + "." + DetachedSignature.FILE_NAME), false);
    }
  }

  /**
   * @param path an export folder, or an exported bundle file
   * @param pinnedFingerprint the signer's expected fingerprint, if the caller knows it
   */
  public static Result verify(Path path, Optional<String> pinnedFingerprint) {
    return verify(path, pinnedFingerprint, Optional.empty());
  }

  /**
   * Like {@link #verify(Path, Optional)}, and with {@code nodes} present also every contributing
   * node's co-signature of every round ({@link NodeSignatureCheck}).
   */
  public static Result verify(Path path, Optional<String> pinnedFingerprint, Optional<NodeTrust> nodes) {
    Layout l = Layout.of(path);
    List<String> problems = new ArrayList<>();
    byte[] manifest;
    DetachedSignature sig;
    try {
      manifest = Files.readAllBytes(l.manifest());
    } catch (IOException e) {
      return fail(l.manifest() + ": missing or unreadable (" + e.getClass().getSimpleName() + ")");
    }
    try {
      sig = DetachedSignature.parse(Files.readString(l.signature()));
    } catch (IOException e) {
      return fail(l.signature() + ": missing or unreadable (" + e.getClass().getSimpleName() + ")");
    } catch (IllegalArgumentException e) {
      return fail(l.signature() + ": " + e.getMessage());
    }
    if (pinnedFingerprint.isPresent() && !pinnedFingerprint.get().equals(sig.fingerprint())) {
      problems.add(l.signature() + ": signed by key " + sig.fingerprint() + ", not by the expected "
          + pinnedFingerprint.get());
    }
    if (!sig.verifies(manifest)) {
      problems.add(l.manifest() + ": the signature in " + l.signature().getFileName()
          + " does not verify: the manifest (or the signature) was changed after signing");
      return new Result(problems, sig.fingerprint(), null, 0);
    }
    JsonNode m;
    try {
      m = JSON.readTree(manifest);
    } catch (IOException e) {
      return fail(l.manifest() + ": signed but not JSON");
    }
    if (!sig.fingerprint().equals(m.path("signer").path("fingerprint").asText())) {
      problems.add(l.manifest() + ": names signer " + m.path("signer").path("fingerprint").asText()
          + " but is signed by " + sig.fingerprint());
    }
    JsonNode files = m.path("export").path("files");
    int checked = 0;
    TreeSet<String> listed = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      listed.add(e.getKey());
      Path f = l.base().resolve(e.getKey()).normalize();
      if (!f.startsWith(l.base().toAbsolutePath().normalize()) && !f.startsWith(l.base().normalize())) {
        problems.add(l.manifest() + ": lists '" + e.getKey() + "', which is outside the export");
        continue;
      }
      if (!Files.isRegularFile(f)) {
        problems.add(f + ": listed in the manifest but missing");
        continue;
      }
      try {
        String got = Digests.hex(Digests.sha256(f));
        if (!got.equals(e.getValue().asText())) {
          problems.add(f + ": SHA-256 " + got + " differs from the manifest's " + e.getValue().asText()
              + " (the file was changed after export)");
        }
      } catch (IOException ex) {
        problems.add(f + ": unreadable (" + ex.getMessage() + ")");
      }
      checked++;
    }
    if (listed.isEmpty()) {
      problems.add(l.manifest() + ": lists no exported files");
    }
    if (l.folder()) {
      try (Stream<Path> all = Files.walk(l.base())) {
        all.filter(Files::isRegularFile).map(p -> l.base().relativize(p).toString().replace('\\', '/'))
            .filter(n -> !n.equals(ManifestWriter.FILE_NAME) && !n.equals(DetachedSignature.FILE_NAME))
            .filter(n -> !listed.contains(n)).sorted()
            .forEach(n -> problems.add(l.base().resolve(n) + ": not listed in the manifest (added after export)"));
      } catch (IOException e) {
        problems.add(l.base() + ": cannot list the folder (" + e.getMessage() + ")");
      }
    }
    int cosigned = -1;
    if (nodes.isPresent()) {
      NodeSignatureCheck.Outcome o = NodeSignatureCheck.check(l.manifest().toString(), m, nodes.get().ca(),
          nodes.get().crl());
      problems.addAll(o.problems());
      cosigned = o.signaturesVerified();
    }
    return new Result(problems, sig.fingerprint(), m.path("job").path("job_id").asText(null), checked, cosigned);
  }

  private static Result fail(String problem) {
    return new Result(List.of(problem), null, null, 0);
  }
}
