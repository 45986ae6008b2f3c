"""kdquiz: interview practice for knowledge distillation in recommender systems."""

__version__ = "0.1.0"
