package io.cohort.lm.model;

import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * A sequence of oneDNN primitives run in one native call ({@link PinnedProducts#execute}) on a
 * thread's stream, with some of their memories reading or writing Java arrays in place: the arrays
 * are pinned for the call, so no operand is copied off-heap and no result copied back. Build it
 * (memories and steps, in order), run it, close it (its memories and argument lists are freed;
 * primitives belong to their caches).
 *
 * <p>Product operands go through {@link #operand}: under FP32 the product reads the array (or
 * off-heap buffer) itself; under BF16 a rounding step (FP32 to BF16, nearest even) is added first,
 * once per BF16 buffer however many products read it. Primitives with user scratchpads share the
 * thread's scratchpad, which is sized for the largest before the run (steps run one after another).
 */
final class PinnedRun implements AutoCloseable {
  private final DnnlThread thread;
  private final boolean bf16;
  private final List<dnnl_memory> memories = new ArrayList<>();
  private final List<dnnl_exec_arg_t> argLists = new ArrayList<>();
  private final List<Long> steps = new ArrayList<>();
  private final List<float[]> arrays = new ArrayList<>();
  private final List<dnnl_memory> bound = new ArrayList<>();
  private final List<Integer> offsets = new ArrayList<>();
  private final List<dnnl_memory> scratches = new ArrayList<>();
  private final Map<ShortPointer, Boolean> rounded = new IdentityHashMap<>();
  private long scratchBytes;

  /** A run on {@code thread}'s stream and scratchpad, its products' operands BF16 when {@code bf16}. */
  PinnedRun(DnnlThread thread, boolean bf16) {
    this.thread = thread;
    this.bf16 = bf16;
  }

  /** A memory over off-heap data (from its position; null: no buffer yet). */
  dnnl_memory offHeap(dnnl_memory_desc_t desc, Pointer data) {
    dnnl_memory m = new dnnl_memory();
    // By address: JavaCPP does not scale a typed pointer's position for a void* argument.
    Pointer at = data == null ? null : new Dnnl.At(data.address() + data.position() * data.sizeof());
    Dnnl.check(dnnl_memory_create(m, desc, Dnnl.ENGINE, at), "memory");
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

  /** A memory over the thread's scratchpad (its buffer set when the run starts). */
  dnnl_memory scratch(dnnl_memory_desc_t desc) {
    scratchBytes = Math.max(scratchBytes, dnnl_memory_desc_get_size(desc));
    dnnl_memory m = offHeap(desc, null);
    scratches.add(m);
    return m;
  }

  /**
   * A product operand described by {@code desc}, {@code len} values of {@code array} from
   * {@code offset}: the array itself under FP32; under BF16 {@code bf16Buffer}, rounded from the
   * array by a step added now (unless already rounded in this run).
   */
  dnnl_memory operand(dnnl_memory_desc_t desc, float[] array, int offset, int len, ShortPointer bf16Buffer) {
    if (!bf16) {
      return onArray(desc, array, offset);
    }
    if (rounded.put(bf16Buffer, Boolean.TRUE) == null) {
      BatchedMatmul.Round round = BatchedMatmul.round(len);
      round.step(this, onArray(round.from, array, offset), offHeap(round.to, bf16Buffer), scratch(round.scratchDesc));
    }
    return offHeap(desc, bf16Buffer);
  }

  /** As {@link #operand(dnnl_memory_desc_t, float[], int, int, ShortPointer)} for an off-heap FP32 source. */
  dnnl_memory operand(dnnl_memory_desc_t desc, FloatPointer source, int len, ShortPointer bf16Buffer) {
    if (!bf16) {
      return offHeap(desc, source);
    }
    if (rounded.put(bf16Buffer, Boolean.TRUE) == null) {
      BatchedMatmul.Round round = BatchedMatmul.round(len);
      round.step(this, offHeap(round.from, source), offHeap(round.to, bf16Buffer), scratch(round.scratchDesc));
    }
    return offHeap(desc, bf16Buffer);
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

  /** Runs the steps in order on the thread's stream and waits for them. */
  void run(String what) {
    BytePointer scratch = thread.scratch(scratchBytes);
    for (dnnl_memory m : scratches) {
      Dnnl.check(dnnl_memory_set_data_handle(m, scratch), "scratchpad");
    }
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
    Dnnl.check(PinnedProducts.execute(thread.stream, s, arrays.toArray(new float[0][]), mems, offs), what);
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
