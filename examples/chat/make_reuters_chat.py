#!/usr/bin/env python3
"""Builds the chat demonstration data from the shipped Reuters stories (examples/text/).

Each conversation: a system prompt, the story's first 40 words and the question "Is this story
about grain?", and the answer "yes" or "no" from the story's grain label. Every grain story is
kept and as many non-grain stories (the first ones in file order), so always answering "no"
scores 0.5. Deterministic: rerunning it rewrites the same files.

    python3 examples/chat/make_reuters_chat.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = os.path.join(HERE, "..", "text")
SYSTEM = "You label news stories. Answer with one word: yes or no."


def convert(src, dst):
    rows = [json.loads(line) for line in open(os.path.join(TEXT, src), encoding="utf-8") if line.strip()]
    pos = [r for r in rows if r["label"] == 1]
    neg = [r for r in rows if r["label"] == 0][: len(pos)]
    # interleave so that any prefix of the file is balanced too
    chosen = [r for pair in zip(pos, neg) for r in pair]
    with open(os.path.join(HERE, dst), "w", encoding="utf-8") as out:
        for r in chosen:
            story = " ".join(r["text"].split()[:40])
            msgs = [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": story + "\nIs this story about grain?"},
                {"role": "assistant", "content": "yes" if r["label"] == 1 else "no"},
            ]
            out.write(json.dumps({"messages": msgs}, ensure_ascii=False) + "\n")
    return len(chosen)


if __name__ == "__main__":
    print("train", convert("reuters-grain-train.jsonl", "reuters-grain-chat-train.jsonl"))
    print("test", convert("reuters-grain-test.jsonl", "reuters-grain-chat-test.jsonl"))
