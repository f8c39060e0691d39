"""nashai.vlm: vision transformers and CLIP-style contrastive image-text models on nashai-llm.

Not implemented yet: this module is empty on purpose (see the package README).
"""
