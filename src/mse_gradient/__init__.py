"""mse_gradient — the gradient of the mean squared error of linear regression.

The shared code of the course module: every chapter, notebook and test calls
these functions, so each formula is written once.

Notation (Hands-On ML, chapter 4): m instances, n features, ``X_b`` of shape
(m, n+1) with the instances as rows and x₀ = 1, ``theta`` = (θ₀, …, θₙ),
targets ``y``. ``theta`` and ``y`` may each be 1-D or a column vector.
"""

from .curvature import cost_surface, hessian, hessian_eigenvalues, max_stable_eta, step_factors
from .data import add_bias, make_linear_data
from .differentials import (
    Expansion,
    loglog_slope,
    mse_expansion,
    ridge_by_centering,
    ridge_gradient,
    ridge_mse,
    ridge_normal_equation,
    second_order_coefficient,
    taylor_remainder,
)
from .explorers import explorer_payload
from .gradients import (
    gradient,
    gradient_by_partials,
    gradient_by_samples,
    numerical_gradient,
    partial_derivative,
)
from .model import mse, predict
from .solvers import DescentResult, batch_gradient_descent, normal_equation
from .stochastic import (
    StochasticResult,
    instance_gradients,
    learning_schedule,
    minibatch_gradient_descent,
    minibatch_gradient_variance,
    stochastic_gradient_descent,
)
from .symbolic import SymbolicProblem, closed_form_gradient, is_zero, symbolic_gradient, symbolic_problem
from .verify import check_close, check_differs, check_raises, check_that

__all__ = [
    "add_bias",
    "make_linear_data",
    "predict",
    "mse",
    "gradient",
    "gradient_by_samples",
    "partial_derivative",
    "gradient_by_partials",
    "numerical_gradient",
    "normal_equation",
    "batch_gradient_descent",
    "DescentResult",
    "stochastic_gradient_descent",
    "minibatch_gradient_descent",
    "StochasticResult",
    "learning_schedule",
    "instance_gradients",
    "minibatch_gradient_variance",
    "SymbolicProblem",
    "symbolic_problem",
    "symbolic_gradient",
    "closed_form_gradient",
    "is_zero",
    "Expansion",
    "mse_expansion",
    "taylor_remainder",
    "second_order_coefficient",
    "loglog_slope",
    "ridge_mse",
    "ridge_gradient",
    "ridge_normal_equation",
    "ridge_by_centering",
    "hessian",
    "hessian_eigenvalues",
    "max_stable_eta",
    "step_factors",
    "cost_surface",
    "explorer_payload",
    "check_close",
    "check_that",
    "check_differs",
    "check_raises",
]

__version__ = "0.1.0"
