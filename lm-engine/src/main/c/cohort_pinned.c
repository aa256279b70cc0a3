/*
 * JNI shim: the engine's products straight on Java arrays, without copies.
 *
 * Why: JavaCPP's bindings take off-heap pointers (the engine then copies each operand of a product
 * in and its result out) or Java arrays that they copy themselves. Here each Java array is pinned
 * with GetPrimitiveArrayCritical (HotSpot hands out the array's own memory, no copy) for the length
 * of one native call and released right after; no JNI function is called while an array is held, as
 * the JNI specification asks, and nothing here allocates or blocks on Java.
 *
 * The BLAS and oneDNN functions are the ones JavaCPP already loaded: their addresses come from Java
 * (org.bytedeco.javacpp.Loader.addressof), so this file links against nothing but libc.
 */
#include <jni.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*cblas_sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha,
    const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
/* oneDNN 2.5's C API, by value: status codes are ints, handles are pointers. */
typedef int (*dnnl_execute_fn)(void *primitive, void *stream, int nargs, const void *args);
typedef int (*dnnl_wait_fn)(void *stream);
typedef int (*dnnl_set_handle_fn)(void *memory, void *handle);

static cblas_sgemm_fn sgemm_fn;
static dnnl_execute_fn execute_fn;
static dnnl_wait_fn wait_fn;
static dnnl_set_handle_fn set_handle_fn;

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

JNIEXPORT jint JNICALL Java_io_cohort_lm_model_PinnedProducts_bind(JNIEnv *env, jclass cls, jlong sgemm,
    jlong execute, jlong wait, jlong setHandle) {
  (void) env;
  (void) cls;
  sgemm_fn = (cblas_sgemm_fn) (intptr_t) sgemm;
  execute_fn = (dnnl_execute_fn) (intptr_t) execute;
  wait_fn = (dnnl_wait_fn) (intptr_t) wait;
  set_handle_fn = (dnnl_set_handle_fn) (intptr_t) setHandle;
  return 4;  /* the shim's interface version: the Java side checks it */
}

/* An operand: a Java array (pinned) when not null, else an off-heap address. */
static float *pin(JNIEnv *env, jfloatArray array, jlong address) {
  if (array != NULL) {
    return (float *) (*env)->GetPrimitiveArrayCritical(env, array, NULL);
  }
  return (float *) (intptr_t) address;
}

static void unpin(JNIEnv *env, jfloatArray array, float *p, jint mode) {
  if (array != NULL && p != NULL) {
    (*env)->ReleasePrimitiveArrayCritical(env, array, p, mode);
  }
}

/*
 * C = alpha op(A) op(B) + beta C, row-major; each operand a Java array or an address, with an
 * offset in floats. Returns 0, or -1 when an array could not be pinned (C is then untouched).
 */
JNIEXPORT jint JNICALL Java_io_cohort_lm_model_PinnedProducts_pinnedSgemm(JNIEnv *env, jclass cls,
    jboolean transA, jboolean transB, jint m, jint n, jint k, jfloat alpha,
    jfloatArray a, jlong aAddress, jint aOff, jint lda,
    jfloatArray b, jlong bAddress, jint bOff, jint ldb, jfloat beta,
    jfloatArray c, jlong cAddress, jint cOff, jint ldc) {
  (void) cls;
  float *pa = pin(env, a, aAddress);
  float *pb = pin(env, b, bAddress);
  float *pc = pin(env, c, cAddress);
  jint rc = 0;
  if (pa == NULL || pb == NULL || pc == NULL) {
    rc = -1;
  } else {
    sgemm_fn(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
        pa + aOff, lda, pb + bOff, ldb, beta, pc + cOff, ldc);
  }
  /* Released in reverse order; only C was written (mode 0 copies back should a VM have copied). */
  unpin(env, c, pc, rc == 0 ? 0 : JNI_ABORT);
  unpin(env, b, pb, JNI_ABORT);
  unpin(env, a, pa, JNI_ABORT);
  return rc;
}

enum { MAX_STEPS = 16, MAX_BINDINGS = 16 };

/*
 * Runs up to MAX_STEPS oneDNN primitives in order on one stream and waits for them, with up to
 * MAX_BINDINGS memories (created by the caller without a buffer) pointed at Java arrays, each
 * pinned for the call: memories[i] at arrays[i] from offsets[i] floats. steps holds a (primitive,
 * argument array, argument count) triple per primitive. The same array may be bound more than
 * once. Returns 0, the first failing oneDNN status, -1 when an array could not be pinned, or -2 for
 * too many steps or bindings (nothing run).
 */
JNIEXPORT jint JNICALL Java_io_cohort_lm_model_PinnedProducts_pinnedExecute(JNIEnv *env, jclass cls,
    jlong stream, jlongArray steps, jobjectArray arrays, jlongArray memories, jintArray offsets) {
  (void) cls;
  jsize stepValues = (*env)->GetArrayLength(env, steps);
  jsize bindings = (*env)->GetArrayLength(env, memories);
  if (stepValues % 3 != 0 || stepValues / 3 > MAX_STEPS || bindings > MAX_BINDINGS
      || (*env)->GetArrayLength(env, arrays) != bindings || (*env)->GetArrayLength(env, offsets) != bindings) {
    return -2;
  }
  jlong step[3 * MAX_STEPS];
  jlong memory[MAX_BINDINGS];
  jint offset[MAX_BINDINGS];
  jfloatArray array[MAX_BINDINGS];
  float *pinned[MAX_BINDINGS];
  /* Everything that calls JNI happens before the first array is pinned. */
  (*env)->GetLongArrayRegion(env, steps, 0, stepValues, step);
  (*env)->GetLongArrayRegion(env, memories, 0, bindings, memory);
  (*env)->GetIntArrayRegion(env, offsets, 0, bindings, offset);
  for (jsize i = 0; i < bindings; i++) {
    array[i] = (jfloatArray) (*env)->GetObjectArrayElement(env, arrays, i);
  }
  if ((*env)->ExceptionCheck(env)) {
    return -2;
  }
  void *s = (void *) (intptr_t) stream;
  jint rc = 0;
  jsize held = 0;
  for (; held < bindings; held++) {
    pinned[held] = pin(env, array[held], 0);
    if (pinned[held] == NULL) {
      rc = -1;
      break;
    }
  }
  if (rc == 0) {
    for (jsize i = 0; i < bindings && rc == 0; i++) {
      rc = set_handle_fn((void *) (intptr_t) memory[i], pinned[i] + offset[i]);
    }
    for (jsize i = 0; i < stepValues / 3 && rc == 0; i++) {
      rc = execute_fn((void *) (intptr_t) step[3 * i], s, (int) step[3 * i + 2], (const void *) (intptr_t) step[3 * i + 1]);
    }
    /* Waited for even after a failure: nothing may still read or write an array once it is released. */
    int waited = wait_fn(s);
    if (rc == 0) {
      rc = waited;
    }
    for (jsize i = 0; i < bindings; i++) {
      set_handle_fn((void *) (intptr_t) memory[i], NULL);
    }
  }
  while (held > 0) {
    held--;
    unpin(env, array[held], pinned[held], rc == 0 ? 0 : JNI_ABORT);
  }
  return rc;
}
