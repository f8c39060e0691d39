"""Byte-level BPE: nashai.llm.tokenizers against Hugging Face `tokenizers`, single-threaded.

On the corpus shipped with nashai-llm (Python's documentation, ~440 kB), both libraries

- train a GPT-2 style byte-level BPE to 4096 tokens (256 bytes + "<|endoftext|>" + merges);
- encode the whole corpus as one string, and as a batch of its lines, with their own trained
  tokenizer (warm: after one encoding, so both word caches are filled);

and the script prints a Markdown table: times, throughput, bytes per token, and the ratios
against the goals of issue #6 (training within 5x of tokenizers' time, encoding at least 0.3x
of its throughput, bytes per token within 2%). `tokenizers` is kept on one thread
(RAYON_NUM_THREADS=1 and TOKENIZERS_PARALLELISM=false, set before it is imported). Each figure
is the best of `--repeats` runs.

    uv run python benchmarks/tokenizers_vs_hf.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"  # both read when tokenizers is imported

import tokenizers
from tokenizers import decoders, models, pre_tokenizers, trainers

from nashai.llm.data import load_corpus
from nashai.llm.tokenizers import BPETokenizer

VOCAB_SIZE = 4096
SPECIAL_TOKENS = ["<|endoftext|>"]


def hf_train(text: str) -> tokenizers.Tokenizer:
    tokenizer = tokenizers.Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([text], trainer)
    return tokenizer


def best_time(function, repeats: int) -> tuple[float, object]:
    """(the shortest of `repeats` wall-clock times of function(), its last result)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (best is kept)")
    repeats = parser.parse_args().repeats

    corpus = load_corpus()
    lines = corpus.splitlines(keepends=True)
    n_bytes = len(corpus.encode("utf-8"))
    megabytes = n_bytes / 1e6

    ours_train, ours = best_time(
        lambda: BPETokenizer.train(corpus, VOCAB_SIZE, special_tokens=SPECIAL_TOKENS), repeats
    )
    hf_train_time, hf = best_time(lambda: hf_train(corpus), repeats)
    hf_merges = [
        tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
        for m in json.loads(hf.to_str())["model"]["merges"]
    ]
    same_merges = ours.merges == hf_merges

    ours_ids, hf_ids = ours.encode(corpus), hf.encode(corpus).ids  # warm both caches
    ours_encode, _ = best_time(lambda: ours.encode(corpus), repeats)
    hf_encode, _ = best_time(lambda: hf.encode(corpus), repeats)
    ours_batch, _ = best_time(lambda: ours.encode_batch(lines), repeats)
    hf_batch, _ = best_time(lambda: hf.encode_batch(lines), repeats)

    ours_bpt, hf_bpt = n_bytes / len(ours_ids), n_bytes / len(hf_ids)
    train_ratio = ours_train / hf_train_time
    encode_ratio = hf_encode / ours_encode  # ours throughput / theirs
    batch_ratio = hf_batch / ours_batch
    bpt_gap = abs(ours_bpt / hf_bpt - 1)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(
        f"Byte-level BPE, vocab {VOCAB_SIZE}, corpus {n_bytes:,} bytes "
        f"({len(lines):,} lines); best of {repeats}; Python {platform.python_version()}, "
        f"tokenizers {tokenizers.__version__} on 1 thread, {platform.machine()}\n"
    )
    print("| measure | nashai | tokenizers | ratio | goal |")
    print("|---|---|---|---|---|")
    print(
        f"| training time (s) | {ours_train:.3f} | {hf_train_time:.3f} | "
        f"{train_ratio:.2f}x the time | <= 5x: {verdict(train_ratio <= 5)} |"
    )
    print(
        f"| encode, one string (MB/s) | {megabytes / ours_encode:.2f} | "
        f"{megabytes / hf_encode:.2f} | {encode_ratio:.2f}x the throughput | "
        f">= 0.3x: {verdict(encode_ratio >= 0.3)} |"
    )
    print(
        f"| encode_batch, lines (MB/s) | {megabytes / ours_batch:.2f} | "
        f"{megabytes / hf_batch:.2f} | {batch_ratio:.2f}x the throughput | "
        f">= 0.3x: {verdict(batch_ratio >= 0.3)} |"
    )
    print(
        f"| bytes per token | {ours_bpt:.4f} | {hf_bpt:.4f} | {100 * bpt_gap:.2f}% apart | "
        f"<= 2%: {verdict(bpt_gap <= 0.02)} |"
    )
    print(
        f"\nSame merges as tokenizers: {'yes' if same_merges else 'no'}; "
        f"same ids on the corpus: {'yes' if ours_ids == hf_ids else 'no'}."
    )


if __name__ == "__main__":
    main()
