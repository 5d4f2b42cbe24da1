"""Registry ops the ONNX exporter deliberately does not support, with the reason.

The registry test checks this list both ways: an excluded op must still lack a rule and a
decomposition (so the list never goes stale), and exporting it must raise an error naming it.
``PARTIAL`` lists ops supported except for some attribute values."""
from __future__ import annotations

_LINALG = ("ONNX has no matrix factorization, inverse or solve operators (only Det); an "
           "iterative decomposition would not match LAPACK to tolerance")
_COMPLEX = "complex tensors: onnxruntime has no complex dtype support"
_SPECIAL = ("ONNX has no operator for this special function, and a series approximation "
            "would not match scipy to the registry's tolerance over its whole domain")
_BACKWARD = ("autograd-internal op that only appears in backward (training) graphs; ONNX "
             "export covers forward graphs")

EXCLUDED = {
    **{n: _LINALG for n in (
        "linalg_cholesky_ex", "linalg_eig", "linalg_eigh", "linalg_inv_ex", "linalg_lstsq",
        "linalg_lu_factor_ex", "linalg_lu_solve", "linalg_matrix_exp", "linalg_qr",
        "linalg_slogdet", "linalg_solve", "linalg_solve_triangular", "linalg_svd",
        "linalg_svdvals", "lu_unpack", "geqrf", "linalg_ldl_factor_ex", "linalg_ldl_solve")},
    **{n: _COMPLEX for n in ("fft_c2c", "fft_c2r", "fft_r2c", "view_as_complex", "imag",
                             "view_as_real", "_overlap_add")},
    **{n: _SPECIAL for n in (
        "digamma", "lgamma", "erfinv", "i0", "polygamma", "mvlgamma", "special_erfcx",
        "special_i0e", "special_i1", "special_i1e", "special_log_ndtr", "special_ndtri",
        "special_zeta", "nextafter",
        # the Bessel family, airy_ai and the regularized incomplete gamma functions
        "special_airy_ai", "special_bessel_j0", "special_bessel_j1", "special_bessel_y0",
        "special_bessel_y1", "special_gammainc", "special_gammaincc",
        "special_modified_bessel_i0", "special_modified_bessel_i1",
        "special_modified_bessel_k0", "special_modified_bessel_k1",
        "special_scaled_modified_bessel_k0", "special_scaled_modified_bessel_k1",
        "special_spherical_bessel_j0")},
    "poisson": "ONNX has no Poisson sampler",
    "frexp": ("ONNX has no operator that splits a float into mantissa and exponent bits; "
              "a log2/floor formula is wrong for zeros, subnormals and infinities"),
    **{n: _BACKWARD for n in (
        "_cumprod_backward", "_prod_others", "_random_values",
        "affine_grid_generator_backward", "avg_pool_backward",
        "convolution_backward_input", "convolution_backward_weight", "ctc_loss_backward",
        "grid_sampler_backward", "gru_cell_backward", "lstm_cell_backward",
        "max_pool_backward", "upsample_backward", "repeat_interleave_backward",
        "unfold_backward", "spatial_scatter_add")},
}

# op -> (predicate on a sample's kwargs, reason): samples the exporter rejects with an error
PARTIAL: dict = {}
