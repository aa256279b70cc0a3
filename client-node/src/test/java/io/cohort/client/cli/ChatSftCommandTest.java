package io.cohort.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-node train/eval --task chat-sft} on the tiny GPT-2 and the Reuters chat examples. */
class ChatSftCommandTest {
  private static final String MODEL = "../examples/text/tiny-gpt2-reuters";
  private static final Path TRAIN = Path.of("..", "examples", "chat", "reuters-grain-chat-train.jsonl");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void trainsAnAdapterThatEvalReadsAsChatSft(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("chat.jsonl");
    Files.write(data, Files.readAllLines(TRAIN).subList(0, 24));
    Path out = dir.resolve("adapter");
    Run t = Run.of("train", "--model", MODEL, "--data", data.toString(), "--out", out.toString(), "--task", "chat-sft",
        "--epochs", "3", "--batch-size", "8", "--lr", "0.02", "--lora-r", "4", "--seed", "5", "--output", "json");
    assertThat(t.code()).as(t.err()).isZero();
    assertThat(JSON.readTree(t.out()).get("task").asText()).isEqualTo("chat-sft");
    assertThat(out.resolve("adapter_model.safetensors")).exists();
    Run base = Run.of("eval", "--model", MODEL, "--data", data.toString(), "--task", "chat-sft", "--max-new-tokens", "3",
        "--output", "json");
    Run tuned = Run.of("eval", "--model", MODEL, "--adapter", out.toString(), "--data", data.toString(),
        "--max-new-tokens", "3", "--output", "json");
    assertThat(base.code()).as(base.err()).isZero();
    assertThat(tuned.code()).as(tuned.err()).isZero();
    JsonNode b = JSON.readTree(base.out());
    JsonNode a = JSON.readTree(tuned.out());
    assertThat(a.get("task").asText()).isEqualTo("chat-sft");
    assertThat(a.get("assistant_tokens").asLong()).isEqualTo(48); // " yes"/" no" + end of turn, 24 conversations
    assertThat(a.get("assistant_mean_nll").asDouble()).as("seed 5").isLessThan(b.get("assistant_mean_nll").asDouble() - 1);
    assertThat(a.get("exact_match").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void aBadLineIsOneMessageNamingFileAndLine(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("chat.jsonl");
    Files.write(data, List.of(Files.readAllLines(TRAIN).get(0),
        "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer here\"}]}"));
    Run t = Run.of("train", "--model", MODEL, "--data", data.toString(), "--out", dir.resolve("a").toString(),
        "--task", "chat-sft");
    assertThat(t.code()).isEqualTo(2);
    assertThat(t.err().strip()).isEqualTo("cohort-node train: " + data + ":2: no assistant turn: a training"
        + " conversation needs at least one message with role 'assistant'");
    Files.write(data, List.of(Files.readAllLines(TRAIN).get(0)));
    Run tooLong = Run.of("train", "--model", MODEL, "--data", data.toString(), "--out", dir.resolve("b").toString(),
        "--task", "chat-sft", "--max-length", "16");
    assertThat(tooLong.code()).isEqualTo(2);
    assertThat(tooLong.err().strip()).startsWith("cohort-node train: " + data + ":1: too long: no assistant token"
        + " within the first 16 tokens").doesNotContain("\n");
  }
}
