package io.cohort.coordinator.tls;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.cohort.crypto.pki.NodeCertificate;
import io.cohort.proto.v1.RegisterRequest;
import java.util.Arrays;
import java.util.Map;

/**
 * Compares what a request claims about its sender with the sender's certificate: every
 * {@code node_id} field (at the top level or in a nested message such as {@code SessionRef}) must
 * name the certificate's node, and a registration's identity key must be the certified key.
 * Generic over messages, so a new RPC is covered without touching this class.
 */
final class ClaimedIdentity {
  private static final int MAX_DEPTH = 3;

  private ClaimedIdentity() {}

  /** Why {@code message} cannot come from {@code cert}'s node, or null when it can. */
  static String mismatch(Object message, NodeCertificate cert) {
    if (!(message instanceof Message m)) {
      return null;
    }
    String claimed = claimedNodeId(m, 0, cert.nodeId());
    if (claimed != null) {
      return "the client certificate is for node '" + cert.nodeId() + "' but the request claims node '" + claimed + "'";
    }
    if (m instanceof RegisterRequest r) {
      byte[] key = r.getPublicKeys().getIdentityKeyEd25519().toByteArray();
      if (!Arrays.equals(key, cert.identityKey().raw())) {
        return "the identity key in the registration is not the key certified for node '" + cert.nodeId() + "'";
      }
    }
    return null;
  }

  /** The first node id in {@code m} that differs from {@code expected}, or null. */
  private static String claimedNodeId(Message m, int depth, String expected) {
    for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
      FieldDescriptor d = f.getKey();
      if (d.getName().equals("node_id") && d.getJavaType() == FieldDescriptor.JavaType.STRING && !d.isRepeated()) {
        if (!expected.equals(f.getValue())) {
          return (String) f.getValue();
        }
      } else if (d.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !d.isRepeated() && depth < MAX_DEPTH) {
        String inner = claimedNodeId((Message) f.getValue(), depth + 1, expected);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }
}
