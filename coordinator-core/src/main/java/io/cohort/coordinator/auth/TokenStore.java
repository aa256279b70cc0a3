package io.cohort.coordinator.auth;

import io.cohort.coordinator.audit.AuditEvent;
import io.cohort.coordinator.audit.AuditLog;
import io.cohort.coordinator.store.Sql;
import io.cohort.crypto.Digests;
import io.cohort.crypto.SecureTokens;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Bearer tokens in table {@code api_tokens}. A token is {@code cht_} plus 256 bits from
 * {@link SecureTokens}; only its SHA-256 is stored, so a database dump reveals no usable token.
 * (A fast hash is enough: the token has full entropy, unlike a password.) Creating a token is
 * audited with the creator and the new token's id and name, never the token.
 */
public final class TokenStore {
  public static final String PREFIX = "cht_";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,128}");

  private final DataSource dataSource;
  private final AuditLog audit;
  private final Clock clock;

  public TokenStore(DataSource dataSource, AuditLog audit, Clock clock) {
    this.dataSource = dataSource;
    this.audit = audit;
    this.clock = clock;
  }

  /** A new token: shown to its creator once, then only its hash exists. */
  public record Created(ApiToken token, String secret) {
    @Override
    public String toString() {
      return "Created[" + token + ", secret=<redacted>]";
    }
  }

  /** Creates a token; {@code createdBy} is the creator's audit identity. */
  public Created create(Role role, String name, String createdBy) {
    return insert(role, name, createdBy, PREFIX + SecureTokens.token(32));
  }

  /**
   * Stores an existing secret (the {@code admin.token} file of a coordinator that predates
   * stored tokens) so it keeps working.
   */
  public Created adopt(Role role, String name, String createdBy, String secret) {
    return insert(role, name, createdBy, secret.strip());
  }

  private Created insert(Role role, String name, String createdBy, String secret) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("token name must be 1-128 letters, digits, '.', '_', '@' or '-', got '"
          + name + "'");
    }
    ApiToken t = new ApiToken("tok-" + SecureTokens.token().substring(0, 12).replace('_', 'x').replace('-', 'y'), name, role,
        createdBy, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    Sql.audited(dataSource, audit, "create token " + name, c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_tokens (token_id, name, role, token_sha256,"
          + " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, t.tokenId());
        ps.setString(2, t.name());
        ps.setString(3, t.role().wireName());
        ps.setString(4, hash(secret));
        ps.setString(5, t.createdBy());
        ps.setTimestamp(6, Timestamp.from(t.createdAt()));
        ps.executeUpdate();
      }
      audit.append(c, new AuditEvent(createdBy, "token.created", null, null, null,
          "token " + t.tokenId() + " '" + t.name() + "' with role " + t.role().wireName()), t.createdAt());
      return null;
    });
    return new Created(t, secret);
  }

  /** The token a presented secret belongs to, if any. */
  public Optional<ApiToken> authenticate(String secret) {
    if (secret == null || secret.isBlank() || secret.length() > 512) {
      return Optional.empty();
    }
    return Sql.tx(dataSource, "check a token", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM api_tokens WHERE token_sha256 = ?")) {
        ps.setString(1, hash(secret.strip()));
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(token(rs)) : Optional.empty();
        }
      }
    });
  }

  public List<ApiToken> list() {
    return Sql.tx(dataSource, "list tokens", c -> {
      List<ApiToken> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM api_tokens ORDER BY created_at, token_id");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(token(rs));
        }
      }
      return out;
    });
  }

  public boolean isEmpty() {
    return Sql.tx(dataSource, "count tokens", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM api_tokens");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 0;
      }
    });
  }

  static String hash(String secret) {
    return Digests.hex(Digests.sha256(secret.getBytes(StandardCharsets.UTF_8)));
  }

  private static ApiToken token(ResultSet rs) throws SQLException {
    return new ApiToken(rs.getString("token_id"), rs.getString("name"), Role.parse(rs.getString("role")),
        rs.getString("created_by"), rs.getTimestamp("created_at").toInstant());
  }
}
