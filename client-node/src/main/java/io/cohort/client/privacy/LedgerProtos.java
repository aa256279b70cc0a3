package io.cohort.client.privacy;

import com.google.protobuf.ByteString;
import io.cohort.crypto.ledger.PrivacyLedger;
import io.cohort.crypto.ledger.VerifiedLedgerEntry;
import io.cohort.proto.v1.LedgerEntry;
import java.util.HexFormat;

/** Ledger entries in their wire form: the signed line itself plus a reading of it. */
final class LedgerProtos {
  private static final HexFormat HEX = HexFormat.of();

  private LedgerProtos() {}

  static LedgerEntry toProto(String nodeId, String alias, PrivacyLedger ledger, VerifiedLedgerEntry e) {
    String line = ledger.signedLine(e.seq());
    String sig = line.substring(line.lastIndexOf("\tsig=") + 5);
    int prevAt = line.indexOf("\tprev=") + 6;
    String prev = line.substring(prevAt, prevAt + 64); // hex SHA-256; "\tterms=" may follow it
    return LedgerEntry.newBuilder()
        .setNodeId(nodeId)
        .setDatasetAlias(alias)
        .setJobId(e.spend().jobId())
        .setRound((int) e.spend().round())
        .setMechanism(e.spend().mechanism())
        .setSamplingRate(e.spend().segment().samplingProbability())
        .setNoiseMultiplier(e.spend().segment().noiseMultiplier())
        .setClipNorm(e.spend().clipNorm())
        .setSteps(e.spend().segment().steps())
        .setAccountant(e.accountant())
        .setEpsilonAfter(e.epsilonAfter())
        .setDelta(ledger.delta())
        .setTimestampUnixMs(e.timestampMillis())
        .setPreviousHash(ByteString.copyFrom(HEX.parseHex(prev)))
        .setSignature(ByteString.copyFrom(HEX.parseHex(sig)))
        .setSeq(e.seq())
        .setSignedLine(line)
        .setLedgerHeader(ledger.headerLine())
        .setJobTermsSha256(e.spend().jobTermsSha256())
        .setPrivacyUnit(e.spend().unit())
        .build();
  }
}
