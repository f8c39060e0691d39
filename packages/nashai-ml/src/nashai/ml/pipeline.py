"""Pipeline: chain transformers and a final estimator into one estimator.

    Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])

fit runs X through each transformer's fit_transform in turn and fits the last step on the
result; predict, predict_proba, transform, score, ... run X through the fitted transformers and
call the last step. Parameters of the steps are reached as `<step>__<param>` (get_params,
set_params), so a GridSearchCV can tune `clf__C` of a pipeline as of any estimator.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from nashai.ml.base import BaseEstimator

_PASSTHROUGH = (None, "passthrough")


class _available_if:
    """Method decorator: the method exists only when check(pipeline) holds, so that
    hasattr(pipeline, "predict_proba") answers truthfully for the steps it holds."""

    def __init__(self, check: Callable[[Pipeline], bool]):
        self.check = check

    def __call__(self, method: Callable) -> _available_if:
        self.method = method
        self.__doc__ = method.__doc__
        return self

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, pipeline, owner=None):
        if pipeline is None:
            return self.method
        if not self.check(pipeline):
            raise AttributeError(
                f"This Pipeline has no attribute {self.name!r}: a step it needs lacks it"
            )
        return types.MethodType(self.method, pipeline)


def _final_has(name: str) -> Callable[[Pipeline], bool]:
    def check(pipeline: Pipeline) -> bool:
        return hasattr(pipeline._final_estimator, name)

    return check


def _final_transforms(pipeline: Pipeline) -> bool:
    final = pipeline._final_estimator
    return final == "passthrough" or hasattr(final, "transform")


def _all_steps_have(name: str) -> Callable[[Pipeline], bool]:
    def check(pipeline: Pipeline) -> bool:
        return all(step in _PASSTHROUGH or hasattr(step, name) for _, step in pipeline.steps)

    return check


class _Bunch(dict):
    """A dict whose keys are also attributes: pipeline.named_steps.clf."""

    def __getattr__(self, key: str):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class Pipeline(BaseEstimator):
    """A sequence of (name, transformer) steps ending in an estimator, used as one estimator.

    steps: list of (name, estimator) pairs. Every step but the last needs fit and transform;
    any step may be 'passthrough' (or None) to skip it. Names are unique, contain no "__" and
    are not "steps".
    """

    def __init__(self, steps: list[tuple[str, Any]]):
        self.steps = steps

    # -- structure -------------------------------------------------------------------------

    def _validate_steps(self) -> None:
        steps = self.steps
        if not isinstance(steps, (list, tuple)) or len(steps) == 0:
            raise ValueError(
                f"Pipeline: steps must be a non-empty list of (name, estimator), got {steps!r}"
            )
        for step in steps:
            if not (
                isinstance(step, (tuple, list)) and len(step) == 2 and isinstance(step[0], str)
            ):
                raise ValueError(
                    f"Pipeline: each step must be a (name, estimator) pair, got {step!r}"
                )
        names = [name for name, _ in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"Pipeline: step names must be unique, got {names}")
        for name in names:
            if "__" in name:
                raise ValueError(f"Pipeline: step names must not contain '__', got {name!r}")
            if name == "steps":
                raise ValueError("Pipeline: a step cannot be named 'steps' (it is a parameter)")
        for name, step in steps[:-1]:
            if step in _PASSTHROUGH:
                continue
            if not (hasattr(step, "fit") or hasattr(step, "fit_transform")) or not hasattr(
                step, "transform"
            ):
                raise TypeError(
                    f"Pipeline: all intermediate steps must be transformers (fit and transform) "
                    f"or 'passthrough'; step {name!r} is {step!r} of type {type(step).__name__}"
                )
        final = steps[-1][1]
        if final not in _PASSTHROUGH and not hasattr(final, "fit"):
            raise TypeError(
                f"Pipeline: the last step must implement fit or be 'passthrough'; "
                f"step {steps[-1][0]!r} is {final!r} of type {type(final).__name__}"
            )

    @property
    def named_steps(self) -> _Bunch:
        """The steps by name, as a dict with attribute access."""
        return _Bunch(self.steps)

    @property
    def _final_estimator(self):
        final = self.steps[-1][1]
        return "passthrough" if final is None else final

    @property
    def _estimator_type(self):
        return getattr(self._final_estimator, "_estimator_type", None)

    @property
    def classes_(self) -> np.ndarray:
        """The class labels of the final step."""
        return self.steps[-1][1].classes_

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the first step that is not 'passthrough'."""
        for _, step in self.steps:
            if step not in _PASSTHROUGH:
                return step.n_features_in_
        raise AttributeError("Pipeline has only passthrough steps")

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index):
        """An int or a name gives that step's estimator; a slice gives a sub-Pipeline."""
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise ValueError("Pipeline slicing only supports a step of 1")
            return Pipeline(self.steps[index])
        if isinstance(index, str):
            return self.named_steps[index]
        return self.steps[index][1]

    def _transformers(self):
        """The fitted intermediate steps, in order, skipping passthrough."""
        for _, step in self.steps[:-1]:
            if step not in _PASSTHROUGH:
                yield step

    # -- parameters ------------------------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """{'steps': ...}; with deep, also each step by name and its parameters as name__param."""
        params = {"steps": self.steps}
        if not deep:
            return params
        for name, step in self.steps:
            params[name] = step
            if hasattr(step, "get_params"):
                for key, value in step.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params: Any) -> Pipeline:
        """Set 'steps', replace a step by name, or set a step's parameter as name__param."""
        if "steps" in params:
            self.steps = params.pop("steps")
        names = [name for name, _ in self.steps]
        for key in [k for k in params if "__" not in k]:
            if key not in names:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator Pipeline. Valid parameters are: "
                    f"{['steps', *names]} and <step>__<parameter>."
                )
            self.steps = [(n, params.pop(key) if n == key else s) for n, s in self.steps]
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in names:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator Pipeline: no step named {name!r} "
                    f"(steps: {names})"
                )
            self.named_steps[name].set_params(**{sub: value})
        return self

    # -- fitting ---------------------------------------------------------------------------

    def _route(self, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Split fit parameters "step__param" into one dict per step."""
        routed: dict[str, dict[str, Any]] = {name: {} for name, _ in self.steps}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if not sub or name not in routed:
                raise ValueError(
                    f"Pipeline.fit does not accept the {key!r} parameter. Pass parameters to a "
                    "step as <step>__<parameter>, e.g. Pipeline.fit(X, y, "
                    "clf__sample_weight=sample_weight)."
                )
            routed[name][sub] = value
        return routed

    def _fit_transformers(self, X, y, routed):
        for name, step in self.steps[:-1]:
            if step in _PASSTHROUGH:
                continue
            if hasattr(step, "fit_transform"):
                X = step.fit_transform(X, y, **routed[name])
            else:
                X = step.fit(X, y, **routed[name]).transform(X)
        return X

    def _transform_all_but_last(self, X):
        for step in self._transformers():
            X = step.transform(X)
        return X

    def fit(self, X, y=None, **params):
        """Fit each transformer on the output of the previous ones, then the final step.

        params: fit arguments for the steps, as <step>__<parameter>. Returns self.
        """
        self._validate_steps()
        routed = self._route(params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        if final not in _PASSTHROUGH:
            final.fit(Xt, y, **routed[name])
        return self

    @_available_if(_final_transforms)
    def fit_transform(self, X, y=None, **params):
        """Fit every step and return the last step's transform of the training data."""
        self._validate_steps()
        routed = self._route(params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        if final in _PASSTHROUGH:
            return Xt
        if hasattr(final, "fit_transform"):
            return final.fit_transform(Xt, y, **routed[name])
        return final.fit(Xt, y, **routed[name]).transform(Xt)

    @_available_if(_final_has("fit_predict"))
    def fit_predict(self, X, y=None, **params):
        """Fit the transformers, then fit_predict of the final step on their output."""
        self._validate_steps()
        routed = self._route(params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        return final.fit_predict(Xt, y, **routed[name])

    # -- prediction ------------------------------------------------------------------------

    @_available_if(_final_has("predict"))
    def predict(self, X, **params):
        """The final step's predict on the transformed X."""
        return self.steps[-1][1].predict(self._transform_all_but_last(X), **params)

    @_available_if(_final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """The final step's predict_proba on the transformed X."""
        return self.steps[-1][1].predict_proba(self._transform_all_but_last(X), **params)

    @_available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """The final step's predict_log_proba on the transformed X."""
        return self.steps[-1][1].predict_log_proba(self._transform_all_but_last(X), **params)

    @_available_if(_final_has("decision_function"))
    def decision_function(self, X):
        """The final step's decision_function on the transformed X."""
        return self.steps[-1][1].decision_function(self._transform_all_but_last(X))

    @_available_if(_final_has("score_samples"))
    def score_samples(self, X):
        """The final step's score_samples on the transformed X."""
        return self.steps[-1][1].score_samples(self._transform_all_but_last(X))

    @_available_if(_all_steps_have("transform"))
    def transform(self, X):
        """X through every step's transform (all steps must be transformers)."""
        Xt = self._transform_all_but_last(X)
        final = self.steps[-1][1]
        return Xt if final in _PASSTHROUGH else final.transform(Xt)

    @_available_if(_all_steps_have("inverse_transform"))
    def inverse_transform(self, X):
        """X through every step's inverse_transform, last step first."""
        for _, step in reversed(self.steps):
            if step not in _PASSTHROUGH:
                X = step.inverse_transform(X)
        return X

    @_available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None) -> float:
        """The final step's score on the transformed X (accuracy, R², ... as that step defines)."""
        Xt = self._transform_all_but_last(X)
        final = self.steps[-1][1]
        if sample_weight is None:
            return final.score(Xt, y)
        return final.score(Xt, y, sample_weight=sample_weight)


def _default_names(estimators) -> list[str]:
    """Lower-case class names; repeated names get -1, -2, ... in order of appearance."""
    names = [e if isinstance(e, str) else type(e).__name__.lower() for e in estimators]
    counts = {name: names.count(name) for name in names}
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            names[i] = f"{name}-{seen[name]}"
    return names


def make_pipeline(*steps) -> Pipeline:
    """A Pipeline whose step names are the lower-cased class names of the estimators."""
    if not steps:
        raise ValueError("make_pipeline needs at least one estimator")
    return Pipeline(list(zip(_default_names(steps), steps, strict=True)))
