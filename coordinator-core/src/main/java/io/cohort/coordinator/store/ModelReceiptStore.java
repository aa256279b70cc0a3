package io.cohort.coordinator.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;

/**
 * The nodes' signed receipts of the global model of each round (issue 21 #6), in table
 * {@code model_receipts}: one per job, round and node, a retried attempt replacing the earlier one.
 * Rows are kept only after {@code ModelReceiptIntake} checked them; they are self-verifying (the
 * export verifier checks every signature again against the federation CA), so they are not audited.
 */
public final class ModelReceiptStore {
  private final DataSource dataSource;

  /**
   * One node's receipt.
   *
   * @param modelSha256 hex, empty when the node received no model (a plain job's first round)
   * @param certificateDer the certificate the node registered with; empty in plaintext development mode
   */
  public record Row(String jobId, int round, String nodeId, String termsSha256, String modelSha256, byte[] signature,
      byte[] certificateDer, Instant receivedAt) {}

  public ModelReceiptStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void record(Row row) {
    Sql.tx(dataSource, "record the model receipt of node " + row.nodeId(), c -> {
      try (PreparedStatement del = c.prepareStatement(
          "DELETE FROM model_receipts WHERE job_id = ? AND round = ? AND node_id = ?")) {
        del.setString(1, row.jobId());
        del.setInt(2, row.round());
        del.setString(3, row.nodeId());
        del.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_receipts (job_id, round, node_id,"
          + " terms_sha256, model_sha256, signature_hex, certificate_b64, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, row.jobId());
        ps.setInt(2, row.round());
        ps.setString(3, row.nodeId());
        ps.setString(4, row.termsSha256());
        ps.setString(5, row.modelSha256());
        ps.setString(6, HexFormat.of().formatHex(row.signature()));
        ps.setString(7, row.certificateDer().length == 0 ? null : Base64.getEncoder().encodeToString(row.certificateDer()));
        ps.setTimestamp(8, Timestamp.from(row.receivedAt()));
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The job's receipts by round, then node. */
  public List<Row> byJob(String jobId) {
    return Sql.tx(dataSource, "read model receipts", c -> {
      List<Row> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT * FROM model_receipts WHERE job_id = ? ORDER BY round, node_id")) {
        ps.setString(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String cert = rs.getString("certificate_b64");
            out.add(new Row(rs.getString("job_id"), rs.getInt("round"), rs.getString("node_id"),
                rs.getString("terms_sha256"), rs.getString("model_sha256"),
                HexFormat.of().parseHex(rs.getString("signature_hex")),
                cert == null ? new byte[0] : Base64.getDecoder().decode(cert),
                rs.getTimestamp("received_at").toInstant()));
          }
        }
      }
      return out;
    });
  }
}
