package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * A sequence of oneDNN primitives run in one native call ({@link PinnedProducts#execute}) with some
 * of their memories reading or writing Java arrays in place: the arrays are pinned for the call, so
 * no operand is copied off-heap and no result copied back. Build it (memories, then steps), run it,
 * close it (its memories and argument lists are freed; primitives belong to their caches).
 */
final class PinnedRun implements AutoCloseable {
  private final List<dnnl_memory> memories = new ArrayList<>();
  private final List<dnnl_exec_arg_t> argLists = new ArrayList<>();
  private final List<Long> steps = new ArrayList<>();
  private final List<float[]> arrays = new ArrayList<>();
  private final List<dnnl_memory> bound = new ArrayList<>();
  private final List<Integer> offsets = new ArrayList<>();

  /** A memory over off-heap data (null: none yet). */
  dnnl_memory offHeap(dnnl_memory_desc_t desc, Pointer data) {
    dnnl_memory m = new dnnl_memory();
    Dnnl.check(dnnl_memory_create(m, desc, Dnnl.ENGINE, data), "memory");
    memories.add(m);
    return m;
  }

  /** A memory over {@code array} from {@code offset} (floats), pinned while the run executes. */
  dnnl_memory onArray(dnnl_memory_desc_t desc, float[] array, int offset) {
    dnnl_memory m = offHeap(desc, null);
    arrays.add(array);
    bound.add(m);
    offsets.add(offset);
    return m;
  }

  /** Appends primitive {@code p} with argument {@code ids[i]} bound to {@code mems[i]}. */
  void step(dnnl_primitive p, int[] ids, dnnl_memory... mems) {
    dnnl_exec_arg_t args = new dnnl_exec_arg_t(ids.length);
    for (int i = 0; i < ids.length; i++) {
      args.position(i).arg(ids[i]).memory(mems[i]);
    }
    args.position(0);
    argLists.add(args);
    steps.add(p.address());
    steps.add(args.address());
    steps.add((long) ids.length);
  }

  /** Runs the steps in order on {@code stream} and waits for them. */
  void run(dnnl_stream stream, String what) {
    long[] s = new long[steps.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = steps.get(i);
    }
    long[] mems = new long[bound.size()];
    int[] offs = new int[bound.size()];
    for (int i = 0; i < mems.length; i++) {
      mems[i] = bound.get(i).address();
      offs[i] = offsets.get(i);
    }
    Dnnl.check(PinnedProducts.execute(stream, s, arrays.toArray(new float[0][]), mems, offs), what);
  }

  @Override
  public void close() {
    for (dnnl_memory m : memories) {
      dnnl_memory_destroy(m);
    }
    for (dnnl_exec_arg_t a : argLists) {
      a.close();
    }
  }
}
