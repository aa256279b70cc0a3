package io.cohort.crypto.secagg;

import io.cohort.crypto.secagg.internal.WireReader;
import io.cohort.crypto.secagg.internal.WireWriter;

/** Message type tags and the common header (magic, version, type) of every wire message. */
final class WireTags {
  static final int VERSION = 1;
  static final int ADVERTISE_KEYS = 1;
  static final int KEY_ROSTER = 2;
  static final int SHARE_KEYS = 3;
  static final int SHARE_KEYS_RELAY = 4;
  static final int MASKED_INPUT = 5;
  static final int CONSISTENCY_REQUEST = 6;
  static final int CONSISTENCY_RESPONSE = 7;
  static final int UNMASKING_REQUEST = 8;
  static final int UNMASKING_RESPONSE = 9;
  static final int MAGIC = 0x4353; // "CS"
  static final int MAX_NODES = SecAggParameters.MAX_COHORT_SIZE;
  static final int MAX_ID_BYTES = 256;
  static final int HASH_BYTES = 32;
  static final int SIG_BYTES = 64;
  static final int KEY_BYTES = 32;

  private WireTags() {}

  static WireWriter header(int type) {
    return new WireWriter().u8(MAGIC >>> 8).u8(MAGIC & 0xff).u8(VERSION).u8(type);
  }

  /** The fields of one message after its header; a field that does not parse throws IllegalArgumentException. */
  interface Fields<T> {
    T read(WireReader r) throws MalformedMessageException;
  }

  /**
   * Decodes a message of {@code type}: checks the header, reads the fields, and reports any
   * unparseable field as a {@link MalformedMessageException} that names the message.
   */
  static <T> T decode(byte[] data, int type, String name, Fields<T> fields) throws MalformedMessageException {
    WireReader r = open(data, type, name);
    try {
      return fields.read(r);
    } catch (IllegalArgumentException e) {
      throw new MalformedMessageException(name + ": " + e.getMessage(), e);
    }
  }

  static WireReader open(byte[] data, int type, String name) throws MalformedMessageException {
    try {
      WireReader r = new WireReader(data);
      int magic = (r.u8("magic") << 8) | r.u8("magic");
      int version = r.u8("version");
      int t = r.u8("type");
      if (magic != MAGIC || version != VERSION || t != type) {
        throw new MalformedMessageException("not a v" + VERSION + " " + name + " message (magic " + magic
            + ", version " + version + ", type " + t + ")");
      }
      return r;
    } catch (IllegalArgumentException e) {
      throw new MalformedMessageException(name + ": " + e.getMessage(), e);
    }
  }

  static void checkId(int id, String field) {
    if (id <= 0) {
      throw new IllegalArgumentException(field + " must be a node id in [1, 2^31-1], got " + id);
    }
  }
}
