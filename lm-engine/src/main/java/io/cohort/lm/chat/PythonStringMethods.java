package io.cohort.lm.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python {@code str} methods chat templates call ({@code content.startswith('<tool_response>')},
 * {@code content.split('</think>')[-1].lstrip('\n')}, ...), which Jinja inherits from Python and
 * Jinjava, on Java strings, lacks. Placed before Jinjava's own resolvers; resolves only calls of
 * these names on a {@link String} and leaves everything else to them. Semantics follow Python 3:
 * {@code strip()} without an argument strips Unicode whitespace, with one strips any of its
 * characters; {@code split()} without a separator splits on runs of whitespace and drops empty
 * pieces; {@code split(sep)} keeps them.
 */
final class PythonStringMethods extends ELResolver {
  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null) {
      return null;
    }
    Object[] p = params == null ? new Object[0] : params;
    Object result;
    switch (method.toString()) {
      case "startswith" -> result = p.length == 1 ? s.startsWith(str(p[0])) : null;
      case "endswith" -> result = p.length == 1 ? s.endsWith(str(p[0])) : null;
      case "strip" -> result = p.length <= 1 ? rstrip(lstrip(s, arg(p)), arg(p)) : null;
      case "lstrip" -> result = p.length <= 1 ? lstrip(s, arg(p)) : null;
      case "rstrip" -> result = p.length <= 1 ? rstrip(s, arg(p)) : null;
      case "split" -> result = p.length <= 1 ? split(s, arg(p)) : null;
      case "upper" -> result = p.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : null;
      case "lower" -> result = p.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : null;
      default -> result = null;
    }
    if (result == null) {
      return null;
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static String str(Object o) {
    if (!(o instanceof String s)) {
      throw new IllegalArgumentException("expected a string argument, got " + (o == null ? "none" : o.getClass()
          .getSimpleName()));
    }
    return s;
  }

  /** The characters argument, or null for "whitespace". */
  private static String arg(Object[] p) {
    return p.length == 0 || p[0] == null ? null : str(p[0]);
  }

  private static boolean strippable(int c, String chars) {
    return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
  }

  /** Python's {@code str.isspace()} per character (Unicode White_Space plus the separators 0x1C-0x1F). */
  static boolean isPythonSpace(int c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || (c >= 0x1C && c <= 0x1F);
  }

  static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  static String rstrip(String s, String chars) {
    int j = s.length();
    while (j > 0 && strippable(s.charAt(j - 1), chars)) {
      j--;
    }
    return s.substring(0, j);
  }

  static List<String> split(String s, String sep) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      while (i < s.length()) {
        while (i < s.length() && isPythonSpace(s.charAt(i))) {
          i++;
        }
        int start = i;
        while (i < s.length() && !isPythonSpace(s.charAt(i))) {
          i++;
        }
        if (i > start) {
          out.add(s.substring(start, i));
        }
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    int at;
    while ((at = s.indexOf(sep, from)) >= 0) {
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
