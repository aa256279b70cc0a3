package io.cohort.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.client.cli.LmCommandSupport.BadInput;
import io.cohort.client.cli.LmCommandSupport.Loaded;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.TextBatcher;
import io.cohort.format.checkpoint.CheckpointTensor;
import io.cohort.lm.lora.PeftExport;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.PeftAdapter;
import io.cohort.lm.train.ClassificationMetrics;
import io.cohort.wire.PooledEvaluation;
import io.cohort.lm.train.Evaluation;
import io.cohort.lm.train.Pooling;
import io.cohort.lm.train.SequenceClassification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node eval}: evaluates a local GPT-2 model, optionally with a PEFT adapter, on
 * JSONL. Causal LM: mean next-token negative log-likelihood and perplexity. Classification (an
 * adapter with a trained {@code score} head): accuracy, ROC AUC and F1.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Evaluate a local GPT-2 model (optionally with a PEFT adapter) on JSONL: perplexity for causal-lm,"
        + " accuracy / ROC AUC / F1 for seq-cls.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face GPT-2 model folder.")
  Path model;
  @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter folder (from cohort-node train).")
  Path adapter;
  @Option(names = "--data", required = true, paramLabel = "FILE", description = "JSONL records to evaluate on.")
  Path data;
  @Option(names = "--task", description = "seq-cls, causal-lm or chat-sft. Default: the adapter's task, else causal-lm.")
  String task;
  @Option(names = "--pooling", description = "seq-cls pooling: mean or last. Default: as trained, else mean.")
  String pooling;
  @Option(names = "--max-length", defaultValue = "128", description = "Tokens per record (longer ones are truncated).")
  int maxLength;
  @Option(names = "--batch-size", defaultValue = "16") int batchSize;
  @Option(names = "--threads", description = "Compute threads. Default: all cores.") Integer threads;
  @Option(names = "--output", defaultValue = "text", description = "text or json.") String output;
  @Option(names = "--precision", defaultValue = "fp32", description = "Number format of the frozen base weights'"
      + " products: fp32, bf16 (bfloat16 operands, float32 accumulation) or auto (bf16 where the CPU has"
      + " AVX512_BF16 or AMX). Default: fp32.") String precision;
  @Option(names = "--max-new-tokens", defaultValue = "16", description = "chat-sft: most tokens of each greedy answer"
      + " for exact match. Default: ${DEFAULT-VALUE}.") int maxNewTokens;
  @Option(names = "--threshold", paramLabel = "SCORE", description = "seq-cls with two labels: also report precision,"
      + " recall and F1 when a record counts as positive at P(label 1) >= SCORE (e.g. the best_threshold a federated"
      + " job reported).") Double threshold;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run();
    } catch (BadInput | IOException | IllegalArgumentException e) {
      err.println("cohort-node eval: " + e.getMessage());
      err.flush();
      return ExitCode.USAGE.code();
    }
  }

  /**
   * How far from a tie a record's two best class scores must be for its predicted label not to
   * depend on the computation. Measured on 300 Reuters records with a DP-trained adapter (scores
   * spread over 0.55): another batching moved a score by at most 1e-7 in FP32 and 0 in BF16; BF16
   * against FP32 by up to 6.3e-4. One histogram bin (1e-3) covers the same precision with room.
   */
  static final double EDGE_MARGIN = 1e-3;

  /**
   * Records whose two best class scores lie within {@code 2 * EDGE_MARGIN} of each other (for two
   * labels: a score within {@link #EDGE_MARGIN} of 0.5): their predicted label may differ between two
   * evaluations of the same model that are not bit-identical computations.
   */
  static long edgeRecords(float[] probs, int labels) {
    long edge = 0;
    for (int i = 0; i < probs.length / labels; i++) {
      float best = Float.NEGATIVE_INFINITY;
      float second = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < labels; c++) {
        float p = probs[i * labels + c];
        if (p > best) {
          second = best;
          best = p;
        } else if (p > second) {
          second = p;
        }
      }
      if (best - second < 2 * EDGE_MARGIN) {
        edge++;
      }
    }
    return edge;
  }

  /**
   * Binary tasks: PR AUC, the F1-maximising threshold, and with {@code --threshold} precision, recall
   * and F1 at it, from the same 1000-bin score histograms a federated evaluation pools.
   */
  private void thresholdMetrics(float[] probs, int[] labels, int numLabels, ObjectNode result, PrintWriter o)
      throws BadInput {
    if (numLabels != 2) {
      if (threshold != null) {
        throw new BadInput("--threshold applies to two labels; the adapter's head has " + numLabels);
      }
      return;
    }
    int bins = PooledEvaluation.DEFAULT_BINS;
    long[] pos = new long[bins];
    long[] neg = new long[bins];
    for (int i = 0; i < labels.length; i++) {
      (labels[i] == 1 ? pos : neg)[PooledEvaluation.bin(probs[i * 2 + 1], bins)]++;
    }
    PooledEvaluation.ThresholdMetrics best = PooledEvaluation.bestF1(pos, neg);
    result.put("pr_auc", PooledEvaluation.prAuc(pos, neg));
    result.put("best_threshold", best.threshold());
    result.put("best_f1", best.f1());
    if (output.equals("text")) {
      o.printf(Locale.ROOT, "PR AUC %.4f  best F1 %.4f at threshold %.3f (tuned on these records)%n",
          PooledEvaluation.prAuc(pos, neg), best.f1(), best.threshold());
    }
    if (threshold != null) {
      PooledEvaluation.ThresholdMetrics at = PooledEvaluation.atThreshold(pos, neg, threshold);
      result.put("threshold", at.threshold());
      result.put("precision_at_threshold", at.precision());
      result.put("recall_at_threshold", at.recall());
      result.put("f1_at_threshold", at.f1());
      if (output.equals("text")) {
        o.printf(Locale.ROOT, "at threshold %.3f: precision %.4f  recall %.4f  F1 %.4f%n", at.threshold(),
            at.precision(), at.recall(), at.f1());
      }
    }
  }

  private int run() throws IOException, BadInput {
    if (!output.equals("text") && !output.equals("json")) {
      throw new BadInput("--output must be text or json, got " + output);
    }
    if (batchSize < 1) {
      throw new BadInput("--batch-size must be >= 1, got " + batchSize);
    }
    if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
      throw new BadInput("--threshold must be a score in [0, 1], got " + threshold);
    }
    LmCommandSupport.threads(threads);
    LmCommandSupport.precision(precision);
    LmCommandSupport.requireFile(data);
    PeftAdapter peft = null;
    JsonNode training = null;
    if (adapter != null) {
      if (!Files.isDirectory(adapter)) {
        throw new BadInput("--adapter " + adapter + ": not a folder");
      }
      peft = PeftAdapter.read(adapter);
      Path t = adapter.resolve(LmCommandSupport.TRAINING_FILE);
      if (Files.isRegularFile(t)) {
        training = LmCommandSupport.JSON.readTree(t.toFile());
      }
    }
    String effectiveTask = task != null ? task
        : training != null && LmCommandSupport.CHAT_SFT.equals(training.path("task").asText()) ? LmCommandSupport.CHAT_SFT
        : peft != null && peft.config().taskType().equals(AdapterConfig.SEQ_CLS) ? LmCommandSupport.SEQ_CLS
        : LmCommandSupport.CAUSAL_LM;
    LmCommandSupport.checkTask(effectiveTask);
    Loaded loaded = LmCommandSupport.load(model);
    LmCommandSupport.checkMaxLength(maxLength, loaded.model());
    if (peft != null) {
      if (loaded.checkpoint() != null) {
        peft.checkAgainst(loaded.checkpoint().config(), adapter);
      }
      PeftExport.attach(loaded.model(), peft, true);
    }
    ObjectNode result = LmCommandSupport.JSON.createObjectNode();
    result.put("task", effectiveTask);
    result.put("model", model.toString());
    if (adapter != null) {
      result.put("adapter", adapter.toString());
    }
    PrintWriter o = spec.commandLine().getOut();
    int pad = loaded.tokenizer().eosId();
    if (effectiveTask.equals(LmCommandSupport.SEQ_CLS)) {
      SequenceClassification head = head(peft, training, loaded);
      List<LabeledText> records = LmCommandSupport.classification(data);
      TextBatcher batcher = new TextBatcher(loaded.tokenizer(), maxLength, false, false);
      List<int[]> seqs = batcher.tokenizeAll(LmCommandSupport.textsOf(records));
      int[] labels = LmCommandSupport.labelsOf(records);
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] >= head.labels()) {
          throw new BadInput(data + " line " + records.get(i).line() + ": label " + labels[i]
              + " but the adapter's head has " + head.labels() + " labels");
        }
      }
      float[] probs = Evaluation.probabilities(loaded.model(), head, seqs, batchSize, pad);
      ClassificationMetrics m = ClassificationMetrics.of(probs, labels, head.labels());
      result.put("records", m.examples());
      result.put("pooling", head.pooling().name().toLowerCase(Locale.ROOT));
      result.put("accuracy", m.accuracy());
      result.put("roc_auc", m.rocAuc());
      result.put("f1", m.f1());
      result.put("edge_records", edgeRecords(probs, head.labels()));
      if (output.equals("text")) {
        o.printf(Locale.ROOT, "%d records: accuracy %.4f  ROC AUC %.4f  F1 %.4f%n", m.examples(), m.accuracy(),
            m.rocAuc(), m.f1());
      }
      thresholdMetrics(probs, labels, head.labels(), result, o);
    } else if (effectiveTask.equals(LmCommandSupport.CHAT_SFT)) {
      io.cohort.lm.chat.ChatSft.Prepared chats = LmCommandSupport.chat(data, model, loaded, maxLength);
      double[] nll = io.cohort.lm.chat.ChatSft.assistantNll(loaded.model(), chats, batchSize, pad);
      double em = io.cohort.lm.chat.ChatSft.exactMatch(loaded.model(),
          LmCommandSupport.chatEncoder(model, loaded, loaded.model().maxPositions()), chats.conversations(),
          loaded.tokenizer()::decode, pad, maxNewTokens);
      result.put("records", chats.sequences().size());
      result.put("assistant_tokens", (long) nll[1]);
      result.put("assistant_mean_nll", nll[0]);
      result.put("exact_match", em);
      if (output.equals("text")) {
        o.printf(Locale.ROOT, "%d conversations, %d assistant tokens: assistant NLL %.4f nats; greedy exact match of the"
            + " last answer %.4f%n", chats.sequences().size(), (long) nll[1], nll[0], em);
      }
    } else {
      TextBatcher batcher = new TextBatcher(loaded.tokenizer(), maxLength, true, false);
      List<int[]> seqs = batcher.tokenizeAll(LmCommandSupport.texts(data));
      double[] nll = Evaluation.meanNll(loaded.model(), seqs, batchSize, pad);
      result.put("records", seqs.size());
      result.put("tokens", (long) nll[1]);
      result.put("mean_nll", nll[0]);
      result.put("perplexity", Math.exp(nll[0]));
      if (output.equals("text")) {
        o.printf(Locale.ROOT, "%d records, %d predicted tokens: mean NLL %.4f nats, perplexity %.2f%n", seqs.size(),
            (long) nll[1], nll[0], Math.exp(nll[0]));
      }
    }
    if (output.equals("json")) {
      o.println(LmCommandSupport.JSON.writeValueAsString(result));
    }
    o.flush();
    return ExitCode.OK.code();
  }

  private SequenceClassification head(PeftAdapter peft, JsonNode training, Loaded loaded) throws BadInput {
    CheckpointTensor w = peft == null ? null : peft.savedModules().get("score.weight");
    if (w == null || w.rank() != 2) {
      throw new BadInput("seq-cls evaluation needs --adapter with a trained score head (modules_to_save score),"
          + " as cohort-node train --task seq-cls writes");
    }
    String p = pooling != null ? pooling
        : training != null && training.has("pooling") ? training.get("pooling").asText() : "mean";
    Pooling pool = switch (p) {
      case "mean" -> Pooling.MEAN;
      case "last" -> Pooling.LAST;
      default -> throw new BadInput("--pooling must be mean or last, got " + p);
    };
    int width = loaded.model().width();
    if (w.shape()[1] != width) {
      throw new BadInput("score.weight has shape [" + w.shape()[0] + ", " + w.shape()[1] + "] but the model is "
          + width + " wide");
    }
    SequenceClassification head = new SequenceClassification(width, w.shape()[0], pool, new SplittableRandom(0));
    PeftExport.copy(w, head.weight());
    CheckpointTensor b = peft.savedModules().get("score.bias");
    if (b != null) {
      PeftExport.copy(b, head.bias());
    } else {
      java.util.Arrays.fill(head.bias().value(), 0f);
    }
    return head;
  }
}
