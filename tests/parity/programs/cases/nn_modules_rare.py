"""Less common nn modules users still reach for: LazyLinear/LazyConv2d (materialised on first
call), nn.Transformer (encoder-decoder), AdaptiveLogSoftmaxWithLoss, old-style
nn.utils.weight_norm / spectral_norm hooks, Softmax2d, CosineSimilarity, PairwiseDistance,
Fold/Unfold modules, ChannelShuffle, ZeroPad2d/ReflectionPad1d/ConstantPad3d, Hardswish,
Threshold, GLU, LocalResponseNorm, RMSNorm module, Mish."""
import torch
import torch.nn as nn
from casekit import init_params, randn, randint

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    x = torch.tensor(randn(3, 5, seed=1))
    lazy = nn.LazyLinear(4)
    r["lazy_before"] = type(lazy.weight).__name__
    y = lazy(x)
    r["lazy_after"] = (tuple(lazy.weight.shape), lazy.in_features, type(lazy).__name__, y.shape)
    lc = nn.LazyConv2d(6, 3)
    lc(torch.zeros(1, 2, 5, 5))
    r["lazy_conv"] = tuple(lc.weight.shape)
    tr = init_params(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                    dim_feedforward=16, dropout=0.0), seed=2, scale=0.3)
    src = torch.tensor(randn(5, 2, 8, seed=3))
    tgt = torch.tensor(randn(4, 2, 8, seed=4))
    r["transformer"] = tr(src, tgt, tgt_mask=tr.generate_square_subsequent_mask(4))
    try:
        _asm(r)
    except AttributeError as e:  # graphtorch has no AdaptiveLogSoftmaxWithLoss yet
        r["asm"] = type(e).__name__
    lin = init_params(nn.Linear(4, 3), seed=8)
    lin = nn.utils.weight_norm(lin)
    r["old_wn_params"] = sorted(n for n, _ in lin.named_parameters())
    r["old_wn_out"] = lin(x[:, :4])
    lin = nn.utils.remove_weight_norm(lin)
    r["old_wn_removed"] = sorted(n for n, _ in lin.named_parameters())
    sn = nn.utils.spectral_norm(init_params(nn.Linear(4, 3), seed=9), n_power_iterations=20)
    r["old_sn_params"] = sorted(n for n, _ in sn.named_parameters())
    r["old_sn_buffers"] = sorted(n for n, _ in sn.named_buffers())
    for _ in range(3):
        sn(x[:, :4])
    r["old_sn_sigma1"] = abs(float(torch.linalg.matrix_norm(sn.weight.detach(), 2)) - 1) < 1e-3
    img = torch.tensor(randn(1, 4, 3, 3, seed=10))
    r["softmax2d"] = nn.Softmax2d()(img)
    r["cos"] = nn.CosineSimilarity(dim=1)(x, x.flip(0))
    r["pdist"] = nn.PairwiseDistance(p=1)(x, x.flip(0))
    u = nn.Unfold(kernel_size=2)(img)
    r["unfold_fold"] = nn.Fold(output_size=(3, 3), kernel_size=2)(u)
    r["channel_shuffle"] = nn.ChannelShuffle(2)(img)
    r["pads"] = (nn.ZeroPad2d((1, 0, 2, 1))(img).shape, nn.ReflectionPad1d(2)(x[None]),
                 nn.ConstantPad3d(1, 3.5)(img[None]).shape, nn.ReplicationPad2d(1)(img))
    r["acts"] = (nn.Hardswish()(x), nn.Threshold(0.1, 20)(x), nn.GLU()(x[:, :4]), nn.Mish()(x),
                 nn.LogSigmoid()(x), nn.Softmin(1)(x), nn.Tanhshrink()(x))
    r["lrn"] = nn.LocalResponseNorm(2)(img)
    r["rmsnorm"] = nn.RMSNorm(5, eps=1e-5)(x)
    r["upsample_bicubic"] = nn.Upsample(scale_factor=2, mode="bicubic", align_corners=False)(img)
    r["identity_args"] = nn.Identity(54, unused="x")(x)
    r["flatten_unflatten"] = nn.Unflatten(1, (2, 2))(nn.Flatten(0)(img)[:8].reshape(2, 4)).shape
    r["embedding_sparse"] = nn.Embedding(5, 2, sparse=False, scale_grad_by_freq=True).weight.shape
    return r


def _asm(r):
    asm = init_params(nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs=[5, 12], div_value=2.0), seed=5, scale=0.3)
    h = torch.tensor(randn(6, 8, seed=6))
    tgt_i = torch.tensor(randint(0, 20, (6,), seed=7))
    out = asm(h, tgt_i)
    r["asm_output"], r["asm_loss"] = out.output, out.loss
    r["asm_log_prob"] = asm.log_prob(h)
    r["asm_predict"] = asm.predict(h)
