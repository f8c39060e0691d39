"""nashai.llm's GPT against the same model in PyTorch eager: training-step time and training result.

    uv run python benchmarks/gpt_vs_torch.py            # step times, about a minute or two
    uv run python benchmarks/gpt_vs_torch.py --quick    # fewer repeats, for a smoke run
    uv run python benchmarks/gpt_vs_torch.py --train    # also train both (several minutes)

(a) Step time. The model is nanoGPT's, as in nashai.llm.gpt: token and position embeddings,
pre-LayerNorm blocks with causal self-attention and a GELU MLP, a final LayerNorm and a head tied
to the token embedding. The PyTorch copy below is written for this script with the same module
names, so PyTorch's state_dict loads into the nashai model as NumPy arrays and both start from the
same weights. By default both use the settings of `nashai gpt train` (no biases, the tanh GELU;
`--gelu none` and `--bias` for nanoGPT's exact GELU and GPT-2's biases). Two sizes:

    small   n_layer 4, n_head 4, n_embd 128, block 64, batch 12
    medium  n_layer 6, n_head 6, n_embd 384, block 256, batch 8   (nanoGPT's shakespeare_char)

A step is one iteration of nashai.llm.pretraining.pretrain: forward with the loss, zero_grad,
backward, clip the gradient norm to 1, AdamW step (no decay on 1-D parameters). The vocabulary is
the shipped corpus's characters and the batches are windows of it (the same for both libraries).
Before timing, the losses of the first steps are checked to agree to 1e-4 relative.

Each library runs on one thread: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS are
set to 1 before NumPy is imported and torch.set_num_threads(1) is called. After a few warm-up
steps, single steps are timed in alternation (torch, nashai, torch, ...) with the process's CPU
time; the best and the median step are reported, and the ratio nashai / torch of the medians.

(b) With --train, both libraries train the `nashai gpt train` default model with its default
settings (nashai.cli.gpt's MODEL_DEFAULTS and TRAIN_DEFAULTS: iterations, batch, learning-rate
warmup and cosine decay, weight decay, clipping, seed, the 90/10 split) from the same initial
weights: nashai through nashai.llm.pretraining.pretrain, PyTorch through the equivalent loop
below. Both are scored on the same validation windows (estimate_loss's protocol).

Prints Markdown tables and the goals: nashai / torch <= 1.0 for both sizes, final validation
losses within 0.05 of each other.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as tnn  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

import nashai.autograd as ag  # noqa: E402
from nashai.cli.gpt import MODEL_DEFAULTS, TRAIN_DEFAULTS  # noqa: E402
from nashai.llm.data import load_corpus  # noqa: E402
from nashai.llm.gpt import GPT, GPTConfig  # noqa: E402
from nashai.llm.pretraining import PretrainConfig, TokenDataset, get_lr, pretrain  # noqa: E402
from nashai.llm.tokenizers import CharTokenizer  # noqa: E402
from nashai.nn.utils import clip_grad_norm_  # noqa: E402

torch.set_num_threads(1)

# name -> (n_layer, n_head, n_embd, block_size, batch_size)
SIZES = {"small": (4, 4, 128, 64, 12), "medium": (6, 6, 384, 256, 8)}
RATIO_GOAL = 1.0
VAL_LOSS_GOAL = 0.05  # the largest acceptable |val loss nashai - val loss torch| after --train
SANITY_STEPS = 3  # losses compared over this many steps from the same start
SANITY_RTOL = 1e-4
BETAS = (PretrainConfig.beta1, PretrainConfig.beta2)
WEIGHT_DECAY = TRAIN_DEFAULTS["weight_decay"]
GRAD_CLIP = TRAIN_DEFAULTS["grad_clip"]


# --- nanoGPT in PyTorch, with nashai.llm.gpt's module names -------------------------------------


class TorchSelfAttention(tnn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_attn = tnn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = tnn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.n_head = config.n_head

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        y = TF.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class TorchMLP(tnn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = tnn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = tnn.GELU(approximate=config.gelu_approximate)
        self.c_proj = tnn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class TorchBlock(tnn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = tnn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.attn = TorchSelfAttention(config)
        self.ln_2 = tnn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.mlp = TorchMLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TorchGPT(tnn.Module):
    """nanoGPT's GPT without dropout (the benchmark runs with dropout 0, as `nashai gpt train`)."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.transformer = tnn.ModuleDict(
            {
                "wte": tnn.Embedding(config.vocab_size, config.n_embd),
                "wpe": tnn.Embedding(config.block_size, config.n_embd),
                "h": tnn.ModuleList([TorchBlock(config) for _ in range(config.n_layer)]),
                "ln_f": tnn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias),
            }
        )
        self.lm_head = tnn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        residual_std = 0.02 / math.sqrt(2 * config.n_layer)  # GPT-2's scaled residual init
        for name, param in self.named_parameters():  # LayerNorm gains stay 1
            if param.ndim == 2:
                std = residual_std if name.endswith("c_proj.weight") else 0.02
                tnn.init.normal_(param, mean=0.0, std=std)
            elif name.endswith("bias"):
                tnn.init.zeros_(param)

    def forward(self, idx, targets):
        T = idx.shape[1]
        pos = torch.arange(T, dtype=torch.int64)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, V)
        loss = TF.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))
        return logits, loss

    def configure_optimizers(self, weight_decay: float, learning_rate: float):
        params = list(self.parameters())  # the tied weight once
        groups = [
            {"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=BETAS)


# --- one training step in each library -----------------------------------------------------------


def torch_step(model, optimizer, x, y) -> float:
    _, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    tnn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
    optimizer.step()
    return loss.item()


def nashai_step(model, optimizer, x, y) -> float:
    _, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    clip_grad_norm_(model.parameters(), GRAD_CLIP)
    optimizer.step()
    return loss.item()


def model_config(size: tuple[int, ...], vocab_size: int, gelu: str, bias: bool) -> GPTConfig:
    n_layer, n_head, n_embd, block_size, _ = size
    return GPTConfig(
        vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head,
        n_embd=n_embd, dropout=0.0, bias=bias, gelu_approximate=gelu,
    )  # fmt: skip


def twin_models(config: GPTConfig, seed: int = 0) -> tuple[TorchGPT, GPT]:
    """A PyTorch GPT and a nashai GPT with the PyTorch one's initial weights."""
    torch.manual_seed(seed)
    reference = TorchGPT(config)
    ours = GPT(config)
    ours.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    return reference, ours


def build(name: str, tokens: np.ndarray, vocab_size: int, gelu: str, bias: bool, n_batches: int):
    """The size's two models with the same weights, their optimizers and the same batches.

    Returns {"torch": (step, model, optimizer, batches), "nashai": (...)}, batches a list of
    (x, y) pairs of (B, T) int64 in each library's tensors.
    """
    size = SIZES[name]
    config = model_config(size, vocab_size, gelu, bias)
    reference, ours = twin_models(config)
    dataset = TokenDataset(tokens, config.block_size, size[4], seed=0)
    windows = [dataset.get_batch("train") for _ in range(n_batches)]
    torch_batches = [(torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())) for x, y in windows]
    lr = TRAIN_DEFAULTS["learning_rate"]
    return {
        "torch": (torch_step, reference, reference.configure_optimizers(WEIGHT_DECAY, lr),
                  torch_batches),
        "nashai": (nashai_step, ours, ours.configure_optimizers(WEIGHT_DECAY, lr, BETAS),
                   windows),
    }  # fmt: skip


def check_same_losses(sides) -> list[tuple[float, float]]:
    """Run SANITY_STEPS steps in both libraries from the same start; raise if the losses differ."""
    losses = []
    for i in range(SANITY_STEPS):
        pair = tuple(step(model, opt, *batches[i]) for step, model, opt, batches in sides.values())
        losses.append(pair)
        if not math.isclose(pair[1], pair[0], rel_tol=SANITY_RTOL):
            raise AssertionError(f"losses differ at step {i}: torch {pair[0]} vs nashai {pair[1]}")
    return losses


def time_steps(sides, warmup: int, repeats: int) -> dict[str, tuple[float, float]]:
    """(best, median) CPU seconds of one step in each library, steps timed in alternation."""
    for step, model, optimizer, batches in sides.values():
        for i in range(warmup):
            step(model, optimizer, *batches[i % len(batches)])
    times = {side: [] for side in sides}
    for i in range(repeats):
        for side, (step, model, optimizer, batches) in sides.items():
            start = time.process_time()
            step(model, optimizer, *batches[i % len(batches)])
            times[side].append(time.process_time() - start)
    return {side: (min(values), float(np.median(values))) for side, values in times.items()}


# --- (b) training both with `nashai gpt train`'s defaults ----------------------------------------


def torch_estimate_loss(model, dataset: TokenDataset, eval_iters: int, seed: int) -> dict:
    """estimate_loss's protocol for the PyTorch model: the same windows of each split."""
    model.eval()
    losses = {}
    with torch.no_grad():
        for split in ("train", "val"):
            generator = np.random.Generator(np.random.PCG64(seed))
            total = 0.0
            for _ in range(eval_iters):
                x, y = dataset.get_batch(split, generator=generator)
                _, loss = model(torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy()))
                total += loss.item()
            losses[split] = total / eval_iters
    model.train()
    return losses


def torch_pretrain(model, dataset: TokenDataset, config: PretrainConfig) -> dict:
    """pretrain's loop in PyTorch: lr schedule, step, clipping; the final evaluation."""
    optimizer = model.configure_optimizers(config.weight_decay, config.learning_rate)
    model.train()
    for iteration in range(config.max_iters):
        for group in optimizer.param_groups:
            group["lr"] = get_lr(iteration, config)
        x, y = dataset.get_batch("train")
        torch_step(model, optimizer, torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy()))
    return torch_estimate_loss(model, dataset, config.eval_iters, config.seed)


def train_both(text: str) -> dict[str, dict[str, float]]:
    """Train the `nashai gpt train` default model in both libraries; final losses and seconds."""
    tokenizer = CharTokenizer.train(text)
    tokens = np.array(tokenizer.encode(text, add_special_tokens=False), dtype=np.int64)
    settings = dict(TRAIN_DEFAULTS)
    batch_size = settings.pop("batch_size")
    config = PretrainConfig(**settings)
    gpt_config = GPTConfig(**MODEL_DEFAULTS, vocab_size=tokenizer.vocab_size)
    ag.manual_seed(config.seed)  # as `nashai gpt train`
    ours = GPT(gpt_config)
    reference = TorchGPT(gpt_config)
    reference.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    results = {}
    start = time.perf_counter()
    dataset = TokenDataset(tokens, gpt_config.block_size, batch_size, seed=config.seed)
    losses = torch_pretrain(reference, dataset, config)
    results["torch"] = {**losses, "seconds": time.perf_counter() - start}
    print(f"torch: {results['torch']}", flush=True)
    start = time.perf_counter()
    dataset = TokenDataset(tokens, gpt_config.block_size, batch_size, seed=config.seed)
    final = pretrain(ours, dataset, config, progress=False)[-1]
    results["nashai"] = {
        "train": final["train_loss"], "val": final["val_loss"],
        "seconds": time.perf_counter() - start,
    }  # fmt: skip
    print(f"nashai: {results['nashai']}", flush=True)
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timed steps")
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument(
        "--gelu", choices=["tanh", "none"], default=MODEL_DEFAULTS["gelu_approximate"]
    )
    parser.add_argument(
        "--bias", action=argparse.BooleanOptionalAction, default=MODEL_DEFAULTS["bias"]
    )
    parser.add_argument("--train", action="store_true", help="also train both (minutes)")
    args = parser.parse_args(argv)
    warmup, repeats = (2, 3) if args.quick else (3, 7)

    text = load_corpus()
    tokenizer = CharTokenizer.train(text)
    tokens = np.array(tokenizer.encode(text, add_special_tokens=False), dtype=np.int64)
    print(
        f"vocabulary {tokenizer.vocab_size} characters; GELU {args.gelu}, bias {args.bias}; "
        f"one thread; torch {torch.__version__}",
        flush=True,
    )
    timings = {}
    for name in args.sizes:
        sides = build(name, tokens, tokenizer.vocab_size, args.gelu, args.bias,
                      n_batches=SANITY_STEPS + repeats)  # fmt: skip
        losses = check_same_losses(sides)
        shown = ", ".join(f"{t:.6f}/{n:.6f}" for t, n in losses)
        print(f"{name}: losses (torch/nashai) agree over {SANITY_STEPS} steps: {shown}", flush=True)
        timings[name] = time_steps(sides, warmup, repeats)

    print()
    print("| size | n_layer, n_head, n_embd, block, batch | torch ms/step (best, median) "
          "| nashai ms/step (best, median) | nashai / torch (median) | goal | met |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|:---:|")
    results = {}
    for name, timing in timings.items():
        (torch_best, torch_median), (ours_best, ours_median) = timing["torch"], timing["nashai"]
        ratio = ours_median / torch_median
        results[name] = {"torch": torch_median, "nashai": ours_median, "ratio": ratio}
        print(
            f"| {name} | {', '.join(map(str, SIZES[name]))} "
            f"| {torch_best * 1e3:.1f}, {torch_median * 1e3:.1f} "
            f"| {ours_best * 1e3:.1f}, {ours_median * 1e3:.1f} | {ratio:.2f} "
            f"| <= {RATIO_GOAL:.1f} | {'yes' if ratio <= RATIO_GOAL else 'no'} |"
        )
    met = all(row["ratio"] <= RATIO_GOAL for row in results.values())
    print(
        f"\ngoal nashai / torch <= {RATIO_GOAL:.1f} for every size: {'met' if met else 'not met'}"
    )

    if args.train:
        print("\ntraining both with `nashai gpt train`'s defaults ...", flush=True)
        trained = train_both(text)
        print()
        print("| library | train loss | val loss | seconds |")
        print("|---|---:|---:|---:|")
        for side, row in trained.items():
            print(f"| {side} | {row['train']:.4f} | {row['val']:.4f} | {row['seconds']:.0f} |")
        gap = abs(trained["nashai"]["val"] - trained["torch"]["val"])
        verdict = "met" if gap <= VAL_LOSS_GOAL else "not met"
        print(f"\ngoal val losses within {VAL_LOSS_GOAL}: {verdict} (difference {gap:.4f})")
        results["train"] = trained
    return results


if __name__ == "__main__":
    main()
