package io.cohort.client.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.client.cli.LmCommandSupport.BadInput;
import io.cohort.client.cli.LmCommandSupport.Loaded;
import io.cohort.lm.data.JsonlTexts;
import io.cohort.lm.data.LabeledText;
import io.cohort.lm.data.TextBatcher;
import io.cohort.lm.lora.LoraConfig;
import io.cohort.lm.lora.LoraModel;
import io.cohort.lm.lora.PeftExport;
import io.cohort.format.peft.AdapterConfig;
import io.cohort.format.peft.TargetModules;
import io.cohort.lm.train.CausalLm;
import io.cohort.lm.train.Pooling;
import io.cohort.lm.train.SequenceClassification;
import io.cohort.lm.train.Objective;
import io.cohort.lm.train.TrainOptions;
import io.cohort.lm.train.TrainReport;
import io.cohort.lm.train.Trainer;
import io.cohort.crypto.dp.DpParameterException;
import io.cohort.crypto.dp.PrivacyPlan;
import io.cohort.crypto.dp.PrivacySpend;
import io.cohort.crypto.dp.RdpAccountant;
import io.cohort.crypto.dp.SigmaCalibrator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort-node train}: fine-tunes LoRA adapters (and, for classification, a linear head) of a
 * local Hugging Face GPT-2 model on local JSONL, optionally with DP-SGD, and writes a PEFT adapter.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Fine-tune LoRA adapters of a local GPT-2 model on JSONL data (optionally with DP-SGD) and write"
        + " a PEFT adapter folder.")
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face GPT-2 model folder.")
  Path model;
  @Option(names = "--data", required = true, paramLabel = "FILE",
      description = "JSONL: {\"text\", \"label\"} per line for seq-cls, {\"text\"} for causal-lm, {\"messages\"} or"
          + " {\"prompt\", \"completion\"} for chat-sft.")
  Path data;
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the PEFT adapter.")
  Path out;
  @Option(names = "--task", defaultValue = LmCommandSupport.SEQ_CLS, description = "seq-cls, causal-lm or chat-sft (loss on assistant turns only).")
  String task;
  @Option(names = "--lora-r", defaultValue = "8", description = "LoRA rank. Default: ${DEFAULT-VALUE}.")
  int r;
  @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha. Default: ${DEFAULT-VALUE}.")
  float alpha;
  @Option(names = "--lora-dropout", defaultValue = "0", description = "Dropout on the LoRA input.")
  float dropout;
  @Option(names = "--target-modules", defaultValue = "c_attn", split = ",",
      description = "Comma-separated module names (PEFT's rule). Default: ${DEFAULT-VALUE}.")
  List<String> targets;
  @Option(names = "--ffa", negatable = true,
      description = "FFA-LoRA: freeze A (from --seed), train B only. Default: on with --dp, off without.")
  Boolean ffa;
  @Option(names = "--pooling", defaultValue = "mean", description = "seq-cls pooling: mean or last.")
  String pooling;
  @Option(names = "--epochs", defaultValue = "4") int epochs;
  @Option(names = "--batch-size", defaultValue = "16",
      description = "Batch size (the expected size under DP's Poisson sampling).")
  int batchSize;
  @Option(names = "--lr", defaultValue = "2e-3", description = "AdamW learning rate.") double lr;
  @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay.") double weightDecay;
  @Option(names = "--max-length", defaultValue = "128", description = "Tokens per record (longer ones are truncated).")
  int maxLength;
  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of training randomness (order, sampling, init); DP noise is never seeded.")
  long seed;
  @Option(names = "--dp", description = "Train with DP-SGD (record-level; for chat-sft a record is a conversation).")
  boolean dp;
  @Option(names = "--epsilon", defaultValue = "8", description = "DP target epsilon (sigma is calibrated).")
  double epsilon;
  @Option(names = "--delta", defaultValue = "1e-5", description = "DP delta.") double delta;
  @Option(names = "--noise-multiplier", description = "DP noise multiplier sigma (instead of --epsilon).")
  Double sigma;
  @Option(names = "--clip", defaultValue = "1.0", description = "DP per-example clipping norm C.") double clip;
  @Option(names = "--class-weight", paramLabel = "balanced|LABEL:W,...", description = "seq-cls: weight of each"
      + " label in the loss, balanced (n / (labels x n_label), not with --dp) or e.g. 1:8 (labels not named weigh 1)."
      + " Under --dp each record's loss is weighted before its gradient is clipped.")
  String classWeight;
  @Option(names = "--threads", description = "Compute threads. Default: all cores.") Integer threads;
  @Option(names = "--precision", defaultValue = "fp32", description = "Number format of the frozen base weights'"
      + " products: fp32, bf16 (bfloat16 operands, float32 accumulation) or auto (bf16 where the CPU has"
      + " AVX512_BF16 or AMX). Default: fp32.") String precision;
  @Option(names = "--output", defaultValue = "text", description = "text or json.") String output;
  @Option(names = "--loss-log", paramLabel = "FILE", description = "Also write every step's training loss to FILE"
      + " (CSV: step,examples,loss; written as training goes, so it can be followed or plotted).")
  Path lossLog;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run(err);
    } catch (BadInput | IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
      err.println("cohort-node train: " + e.getMessage());
      err.flush();
      return ExitCode.USAGE.code();
    }
  }

  private int run(PrintWriter err) throws IOException, BadInput {
    if (!output.equals("text") && !output.equals("json")) {
      throw new BadInput("--output must be text or json, got " + output);
    }
    LmCommandSupport.checkTask(task);
    Pooling pool = switch (pooling) {
      case "mean" -> Pooling.MEAN;
      case "last" -> Pooling.LAST;
      default -> throw new BadInput("--pooling must be mean or last, got " + pooling);
    };
    if (sigma != null && !dp) {
      throw new BadInput("--noise-multiplier needs --dp");
    }
    if (classWeight != null && !task.equals(LmCommandSupport.SEQ_CLS)) {
      throw new BadInput("--class-weight applies to --task seq-cls only");
    }
    if (dp && !(clip > 0)) {
      throw new BadInput("--clip must be > 0, got " + clip);
    }
    LoraConfig loraConfig;
    try {
      loraConfig = new LoraConfig(r, alpha, dropout, targets, ffa != null ? ffa : dp, seed);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage().replace("LoRA rank r", "--lora-r").replace("LoRA alpha", "--lora-alpha")
          .replace("LoRA dropout", "--lora-dropout"));
    }
    if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent())) {
      throw new BadInput("--out " + out + " exists and is not an empty folder; choose a new folder");
    }
    LmCommandSupport.threads(threads);
    LmCommandSupport.precision(precision);
    LmCommandSupport.requireFile(data);
    LossLog.check(lossLog);
    Loaded loaded = LmCommandSupport.load(model);
    LmCommandSupport.checkMaxLength(maxLength, loaded.model());
    TextBatcher batcher = new TextBatcher(loaded.tokenizer(), maxLength, task.equals(LmCommandSupport.CAUSAL_LM), false);
    List<int[]> seqs;
    int[] labels = null;
    Objective objective;
    int numLabels = 0;
    if (task.equals(LmCommandSupport.SEQ_CLS)) {
      List<LabeledText> records = LmCommandSupport.classification(data);
      numLabels = Math.max(2, JsonlTexts.numClasses(records));
      seqs = batcher.tokenizeAll(LmCommandSupport.textsOf(records));
      labels = LmCommandSupport.labelsOf(records);
      SequenceClassification head = new SequenceClassification(loaded.model().width(), numLabels, pool,
          SequenceClassification.initStream(seed));
      head.setClassWeights(classWeights(classWeight, numLabels, labels, dp));
      objective = head;
    } else if (task.equals(LmCommandSupport.CHAT_SFT)) {
      io.cohort.lm.chat.ChatSft.Prepared chats = LmCommandSupport.chat(data, model, loaded, maxLength);
      seqs = chats.sequences();
      labels = chats.indices(); // each conversation's index: how the assistant-only loss finds its mask
      objective = new io.cohort.lm.chat.AssistantOnlyLm(loaded.model(), chats.masks());
    } else {
      seqs = batcher.tokenizeAll(LmCommandSupport.texts(data));
      objective = new CausalLm(loaded.model());
    }
    LoraModel lora = LoraModel.attach(loaded.model(), loraConfig, TargetModules.of(targets)::matches);
    double q = Math.min(1.0, (double) batchSize / seqs.size());
    long dpSteps = Math.max(1, Math.round(1 / q)) * (long) epochs;
    Double noise = null;
    if (dp) {
      noise = sigma != null ? sigma : calibrate(q, dpSteps);
    }
    TrainOptions opts = new TrainOptions(epochs, batchSize, lr, weightDecay, seed,
        dp ? new TrainOptions.DpOptions(noise, clip) : null);
    boolean text = output.equals("text");
    if (text) {
      err.printf(Locale.ROOT, "training %s on %d records: LoRA r=%d alpha=%s on %s (%d modules%s), %s%n", task,
          seqs.size(), r, alpha, targets, lora.modules().size(), (loraConfig.freezeA() ? ", A frozen" : "")
              + (objective instanceof SequenceClassification h && h.classWeights() != null
                  ? ", class weights " + java.util.Arrays.toString(h.classWeights()) : ""),
          dp ? String.format(Locale.ROOT, "DP-SGD q=%.5f sigma=%.4f C=%s, %d steps", q, noise, clip, dpSteps)
              : "non-private");
      err.flush();
    }
    Trainer trainer = new Trainer(loaded.model(), objective, loaded.tokenizer().eosId());
    long every = Math.max(1, (dp ? dpSteps : (long) Math.ceil((double) seqs.size() / batchSize) * epochs) / 20);
    TrainReport report;
    try (LossLog log = LossLog.open(lossLog)) {
      report = trainer.train(seqs, labels, opts, s -> {
        log.write(s);
        if (text && (s.step() % every == 0 || s.step() == s.totalSteps())) {
          err.printf(Locale.ROOT, "step %d/%d  loss %.4f%n", s.step(), s.totalSteps(), s.loss());
          err.flush();
        }
      });
    }
    if (text && trainer.memoryPlan() != null && trainer.memoryPlan().recompute()) {
      err.println("ran with activation recomputation: " + trainer.memoryPlan().describe());
    }
    String taskType = task.equals(LmCommandSupport.SEQ_CLS) ? AdapterConfig.SEQ_CLS : AdapterConfig.CAUSAL_LM;
    List<String> saveModules = objective.parameters().isEmpty() ? List.of() : List.of("score");
    Files.createDirectories(out);
    PeftExport.toPeft(lora, taskType, model.toString(), objective.parameters(), saveModules).write(out);
    ObjectNode summary = summary(report, pool, numLabels, seqs.size());
    if (objective instanceof SequenceClassification head && head.classWeights() != null) {
      var weights = summary.putArray("class_weights");
      for (double w : head.classWeights()) {
        weights.add(w);
      }
    }
    Files.writeString(out.resolve(LmCommandSupport.TRAINING_FILE), LmCommandSupport.JSON.writeValueAsString(summary));
    PrintWriter o = spec.commandLine().getOut();
    if (text) {
      o.printf(Locale.ROOT, "wrote PEFT adapter to %s: %d steps, %.1f tokens/s, final epoch loss %.4f%s%n", out,
          report.steps(), report.tokensPerSecond(), report.lastEpochLoss(),
          dp ? String.format(Locale.ROOT, "; DP-SGD (epsilon %.3f, delta %s) with q=%.6f sigma=%.4f steps=%d",
              summary.get("dp").get("epsilon").asDouble(), delta, report.q(), report.noiseMultiplier(), report.steps())
              : "");
    } else {
      o.println(LmCommandSupport.JSON.writeValueAsString(summary));
    }
    o.flush();
    return ExitCode.OK.code();
  }

  /**
   * {@code --class-weight}: null (none), {@code balanced} (from these labels' counts; refused with
   * {@code --dp}, whose noise does not cover them) or {@code LABEL:WEIGHT} pairs, comma-separated.
   */
  static double[] classWeights(String given, int numLabels, int[] labels, boolean dp) throws BadInput {
    if (given == null) {
      return null;
    }
    String valid = "; expected balanced or LABEL:WEIGHT pairs such as 1:8 (labels 0 to " + (numLabels - 1) + ")";
    if (given.strip().equals("balanced")) {
      if (dp) {
        throw new BadInput("--class-weight balanced is computed from the class counts, which DP-SGD does not protect;"
            + " with --dp give explicit weights such as 1:8");
      }
      return io.cohort.client.job.Schemas.classWeights(io.cohort.proto.v1.ClassWeight.newBuilder().setBalanced(true)
          .build(), numLabels, labels);
    }
    double[] w = new double[numLabels];
    java.util.Arrays.fill(w, 1.0);
    for (String pair : given.split(",")) {
      String[] kv = pair.strip().split(":", -1);
      if (kv.length != 2 || !kv[0].strip().matches("\\d{1,5}")) {
        throw new BadInput("--class-weight '" + given + "'" + valid);
      }
      int label = Integer.parseInt(kv[0].strip());
      if (label >= numLabels) {
        throw new BadInput("--class-weight names label " + label + ", but the data has labels 0 to " + (numLabels - 1));
      }
      double v;
      try {
        v = Double.parseDouble(kv[1].strip());
      } catch (NumberFormatException e) {
        throw new BadInput("--class-weight '" + given + "'" + valid);
      }
      if (!(v > 0) || !Double.isFinite(v)) {
        throw new BadInput("--class-weight of label " + label + " must be a number > 0, got " + kv[1].strip());
      }
      w[label] = v;
    }
    return w;
  }

  private double calibrate(double q, long steps) throws BadInput {
    try {
      return new SigmaCalibrator(RdpAccountant.create()).calibrate(q, steps, epsilon, delta);
    } catch (DpParameterException e) {
      throw new BadInput(e.getMessage());
    }
  }

  private ObjectNode summary(TrainReport report, Pooling pool, int numLabels, int records) throws BadInput {
    ObjectNode s = LmCommandSupport.JSON.createObjectNode();
    s.put("task", task);
    s.put("adapter", out.toString());
    s.put("records", records);
    if (numLabels > 0) {
      s.put("pooling", pool.name().toLowerCase(Locale.ROOT));
      s.put("num_labels", numLabels);
    }
    s.put("max_length", maxLength);
    s.put("steps", report.steps());
    s.put("epochs", epochs);
    s.put("batch_size", batchSize);
    s.put("learning_rate", lr);
    s.put("seed", seed);
    s.put("final_epoch_loss", report.lastEpochLoss());
    s.put("seconds", report.seconds());
    s.put("tokens_per_second", report.tokensPerSecond());
    s.put("target_modules", String.join(",", targets));
    if (report.dp()) {
      ObjectNode d = s.putObject("dp");
      d.put("q", report.q());
      d.put("noise_multiplier", report.noiseMultiplier());
      d.put("steps", report.steps());
      d.put("clip", report.clipNorm());
      d.put("delta", delta);
      try {
        PrivacySpend spend = RdpAccountant.create()
            .epsilon(PrivacyPlan.of(report.q(), report.noiseMultiplier(), report.steps()), delta);
        d.put("epsilon", spend.epsilon());
        d.put("accountant", spend.accountant());
      } catch (DpParameterException e) {
        throw new BadInput(e.getMessage());
      }
    }
    return s;
  }
}
