package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;

/**
 * One thread's oneDNN stream, scratchpad (grown to the largest any of its primitives asks for) and
 * primitive cache, bounded: the least recently used primitive beyond {@code capacity} is destroyed.
 * Per thread, so that evicting (and destroying) a primitive never races another thread's use of it;
 * user-managed scratchpads make concurrent runs of one primitive on different threads safe.
 */
final class DnnlThread {
  /** A primitive owned by one thread's cache, destroyed when evicted from it. */
  interface Kernel {
    void destroy();
  }

  final dnnl_stream stream = new dnnl_stream();
  final Map<String, Kernel> kernels;
  private BytePointer scratch = new BytePointer(1);

  DnnlThread(int capacity) {
    Dnnl.check(dnnl_stream_create(stream, Dnnl.ENGINE, dnnl_stream_default_flags), "stream");
    kernels = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Kernel> eldest) {
        if (size() > capacity) {
          eldest.getValue().destroy();
          return true;
        }
        return false;
      }
    };
  }

  BytePointer scratch(long bytes) {
    if (scratch.capacity() < bytes) {
      scratch.deallocate();
      scratch = new BytePointer(Math.max(1, bytes));
    }
    return scratch;
  }
}
