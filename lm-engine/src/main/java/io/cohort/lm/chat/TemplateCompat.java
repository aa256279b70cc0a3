package io.cohort.lm.chat;

import com.hubspot.jinjava.interpret.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Where Jinjava parses valid Jinja differently from Jinja2, the template text is rewritten before
 * parsing into an equivalent form Jinjava reads correctly; where it would silently render wrong text,
 * rendering is refused. Both are confined to expressions inside {@code {{ }}} and {@code {% %}}
 * (string literals untouched):
 * <ul>
 *   <li>A keyword argument whose value has an operator, {@code namespace(i=messages|length - 1)}:
 *       Jinjava binds it as {@code (i=messages|length) - 1}. The value is parenthesised:
 *       {@code namespace(i=(messages|length - 1))}, which means the same in Jinja2.</li>
 *   <li>The reversing slice {@code seq[::-1]}, which Jinjava cannot parse, becomes
 *       {@code seq|reverse} (the same items in the same order). Other extended slices stay as they
 *       are and fail to parse, with the parser's message.</li>
 *   <li>A filter or test Jinjava does not know renders as nothing, without an error; such a name
 *       is refused up front.</li>
 * </ul>
 */
final class TemplateCompat {
  private TemplateCompat() {
  }

  /** The template with the rewrites above applied. */
  static String rewrite(String source) {
    StringBuilder out = new StringBuilder(source.length() + 16);
    forEachExpression(source, out, TemplateCompat::rewriteExpression);
    return out.toString();
  }

  /**
   * Throws {@link ChatTemplateException} for the first filter ({@code x | name}) or test
   * ({@code x is name}) that {@code context} does not define.
   */
  static void checkNames(String source, Context context) {
    List<String[]> found = new ArrayList<>();
    forEachExpression(source, new StringBuilder(), expr -> {
      collectNames(expr, found);
      return expr;
    });
    for (String[] f : found) {
      boolean known = f[0].equals("filter") ? context.getFilter(f[1]) != null : context.getExpTest(f[1]) != null;
      if (!known) {
        throw new ChatTemplateException("chat template uses the " + f[0] + " '" + f[1]
            + "', which the Jinja engine (Jinjava) does not have; rendering refused rather than risk wrong text");
      }
    }
  }

  /** Copies {@code source} to {@code out}, passing the inside of each {{ }} and {% %} through {@code f}. */
  private static void forEachExpression(String source, StringBuilder out, java.util.function.UnaryOperator<String> f) {
    int i = 0;
    while (i < source.length()) {
      int open = nextOpen(source, i);
      if (open < 0) {
        out.append(source, i, source.length());
        return;
      }
      out.append(source, i, open + 2);
      char kind = source.charAt(open + 1);
      if (kind == '#') {
        int close = source.indexOf("#}", open + 2);
        int end = close < 0 ? source.length() : close + 2;
        out.append(source, open + 2, end);
        i = end;
        continue;
      }
      String closer = kind == '{' ? "}}" : "%}";
      int close = closeOf(source, open + 2, closer);
      if (close < 0) {
        out.append(source, open + 2, source.length());
        return;
      }
      out.append(f.apply(source.substring(open + 2, close)));
      i = close;
    }
  }

  private static int nextOpen(String s, int from) {
    for (int i = from; i + 1 < s.length(); i++) {
      if (s.charAt(i) == '{' && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '%' || s.charAt(i + 1) == '#')) {
        return i;
      }
    }
    return -1;
  }

  /** The index of {@code closer} ending the tag that starts at {@code from}, skipping string literals. */
  private static int closeOf(String s, int from, String closer) {
    int i = from;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        i = endOfString(s, i);
        continue;
      }
      if (s.startsWith(closer, i)) {
        return i;
      }
      i++;
    }
    return -1;
  }

  /** Index just past the string literal starting at {@code i}. */
  private static int endOfString(String s, int i) {
    char q = s.charAt(i);
    int j = i + 1;
    while (j < s.length() && s.charAt(j) != q) {
      j += s.charAt(j) == '\\' ? 2 : 1;
    }
    return Math.min(s.length(), j + 1);
  }

  private static String rewriteExpression(String e) {
    StringBuilder out = new StringBuilder(e.length() + 8);
    // depth of each open bracket, and whether a keyword value was opened at that depth
    List<Character> stack = new ArrayList<>();
    List<Boolean> openValue = new ArrayList<>();
    int i = 0;
    while (i < e.length()) {
      char c = e.charAt(i);
      if (c == '\'' || c == '"') {
        int j = endOfString(e, i);
        out.append(e, i, j);
        i = j;
        continue;
      }
      if (c == '[' && e.startsWith("[::-1]", i)) {
        out.append("|reverse");
        i += 6;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        stack.add(c);
        openValue.add(false);
        out.append(c);
        i++;
        continue;
      }
      if (c == ')' || c == ']' || c == '}') {
        if (!stack.isEmpty()) {
          if (openValue.get(openValue.size() - 1)) {
            out.append(')');
          }
          stack.remove(stack.size() - 1);
          openValue.remove(openValue.size() - 1);
        }
        out.append(c);
        i++;
        continue;
      }
      if (c == ',' && !stack.isEmpty() && openValue.get(openValue.size() - 1)) {
        out.append(')');
        openValue.set(openValue.size() - 1, false);
        out.append(c);
        i++;
        continue;
      }
      if (c == '=' && !stack.isEmpty() && stack.get(stack.size() - 1) == '(' && isKeywordEquals(e, i)) {
        out.append("=(");
        openValue.set(openValue.size() - 1, true);
        i++;
        continue;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /** {@code e[i]} is '=' of {@code name=value}: not part of ==, !=, <=, >=, and an identifier precedes it. */
  private static boolean isKeywordEquals(String e, int i) {
    if (i + 1 < e.length() && e.charAt(i + 1) == '=') {
      return false;
    }
    int j = i - 1;
    while (j >= 0 && e.charAt(j) == ' ') {
      j--;
    }
    if (j < 0 || !(Character.isLetterOrDigit(e.charAt(j)) || e.charAt(j) == '_')) {
      return false;
    }
    int end = j;
    while (j >= 0 && (Character.isLetterOrDigit(e.charAt(j)) || e.charAt(j) == '_')) {
      j--;
    }
    return Character.isLetter(e.charAt(j + 1)) || e.charAt(j + 1) == '_' ? end >= j + 1 : false;
  }

  private static void collectNames(String e, List<String[]> found) {
    int i = 0;
    Predicate<Character> ident = ch -> Character.isLetterOrDigit(ch) || ch == '_';
    while (i < e.length()) {
      char c = e.charAt(i);
      if (c == '\'' || c == '"') {
        i = endOfString(e, i);
        continue;
      }
      if (c == '|' ) {
        int j = skipSpaces(e, i + 1);
        int k = j;
        while (k < e.length() && ident.test(e.charAt(k))) {
          k++;
        }
        if (k > j) {
          found.add(new String[] {"filter", e.substring(j, k)});
        }
        i = k;
        continue;
      }
      if (ident.test(c)) {
        int k = i;
        while (k < e.length() && ident.test(e.charAt(k))) {
          k++;
        }
        String word = e.substring(i, k);
        boolean standalone = i == 0 || !ident.test(e.charAt(i - 1)) && e.charAt(i - 1) != '.';
        if (standalone && word.equals("is")) {
          int j = skipSpaces(e, k);
          int m = j;
          while (m < e.length() && ident.test(e.charAt(m))) {
            m++;
          }
          String next = e.substring(j, m);
          if (next.equals("not")) {
            j = skipSpaces(e, m);
            m = j;
            while (m < e.length() && ident.test(e.charAt(m))) {
              m++;
            }
            next = e.substring(j, m);
          }
          if (!next.isEmpty()) {
            found.add(new String[] {"test", next});
          }
          i = m;
          continue;
        }
        i = k;
        continue;
      }
      i++;
    }
  }

  private static int skipSpaces(String e, int i) {
    while (i < e.length() && Character.isWhitespace(e.charAt(i))) {
      i++;
    }
    return i;
  }
}
