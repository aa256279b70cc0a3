package io.cohort.lm.model;

import java.io.File;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Products on the Java arrays themselves, without copying them off-heap: a small JNI shim of our own
 * ({@code lm-engine/src/main/c/cohort_pinned.c}, compiled by the build where a C compiler exists)
 * pins each array for the length of one native call and runs OpenBLAS's sgemm or a sequence of oneDNN
 * primitives ({@link PinnedRun}) on it. Where the shim is missing (no compiler at build time, another platform) or
 * {@code -Dcohort.operands=copy} is set, {@link #available()} is false and {@link Blas} copies operands
 * to off-heap buffers as before; the results are the same either way (PinnedProductsTest).
 */
final class PinnedProducts {
  private static final Logger LOG = Logger.getLogger(PinnedProducts.class.getName());
  /** Where the build puts the shim, beside this class, per JavaCPP platform name. */
  static final String RESOURCE = "native/" + Loader.getPlatform() + "/libcohort_pinned.so";
  /** The shim's interface version this class calls (its {@code bind} returns it). */
  private static final int VERSION = 4;
  private static final boolean AVAILABLE = load();

  private PinnedProducts() {
  }

  /** Whether products can run on pinned Java arrays (else {@link Blas} copies them off-heap). */
  static boolean available() {
    return AVAILABLE;
  }

  /**
   * {@code C = alpha op(A) op(B) + beta C}, row-major; each operand is the Java array when not null,
   * else the off-heap address; offsets in floats.
   */
  static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, long aAddress, int aOff, int lda, float[] b, long bAddress, int bOff, int ldb, float beta,
      float[] c, long cAddress, int cOff, int ldc) {
    if (pinnedSgemm(transA, transB, m, n, k, alpha, a, aAddress, aOff, lda, b, bAddress, bOff, ldb, beta, c, cAddress,
        cOff, ldc) != 0) {
      throw new OutOfMemoryError("could not pin a Java array for a matrix product");
    }
  }

  /**
   * Runs oneDNN primitives in order on {@code stream} and waits: {@code steps} holds a (primitive,
   * argument array, argument count) triple of addresses per primitive; {@code memories[i]} (created
   * without a buffer) reads and writes {@code arrays[i]} from {@code offsets[i]}, pinned for the call.
   * Returns 0 or the failing oneDNN status.
   */
  static int execute(Pointer stream, long[] steps, float[][] arrays, long[] memories, int[] offsets) {
    int rc = pinnedExecute(stream.address(), steps, arrays, memories, offsets);
    if (rc == -1) {
      throw new OutOfMemoryError("could not pin a Java array for a oneDNN primitive");
    }
    if (rc == -2) {
      throw new IllegalArgumentException("too many primitives or arrays for one pinned run: " + steps.length / 3
          + " and " + memories.length);
    }
    return rc;
  }

  private static boolean load() {
    if ("copy".equals(System.getProperty("cohort.operands"))) {
      return false;
    }
    if (PinnedProducts.class.getResource(RESOURCE) == null) {
      LOG.fine(() -> "no " + RESOURCE + " in this build: products copy their operands off-heap");
      return false;
    }
    try {
      Loader.load(openblas.class);
      Loader.load(org.bytedeco.dnnl.global.dnnl.class);
      long[] symbols = new long[4];
      String[] names = {"cblas_sgemm", "dnnl_primitive_execute", "dnnl_stream_wait", "dnnl_memory_set_data_handle"};
      for (int i = 0; i < names.length; i++) {
        Pointer p = Loader.addressof(names[i]);
        if (p == null || p.isNull()) {
          LOG.warning(names[i] + " not found in the loaded libraries: products copy their operands off-heap");
          return false;
        }
        symbols[i] = p.address();
      }
      File lib = Loader.cacheResource(PinnedProducts.class, RESOURCE);
      System.load(lib.getAbsolutePath());
      int version = bind(symbols[0], symbols[1], symbols[2], symbols[3]);
      if (version != VERSION) {
        LOG.warning(RESOURCE + " is interface version " + version + ", not " + VERSION
            + " (a stale build?): products copy their operands off-heap");
        return false;
      }
      return true;
    } catch (Exception | LinkageError e) {
      LOG.log(Level.WARNING, "could not load " + RESOURCE + " (" + e + "): products copy their operands off-heap");
      return false;
    }
  }

  private static native int bind(long sgemm, long execute, long waitStream, long setDataHandle);

  private static native int pinnedSgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, long aAddress, int aOff, int lda, float[] b, long bAddress, int bOff, int ldb, float beta,
      float[] c, long cAddress, int cOff, int ldc);

  private static native int pinnedExecute(long stream, long[] steps, float[][] arrays, long[] memories,
      int[] offsets);
}
