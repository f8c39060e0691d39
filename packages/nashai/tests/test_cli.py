"""The `nashai` command: gpt train / sample, tokenizer train, bad input, Ctrl-C and --resume."""

import subprocess
import sys

import numpy as np
import pytest

from nashai.cli.main import build_parser, main
from nashai.llm.data import load_corpus
from nashai.llm.pretraining import CHECKPOINT_FILE, load_checkpoint
from nashai.llm.tokenizers import Tokenizer
from nashai.nn.serialization import save

TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16",
        "--batch-size", "4", "--eval-interval", "5", "--eval-iters", "2", "--quiet"]  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "text.txt"
    path.write_text(load_corpus()[:6000], encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data):
    """A tiny model trained for 5 iterations by `nashai gpt train`."""
    out = tmp_path_factory.mktemp("gpt")
    assert main(["gpt", "train", "--data", str(data), "--out", str(out), "--max-iters", "5",
                 *TINY]) == 0  # fmt: skip
    return out


def run_error(capsys, argv):
    """Run main(argv) expecting bad input: status 2 and one line on stderr, no traceback."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("nashai: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_train_writes_a_checkpoint_and_prints_losses_and_a_sample(data, tmp_path, capsys):
    out = tmp_path / "gpt"
    assert main(["gpt", "train", "--data", str(data), "--out", str(out), "--max-iters", "5",
                 "--seed", "3", *TINY]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "iteration 5: train loss" in printed and "val loss" in printed
    assert "sample:" in printed
    checkpoint = load_checkpoint(out / CHECKPOINT_FILE)
    assert checkpoint["iteration"] == 5
    assert checkpoint["model_config"]["n_embd"] == 16
    assert checkpoint["pretrain_config"]["seed"] == 3
    assert checkpoint["data_config"]["batch_size"] == 4
    assert type(checkpoint["tokenizer"]).__name__ == "CharTokenizer"


def test_train_with_a_bpe_tokenizer(data, tmp_path, capsys):
    out = tmp_path / "bpe"
    assert main(["gpt", "train", "--data", str(data), "--out", str(out), "--max-iters", "2",
                 "--tokenizer", "bpe", "--vocab-size", "300", *TINY]) == 0  # fmt: skip
    checkpoint = load_checkpoint(out / CHECKPOINT_FILE)
    assert type(checkpoint["tokenizer"]).__name__ == "BPETokenizer"
    assert checkpoint["model_config"]["vocab_size"] == checkpoint["tokenizer"].vocab_size == 300


def test_sample_streams_a_seeded_continuation(trained, capsys):
    argv = ["gpt", "sample", "--out", str(trained), "--prompt", "The ", "--max-new-tokens",
            "30", "--seed", "1"]  # fmt: skip
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert first.startswith("The ") and len(first) == len("The ") + 30 + 1  # and a newline
    assert main(argv) == 0
    assert capsys.readouterr().out == first
    assert main([*argv, "--temperature", "0"]) == 0  # greedy
    assert main([*argv[:-1], "2", "--temperature", "0"]) == 0  # greedy ignores the seed
    greedy = capsys.readouterr().out.splitlines()
    assert greedy[0] == greedy[1]


def test_tokenizer_train(data, tmp_path, capsys):
    out = tmp_path / "tokenizer.json"
    assert main(["tokenizer", "train", str(data), "--vocab-size", "300", "--out", str(out)]) == 0
    assert "300 tokens" in capsys.readouterr().out
    tokenizer = Tokenizer.from_file(out)
    text = data.read_text(encoding="utf-8")
    assert tokenizer.vocab_size == 300
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_subcommands_are_registered_through_the_entry_point_group():
    from importlib.metadata import entry_points

    names = {entry_point.name for entry_point in entry_points(group="nashai.commands")}
    assert {"gpt", "tokenizer"} <= names
    help_text = build_parser().format_help()
    assert "gpt" in help_text and "tokenizer" in help_text


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b" \n\t\n", "is empty"),
        (b"some text\x00\x01\x02 with a NUL byte", "binary"),
        (b"caf\xe9 latin-1, not UTF-8", "not UTF-8"),
        (b"too short for a window of 16 characters", "block_size"),
    ],
)
def test_bad_data_files(tmp_path, capsys, content, message):
    path = tmp_path / "data.txt"
    if content is not None:
        path.write_bytes(content)
    err = run_error(capsys, ["gpt", "train", "--data", str(path), "--out", str(tmp_path / "o"),
                             "--max-iters", "1", *TINY])  # fmt: skip
    assert message in err
    if message != "block_size":  # a short text is fine for a tokenizer
        err = run_error(capsys, ["tokenizer", "train", str(path), "--out", str(tmp_path / "t")])
        assert message in err


def test_unwritable_output_folder(data, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    err = run_error(capsys, ["gpt", "train", "--data", str(data), "--out", str(blocker / "out"),
                             *TINY])  # fmt: skip
    assert "--out" in err and "cannot write" in err
    err = run_error(capsys, ["tokenizer", "train", str(data), "--out", str(blocker / "t.json")])
    assert "cannot write" in err


def test_unknown_device_lists_the_available_ones(data, tmp_path, capsys):
    err = run_error(capsys, ["gpt", "train", "--data", str(data), "--device", "tpu", *TINY])
    assert "'tpu'" in err and "usable here: cpu" in err
    run_error(capsys, ["gpt", "sample", "--device", "tpu", "--out", str(tmp_path)])


def test_missing_corrupt_and_mismatched_checkpoints(trained, data, tmp_path, capsys):
    err = run_error(capsys, ["gpt", "sample", "--out", str(tmp_path / "none")])
    assert "no checkpoint" in err
    err = run_error(capsys, ["gpt", "train", "--resume", "--out", str(tmp_path / "none"), *TINY])
    assert "no checkpoint" in err

    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / CHECKPOINT_FILE).write_bytes(b"\x00" * 64)
    for argv in (["gpt", "sample"], ["gpt", "train", "--resume", *TINY]):
        assert "not a readable checkpoint" in run_error(capsys, [*argv, "--out", str(corrupt)])

    # a checkpoint whose config says 32 wide while its weights are 16 wide
    checkpoint = load_checkpoint(trained / CHECKPOINT_FILE)
    checkpoint["tokenizer"] = checkpoint["tokenizer"].to_dict()
    checkpoint["model_config"]["n_embd"] = 32
    mismatched = tmp_path / "mismatched"
    mismatched.mkdir()
    save(checkpoint, mismatched / CHECKPOINT_FILE)
    err = run_error(capsys, ["gpt", "sample", "--out", str(mismatched)])
    assert "does not fit" in err
    err = run_error(capsys, ["gpt", "train", "--resume", "--out", str(mismatched), "--data",
                             str(data), "--quiet"])  # fmt: skip
    assert "does not fit" in err
    # resuming on a text with characters the checkpoint's tokenizer never saw
    err = run_error(capsys, ["gpt", "train", "--resume", "--out", str(trained), "--quiet"])
    assert "the shipped corpus" in err and "not in the vocabulary" in err

    # a checkpoint written without a tokenizer (pretrain on a bare token stream)
    checkpoint["model_config"]["n_embd"] = 16
    checkpoint["tokenizer"] = None
    save(checkpoint, mismatched / CHECKPOINT_FILE)
    assert "no tokenizer" in run_error(capsys, ["gpt", "sample", "--out", str(mismatched)])

    # flags that contradict the checkpoint being resumed
    err = run_error(capsys, ["gpt", "train", "--resume", "--out", str(trained), "--n-layer", "3"])
    assert "--n-layer 3" in err and "n_layer=1" in err


def test_bad_sampling_options(trained, capsys):
    for option, value in [("--temperature", "-1"), ("--top-k", "0"), ("--top-p", "1.5"),
                          ("--max-new-tokens", "-3")]:  # fmt: skip
        err = run_error(capsys, ["gpt", "sample", "--out", str(trained), option, value])
        assert option in err
    err = run_error(capsys, ["gpt", "sample", "--out", str(trained), "--prompt", "日本"])
    assert "--prompt" in err and "not in the vocabulary" in err


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nashai.cli", "gpt", "sample", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("nashai: error: --out: no checkpoint")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# --- Ctrl-C and --resume ----------------------------------------------------------------------


def test_ctrl_c_leaves_a_checkpoint_that_resume_continues(data, tmp_path, capsys, monkeypatch):
    import nashai.llm.pretraining as pretraining

    straight = tmp_path / "straight"
    stopped = tmp_path / "stopped"
    argv = ["gpt", "train", "--data", str(data), "--max-iters", "8", "--dropout", "0.1", *TINY]
    assert main([*argv, "--out", str(straight)]) == 0

    clip, calls = pretraining.clip_grad_norm_, []

    def ctrl_c_at_the_fourth_step(*args, **kwargs):  # as if Ctrl-C came mid-step
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return clip(*args, **kwargs)

    monkeypatch.setattr(pretraining, "clip_grad_norm_", ctrl_c_at_the_fourth_step)
    assert main([*argv, "--out", str(stopped)]) == 130
    assert "--resume" in capsys.readouterr().out
    assert load_checkpoint(stopped / CHECKPOINT_FILE)["iteration"] == 3
    monkeypatch.setattr(pretraining, "clip_grad_norm_", clip)

    assert main(["gpt", "train", "--resume", "--data", str(data), "--out", str(stopped),
                 "--quiet"]) == 0  # fmt: skip
    expected = load_checkpoint(straight / CHECKPOINT_FILE)
    resumed = load_checkpoint(stopped / CHECKPOINT_FILE)
    assert resumed["iteration"] == 8
    assert resumed["history"] == expected["history"]
    for name, value in expected["model"].items():
        np.testing.assert_array_equal(resumed["model"][name].numpy(), value.numpy(), err_msg=name)
