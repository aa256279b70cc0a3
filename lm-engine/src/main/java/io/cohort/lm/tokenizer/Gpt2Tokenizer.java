package io.cohort.lm.tokenizer;

import io.cohort.format.checkpoint.CheckpointException;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2's byte-level BPE tokenizer: text → UTF-8 bytes → GPT-2's byte characters, split by
 * GPT-2's pre-tokenizer regex, each piece merged by ranked BPE merges and looked up in the
 * vocabulary. Reproduces OpenAI's encoder (and the reference ids in the test fixture) exactly.
 *
 * <p>Special tokens such as {@code <|endoftext|>} are not recognised inside text: they are
 * encoded as the characters they are, as OpenAI's encoder does. Callers add {@link #eosId()}
 * themselves; this also means text in a dataset cannot forge an end-of-text token.
 *
 * <p>Thread-safe; BPE results are cached per pre-token.
 */
public final class Gpt2Tokenizer implements TextTokenizer {
  public static final String EOS_TOKEN = "<|endoftext|>";
  private static final int CACHE_LIMIT = 100_000;

  private final Map<String, Integer> vocab;
  private final String[] idToToken;
  private final Map<String, Integer> mergeRanks;
  private final boolean addPrefixSpace;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  Gpt2Tokenizer(Map<String, Integer> vocab, List<String[]> merges, Map<String, Integer> addedTokens,
      boolean addPrefixSpace) {
    this.vocab = Map.copyOf(vocab);
    this.addPrefixSpace = addPrefixSpace;
    int maxId = -1;
    for (int id : vocab.values()) {
      maxId = Math.max(maxId, id);
    }
    for (int id : addedTokens.values()) {
      maxId = Math.max(maxId, id);
    }
    idToToken = new String[maxId + 1];
    vocab.forEach((token, id) -> idToToken[id] = token);
    addedTokens.forEach((token, id) -> {
      if (idToToken[id] == null) {
        idToToken[id] = token;
      }
    });
    Map<String, Integer> ranks = new HashMap<>();
    for (int i = 0; i < merges.size(); i++) {
      ranks.putIfAbsent(pairKey(merges.get(i)[0], merges.get(i)[1]), i);
    }
    this.mergeRanks = ranks;
  }

  /**
   * The tokenizer of a Hugging Face model folder: {@code tokenizer.json} if present (as
   * transformers' AutoTokenizer prefers it), else {@code vocab.json} + {@code merges.txt}.
   */
  public static Gpt2Tokenizer fromDirectory(Path dir) throws CheckpointException {
    Path json = dir.resolve("tokenizer.json");
    if (Files.exists(json)) {
      return TokenizerJson.read(json);
    }
    Path vocab = dir.resolve("vocab.json");
    Path merges = dir.resolve("merges.txt");
    if (Files.exists(vocab) && Files.exists(merges)) {
      return fromVocabAndMerges(vocab, merges);
    }
    throw new CheckpointException(dir, "no tokenizer: expected tokenizer.json, or vocab.json and merges.txt");
  }

  /** OpenAI's original pair of files ({@code encoder.json}/{@code vocab.bpe} under HF names). */
  public static Gpt2Tokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws CheckpointException {
    Map<String, Integer> vocab = TokenizerJson.readVocab(vocabJson);
    List<String[]> merges = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(mergesTxt, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if ((lineNo == 1 && line.startsWith("#version")) || line.isEmpty()) {
          continue;
        }
        String[] pair = line.split(" ", -1);
        if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
          throw new CheckpointException(mergesTxt, "line " + lineNo + ": a merge must be two tokens separated by"
              + " one space, got '" + line + "'");
        }
        merges.add(pair);
      }
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new CheckpointException(mergesTxt, "cannot read: " + e.getMessage(), e);
    }
    return new Gpt2Tokenizer(vocab, merges, Map.of(), false);
  }

  /** The token ids of {@code text}; no special tokens are added. */
  @Override
  public int[] encode(String text) {
    String input = addPrefixSpace && !text.isEmpty() && !text.startsWith(" ") ? " " + text : text;
    List<int[]> parts = new ArrayList<>();
    int total = 0;
    for (String piece : PreTokenizer.split(input)) {
      int[] ids = encodePiece(ByteLevel.encode(piece));
      parts.add(ids);
      total += ids.length;
    }
    int[] out = new int[total];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** The text of {@code ids}; byte sequences that are not valid UTF-8 become U+FFFD, as in Python. */
  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : ids) {
      if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
        throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (0.." + (idToToken.length - 1)
            + ")");
      }
      ByteLevel.decodeInto(idToToken[id], bytes);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** The bytes token {@code id} stands for: its share of the UTF-8 text, for mapping tokens to text offsets. */
  public byte[] tokenBytes(int id) {
    if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
      throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (0.." + (idToToken.length - 1)
          + ")");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ByteLevel.decodeInto(idToToken[id], bytes);
    return bytes.toByteArray();
  }

  /** The id of the vocabulary entry spelled exactly {@code token} (e.g. {@code <|endoftext|>}), or -1. */
  public int tokenId(String token) {
    Integer id = vocab.get(token);
    return id == null ? -1 : id;
  }

  /** The id of {@code <|endoftext|>}, GPT-2's end-of-text (and padding) token. */
  @Override
  public int eosId() {
    Integer id = vocab.get(EOS_TOKEN);
    if (id == null) {
      throw new IllegalStateException("this vocabulary has no " + EOS_TOKEN + " token");
    }
    return id;
  }

  /** One more than the largest id, i.e. the embedding rows a model needs for this tokenizer. */
  public int vocabSize() {
    return idToToken.length;
  }

  private int[] encodePiece(String chars) {
    int[] cached = cache.get(chars);
    if (cached != null) {
      return cached;
    }
    List<String> symbols = bpe(chars);
    int[] ids = new int[symbols.size()];
    for (int i = 0; i < ids.length; i++) {
      Integer id = vocab.get(symbols.get(i));
      if (id == null) {
        // a single byte character is always in a byte-level vocabulary; a missing merge result is not
        throw new IllegalStateException("BPE produced token '" + symbols.get(i) + "', which is not in the vocabulary;"
            + " vocab.json and merges.txt do not belong together");
      }
      ids[i] = id;
    }
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear();
    }
    cache.put(chars, ids);
    return ids;
  }

  /** Repeatedly merges the lowest-ranked adjacent pair, all its occurrences left to right. */
  private List<String> bpe(String chars) {
    List<String> word = new ArrayList<>(chars.length());
    for (int i = 0; i < chars.length(); i++) {
      word.add(String.valueOf(chars.charAt(i)));
    }
    while (word.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      String first = null;
      String second = null;
      for (int i = 0; i + 1 < word.size(); i++) {
        Integer rank = mergeRanks.get(pairKey(word.get(i), word.get(i + 1)));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          first = word.get(i);
          second = word.get(i + 1);
        }
      }
      if (first == null) {
        break;
      }
      List<String> merged = new ArrayList<>(word.size());
      for (int i = 0; i < word.size(); ) {
        if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
          merged.add(first + second);
          i += 2;
        } else {
          merged.add(word.get(i));
          i++;
        }
      }
      word = merged;
    }
    return word;
  }

  private static String pairKey(String a, String b) {
    return a + ' ' + b;
  }
}
