"""nashai.gen: diffusion, flow matching, autoencoders and GANs on nashai-nn.

Not implemented yet: this module is empty on purpose (see the package README).
"""
