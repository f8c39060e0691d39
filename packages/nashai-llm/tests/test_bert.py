"""BertModel.from_pretrained against Hugging Face transformers' BertModel."""

import numpy as np
import pytest
import torch

import nashai.autograd as ag
from nashai.llm.bert import BertConfig, BertModel

transformers = pytest.importorskip("transformers")


def save_random_bert(directory, model_class=None, **overrides):
    torch.manual_seed(0)
    settings = dict(
        vocab_size=71,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=48,
        max_position_embeddings=20,
        type_vocab_size=2,
    )
    config = transformers.BertConfig(**{**settings, **overrides})
    hf = (model_class or transformers.BertModel)(config).eval()
    hf.save_pretrained(directory, safe_serialization=True)
    return hf


@pytest.fixture(scope="module")
def hf_bert(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bert")
    return save_random_bert(directory), directory


def inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    input_ids = rng.integers(0, 71, size=(3, 11))
    token_type_ids = (np.arange(11) >= 6).astype(np.int64)[None].repeat(3, axis=0)
    attention_mask = np.ones((3, 11), dtype=np.int64)
    attention_mask[1, 7:] = 0  # padded rows
    attention_mask[2, 3:] = 0
    return input_ids, attention_mask, token_type_ids


def hf_hidden(hf, **arrays) -> np.ndarray:
    with torch.no_grad():
        tensors = {name: torch.tensor(value) for name, value in arrays.items()}
        return hf(**tensors).last_hidden_state.numpy()


def test_from_pretrained_gives_transformers_hidden_states(hf_bert):
    hf, directory = hf_bert
    model = BertModel.from_pretrained(directory)
    input_ids, attention_mask, token_type_ids = inputs()
    expected = hf_hidden(
        hf, input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
    )
    hidden = model(ag.tensor(input_ids), ag.tensor(attention_mask), ag.tensor(token_type_ids))
    assert hidden.shape == (3, 11, 32)
    np.testing.assert_allclose(hidden.numpy(), expected, rtol=1e-4, atol=1e-4)


def test_defaults_are_no_padding_and_segment_zero(hf_bert):
    hf, directory = hf_bert
    model = BertModel.from_pretrained(directory)
    input_ids, _, _ = inputs(1)
    expected = hf_hidden(hf, input_ids=input_ids)
    np.testing.assert_allclose(model(ag.tensor(input_ids)).numpy(), expected, rtol=1e-4, atol=1e-4)


def test_padding_does_not_change_the_real_tokens(hf_bert):
    _, directory = hf_bert
    model = BertModel.from_pretrained(directory)
    input_ids, _, _ = inputs(2)
    short = model(ag.tensor(input_ids[:1, :5]))
    mask = np.zeros((1, 11), dtype=np.int64)
    mask[0, :5] = 1
    padded = model(ag.tensor(input_ids[:1]), ag.tensor(mask))
    np.testing.assert_allclose(padded.numpy()[:, :5], short.numpy(), rtol=1e-4, atol=1e-5)


def test_loads_task_checkpoints_and_the_tanh_gelu(tmp_path):
    hf = save_random_bert(
        tmp_path, transformers.BertForMaskedLM, hidden_act="gelu_new", layer_norm_eps=1e-7
    )
    model = BertModel.from_pretrained(tmp_path)
    assert model.config.hidden_act == "gelu_new" and model.config.layer_norm_eps == 1e-7
    input_ids, attention_mask, token_type_ids = inputs(3)
    expected = hf_hidden(
        hf.bert, input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
    )
    hidden = model(ag.tensor(input_ids), ag.tensor(attention_mask), ag.tensor(token_type_ids))
    np.testing.assert_allclose(hidden.numpy(), expected, rtol=1e-4, atol=1e-4)


def test_bad_input_is_reported(hf_bert):
    _, directory = hf_bert
    model = BertModel.from_pretrained(directory)
    with pytest.raises(ValueError, match="max_position_embeddings = 20"):
        model(ag.zeros(1, 21, dtype=ag.int64))
    with pytest.raises(ValueError, match="attention_mask must have"):
        model(ag.zeros(2, 5, dtype=ag.int64), ag.ones(2, 4, dtype=ag.int64))
    with pytest.raises(ValueError, match="divisible"):
        BertConfig(hidden_size=30, num_attention_heads=4)


def test_a_missing_weights_file_is_reported(tmp_path, hf_bert):
    _, directory = hf_bert
    (tmp_path / "config.json").write_text((directory / "config.json").read_text())
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors"):
        BertModel.from_pretrained(tmp_path)
