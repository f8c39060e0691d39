"""nashai.llm: tokenizers, transformers, GPT-style pretraining and sampling on nashai-nn.

Not implemented yet: this module is empty on purpose (see the package README).
"""
