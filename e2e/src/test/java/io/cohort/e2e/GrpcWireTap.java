package io.cohort.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the coordinator received over gRPC, captured on the wire: a TCP relay on loopback between
 * the nodes (which dial {@link #port()}) and the coordinator's plaintext-dev gRPC port, keeping
 * every byte the nodes sent. {@link #received()} decodes those bytes as the coordinator does, as
 * HTTP/2 frames (DATA payloads joined per stream, padding removed) and then as gRPC length-prefixed
 * messages, so a value is found even where a frame boundary split it on the wire. It sits outside
 * the coordinator's process, so the coordinator runs unchanged, and it sees every call, also those
 * rejected before a server interceptor would.
 */
final class GrpcWireTap implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int CONTINUATION = 0x9;
  private static final int FLAG_PADDED = 0x8;
  private static final int FLAG_PRIORITY = 0x20;

  private final ServerSocket server;
  private final int targetPort;
  private final List<ByteArrayOutputStream> fromNodes = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean closed;

  GrpcWireTap(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "grpc-wire-tap");
    accept.setDaemon(true);
    accept.start();
  }

  /** The port nodes dial instead of the coordinator's. */
  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket node = server.accept();
        Socket coordinator = new Socket();
        coordinator.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        synchronized (this) {
          fromNodes.add(captured);
          sockets.add(node);
          sockets.add(coordinator);
        }
        pump(node.getInputStream(), coordinator.getOutputStream(), captured, node, coordinator);
        pump(coordinator.getInputStream(), node.getOutputStream(), null, coordinator, node);
      } catch (IOException e) {
        if (!closed) {
          System.err.println("grpc-wire-tap: " + e);
        }
      }
    }
  }

  private void pump(InputStream in, OutputStream out, ByteArrayOutputStream copy, Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (copy != null) {
            synchronized (copy) {
              copy.write(buf, 0, n);
            }
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // the other side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "grpc-wire-tap-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** The nodes' side of the traffic, decoded. */
  record Capture(int connections, int streams, List<byte[]> messages, byte[] headerBlocks, long rawBytes) {
    /** Every gRPC message body, one after the other, as Latin-1 (one char per byte) for searching. */
    String messagesText() {
      StringBuilder sb = new StringBuilder();
      for (byte[] m : messages) {
        sb.append(new String(m, StandardCharsets.ISO_8859_1)).append('\n');
      }
      return sb.toString();
    }
  }

  /** Decodes everything the nodes sent until now; a frame still in flight is left out. */
  synchronized Capture received() {
    List<byte[]> messages = new ArrayList<>();
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    int streams = 0;
    long raw = 0;
    for (ByteArrayOutputStream c : fromNodes) {
      byte[] bytes;
      synchronized (c) {
        bytes = c.toByteArray();
      }
      raw += bytes.length;
      if (bytes.length < PREFACE.length) {
        continue;
      }
      if (!Arrays.equals(Arrays.copyOf(bytes, PREFACE.length), PREFACE)) {
        throw new AssertionError("a node's connection does not start with the HTTP/2 preface (TLS on? the tap"
            + " needs the plaintext-dev profile)");
      }
      Map<Integer, ByteArrayOutputStream> data = new LinkedHashMap<>();
      int at = PREFACE.length;
      while (at + 9 <= bytes.length) {
        int length = ((bytes[at] & 0xff) << 16) | ((bytes[at + 1] & 0xff) << 8) | (bytes[at + 2] & 0xff);
        int type = bytes[at + 3] & 0xff;
        int flags = bytes[at + 4] & 0xff;
        int stream = ((bytes[at + 5] & 0x7f) << 24) | ((bytes[at + 6] & 0xff) << 16) | ((bytes[at + 7] & 0xff) << 8)
            | (bytes[at + 8] & 0xff);
        int start = at + 9;
        int end = start + length;
        if (end > bytes.length) {
          break; // still in flight
        }
        if (type == DATA || type == HEADERS || type == CONTINUATION) {
          int from = start;
          int to = end;
          if ((type == DATA || type == HEADERS) && (flags & FLAG_PADDED) != 0) {
            to -= bytes[from] & 0xff;
            from++;
          }
          if (type == HEADERS && (flags & FLAG_PRIORITY) != 0) {
            from += 5;
          }
          if (type == DATA) {
            data.computeIfAbsent(stream, k -> new ByteArrayOutputStream()).write(bytes, from, to - from);
          } else {
            headers.write(bytes, from, to - from);
          }
        }
        at = end;
      }
      for (ByteArrayOutputStream s : data.values()) {
        streams++;
        byte[] body = s.toByteArray();
        int p = 0;
        while (p + 5 <= body.length) {
          if (body[p] != 0) {
            throw new AssertionError("a compressed gRPC message: the tap cannot read it (flag " + body[p] + ")");
          }
          int len = ((body[p + 1] & 0xff) << 24) | ((body[p + 2] & 0xff) << 16) | ((body[p + 3] & 0xff) << 8)
              | (body[p + 4] & 0xff);
          if (p + 5 + len > body.length) {
            break; // still in flight
          }
          messages.add(Arrays.copyOfRange(body, p + 5, p + 5 + len));
          p += 5 + len;
        }
      }
    }
    return new Capture(fromNodes.size(), streams, messages, headers.toByteArray(), raw);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (this) {
      sockets.forEach(GrpcWireTap::closeQuietly);
    }
  }
}
