package io.cohort.format.checkpoint;

import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A read-only map of a checkpoint's tensors that reads each one from its safetensors file, widened
 * to float32, every time it is asked for, and keeps nothing: a model built from it holds one
 * tensor's float32 copy at a time on the heap. The headers were validated at load (names, shapes,
 * offsets within the file), so a read fails only if a file changed since; that surfaces as an
 * unchecked {@link UncheckedCheckpointException} carrying the file and problem.
 */
final class StreamedTensors extends AbstractMap<String, CheckpointTensor> {
  private final Map<String, Safetensors.Entry> entries;
  private final Map<String, Path> files;

  StreamedTensors(Map<String, Safetensors.Entry> entries, Map<String, Path> files) {
    this.entries = new LinkedHashMap<>(entries);
    this.files = Map.copyOf(files);
  }

  @Override
  public boolean containsKey(Object key) {
    return entries.containsKey(key);
  }

  @Override
  public CheckpointTensor get(Object key) {
    Safetensors.Entry e = entries.get(key);
    return e == null ? null : read(e);
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public Set<String> keySet() {
    return Collections.unmodifiableSet(entries.keySet());
  }

  @Override
  public Set<Map.Entry<String, CheckpointTensor>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, CheckpointTensor>> iterator() {
        Iterator<Safetensors.Entry> it = entries.values().iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Map.Entry<String, CheckpointTensor> next() {
            Safetensors.Entry e = it.next();
            return Map.entry(e.name(), read(e));
          }
        };
      }

      @Override
      public int size() {
        return entries.size();
      }
    };
  }

  private CheckpointTensor read(Safetensors.Entry e) {
    try {
      return Safetensors.readTensor(files.get(e.name()), e);
    } catch (CheckpointException x) {
      throw new UncheckedCheckpointException(x);
    }
  }
}
