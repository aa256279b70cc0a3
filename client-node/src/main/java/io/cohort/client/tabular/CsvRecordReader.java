package io.cohort.client.tabular;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Splits RFC 4180 text into records of fields, one record at a time.
 *
 * <p>Accepts CRLF, LF or a lone CR as the line break, fields quoted with {@code "} that may hold
 * commas, line breaks and doubled quotes, and a missing final line break. Rejects what RFC 4180
 * forbids and a reader would otherwise silently misread: a quote inside an unquoted field,
 * text after a closing quote, and a quote left open at the end of the input.
 */
final class CsvRecordReader {
  /** Longest field accepted; far beyond real data, it bounds memory when a quote is unbalanced. */
  static final int MAX_FIELD_CHARS = 1 << 20;

  private static final int EOF = -1;

  private final Reader in;
  private final String source;
  private final char[] buffer = new char[8192];
  private int position;
  private int limit;
  private int pushedBack = Integer.MIN_VALUE;
  private boolean atStart = true;

  /** Physical 1-based line of the next character to read. */
  private long line = 1;

  private long recordLine;
  private boolean lastRecordBlank;

  CsvRecordReader(Reader in, String source) {
    this.in = in;
    this.source = source;
  }

  /** The 1-based line on which the record last returned by {@link #next} starts. */
  long recordLine() {
    return recordLine;
  }

  /** The 1-based line the reader has reached. */
  long line() {
    return line;
  }

  /**
   * True when the record last returned was a blank line: a single unquoted field holding only
   * whitespace.
   */
  boolean lastRecordBlank() {
    return lastRecordBlank;
  }

  /**
   * Reads the next record, or returns null at the end of the input.
   *
   * @param columnName names field {@code i} in error messages (a header name once known)
   */
  List<String> next(IntFunction<String> columnName) throws IOException, DatasetException {
    int c = read();
    if (c == EOF) {
      return null;
    }
    recordLine = line;
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean anyQuoted = false;
    while (true) {
      if (c == '"') {
        anyQuoted = true;
        long quoteLine = line;
        while (true) {
          c = read();
          if (c == EOF) {
            throw error(quoteLine, columnName, fields.size(),
                "quoted field is never closed; end it with a '\"' (write a quote inside a"
                    + " quoted field as '\"\"')");
          }
          if (c == '"') {
            c = read();
            if (c != '"') {
              break; // closing quote; c is the character after it
            }
          } else if (c == '\r') {
            int after = read();
            if (after != '\n') {
              unread(after);
            } else {
              field.append('\r');
              c = '\n';
            }
            line++;
          } else if (c == '\n') {
            line++;
          }
          append(field, (char) c, quoteLine, columnName, fields.size());
        }
        if (c != ',' && c != '\r' && c != '\n' && c != EOF) {
          String rule = " after the closing quote; a quoted field must end"
              + " at a comma or the end of the line";
          throw DatasetException.atValue(source, line, columnName.apply(fields.size()),
              "unexpected " + describe(c) + rule, "unexpected character" + rule);
        }
      } else {
        while (c != ',' && c != '\r' && c != '\n' && c != EOF) {
          if (c == '"') {
            throw error(line, columnName, fields.size(),
                "'\"' inside an unquoted field; quote the whole field and double the quote,"
                    + " e.g. \"5\"\" disk\"");
          }
          append(field, (char) c, line, columnName, fields.size());
          c = read();
        }
      }
      fields.add(field.toString());
      field.setLength(0);
      if (c == ',') {
        c = read();
        continue;
      }
      // End of record: consume the line break (CRLF counts as one).
      if (c == '\r') {
        int after = read();
        if (after != '\n') {
          unread(after);
        }
      }
      if (c != EOF) {
        line++;
      }
      lastRecordBlank = !anyQuoted && fields.size() == 1 && fields.get(0).isBlank();
      return fields;
    }
  }

  private void append(
      StringBuilder field, char c, long atLine, IntFunction<String> columnName, int index)
      throws DatasetException {
    if (field.length() >= MAX_FIELD_CHARS) {
      throw error(atLine, columnName, index,
          "field is longer than " + MAX_FIELD_CHARS + " characters; is a quote unbalanced?");
    }
    field.append(c);
  }

  private DatasetException error(
      long atLine, IntFunction<String> columnName, int index, String problem) {
    return DatasetException.atValue(source, atLine, columnName.apply(index), problem);
  }

  private int read() throws IOException {
    if (pushedBack != Integer.MIN_VALUE) {
      int c = pushedBack;
      pushedBack = Integer.MIN_VALUE;
      return c;
    }
    if (position == limit) {
      limit = in.read(buffer, 0, buffer.length);
      position = 0;
      if (limit <= 0) {
        limit = 0;
        return EOF;
      }
    }
    char c = buffer[position++];
    if (atStart) {
      atStart = false;
      // A UTF-8 byte order mark (as Excel writes) is not part of the first header name.
      if (c == '\uFEFF') {
        return read();
      }
    }
    return c;
  }

  private void unread(int c) {
    pushedBack = c;
  }

  private static String describe(int c) {
    return Character.isISOControl(c)
        ? String.format("character U+%04X", c)
        : "'" + (char) c + "'";
  }
}
