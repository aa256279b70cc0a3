#!/usr/bin/env python3
"""Builds the reading-question chat data from the shipped Reuters stories (examples/text/).

Each conversation: a system prompt, the story's first 40 words and the question "Which of these
words comes first in the story: profit, loss, shares or tonnes? Answer with one word.", and the
answer: the first of those four words in the story (whole words, case-insensitive). Stories with
none of them are left out, and each answer is capped at the count of the rarest one, interleaved,
so every answer is equally common: always giving the same answer scores 0.25.

Why these words and not the commodity a story is about: the tiny GPT-2's output embedding is tied
to its input embedding and frozen under LoRA, and rare words such as "cocoa" or "zinc" have
embeddings too short to ever win the softmax over 50,257 tokens (examples/chat/README.md). These
four are frequent in the Reuters text it was pretrained on, so the model can say them.
Deterministic: rerunning it rewrites the same files.

    python3 examples/chat/make_reuters_words_chat.py
"""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = os.path.join(HERE, "..", "text")
SYSTEM = "You read news stories."
WORDS = ["profit", "loss", "shares", "tonnes"]
QUESTION = "Which of these words comes first in the story: profit, loss, shares or tonnes? Answer with one word."


def convert(src, dst):
    by_answer = {w: [] for w in WORDS}
    with open(os.path.join(TEXT, src), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            story = " ".join(json.loads(line)["text"].split()[:40])
            first = next((w for w in re.findall(r"[a-z]+", story.lower()) if w in WORDS), None)
            if first is not None:
                by_answer[first].append(story)
    n = min(len(v) for v in by_answer.values())
    with open(os.path.join(HERE, dst), "w", encoding="utf-8") as out:
        for i in range(n):
            for w in WORDS:
                msgs = [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": by_answer[w][i] + "\n" + QUESTION},
                    {"role": "assistant", "content": w},
                ]
                out.write(json.dumps({"messages": msgs}, ensure_ascii=False) + "\n")
    return 4 * n


if __name__ == "__main__":
    print("train", convert("reuters-grain-train.jsonl", "reuters-words-chat-train.jsonl"))
    print("test", convert("reuters-grain-test.jsonl", "reuters-words-chat-test.jsonl"))
