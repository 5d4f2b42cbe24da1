"""nn.AdaptiveLogSoftmaxWithLoss: the efficient softmax of Grave et al. -- frequent classes in
a head, rare ones in tail clusters reached through one head entry each."""
from __future__ import annotations

from collections import namedtuple

from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax over ``n_classes`` split at ``cutoffs``.

    Args:
        in_features: size of each input sample.
        n_classes: number of classes.
        cutoffs: increasing class indices where the clusters start (the first cluster is
            the head's shortlist).
        div_value: each tail cluster's hidden size is in_features / div_value ** (i + 1).
        head_bias: give the head Linear a bias.
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1 \
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False),
                                        Linear(hidden, size, bias=False)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for seq in self.tail:
            for lin in seq:
                lin.reset_parameters()

    def forward(self, input, target):
        batched = target.dim() == 1
        if target.dim() > 1 or input.dim() != (2 if batched else 1):
            raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs "
                               f"with size {list(input.shape)}" if batched else
                               "0D target tensor expects 1D input tensors, but found inputs "
                               f"with size {list(input.shape)}")
        if batched and input.shape[0] != target.shape[0]:
            raise RuntimeError("Input and target should have the same size in the batch "
                               "dimension.")
        if not batched:
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{int(target.min())}, {int(target.max())}] "
                               "were found. ")
        head_logprob = self.head(input).log_softmax(1)
        # the head entry of each row: its class (shortlist) or its cluster's entry
        head_index = target.clone()
        output = input.new_zeros(target.shape[0])
        for i in range(self.n_clusters):
            lo, hi = self.cutoffs[i], self.cutoffs[i + 1]
            rows = ((target >= lo) & (target < hi)).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            head_index = head_index.index_fill(0, rows, self.shortlist_size + i)
            cluster = self.tail[i](input.index_select(0, rows)).log_softmax(1)
            local = cluster.gather(1, (target.index_select(0, rows) - lo).unsqueeze(1))
            output = output.index_copy(0, rows, local.squeeze(1))
        output = output + head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input, head_output):
        from ... import cat
        head_logprob = head_output.log_softmax(1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = self.tail[i](input).log_softmax(1)
            parts.append(cluster + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """Log-probabilities of every class, shape (N, n_classes)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most likely class of each row (the full softmax only where needed)."""
        head_output = self.head(input)
        out = head_output.argmax(1)
        rare = out >= self.shortlist_size
        if not bool(rare.any()):
            return out
        if bool(rare.all()):
            return self._full_log_prob(input, head_output).argmax(1)
        out[rare] = self._full_log_prob(input[rare], head_output[rare]).argmax(1)
        return out
