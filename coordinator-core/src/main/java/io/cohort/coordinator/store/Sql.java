package io.cohort.coordinator.store;

import io.cohort.coordinator.audit.AuditLog;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Transactions over a {@link DataSource}, optionally holding the audit log's append lock until commit. */
public final class Sql {
  private Sql() {}

  /** Work inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one transaction; a failure rolls back and becomes a {@link StoreException}. */
  public static <T> T tx(DataSource ds, String what, Work<T> work) {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("database error while trying to " + what, e);
    }
  }

  /**
   * Like {@link #tx}, for work that appends to the audit log: holds the log's lock across the
   * transaction, so entries are chained in commit order.
   */
  public static <T> T audited(DataSource ds, AuditLog audit, String what, Work<T> work) {
    audit.lock().lock();
    boolean done = false;
    try {
      T result = tx(ds, what, work);
      done = true;
      audit.committed();
      return result;
    } finally {
      if (!done) {
        audit.rolledBack();
      }
      audit.lock().unlock();
    }
  }
}
