"""Linear-chain CRF as in NER taggers: emission scores from a BiLSTM, forward algorithm with
logsumexp over broadcast transitions, gold path score via gather/index arithmetic, masked
sequences, NLL backward; Viterbi decoding with max/argmax and backtracking."""
import torch
import torch.nn as nn
from casekit import init_params, randn, randint

RTOL = 1e-4
ATOL = 1e-5


def crf_nll(em, tags, mask, trans, start, end):
    B, T, K = em.shape
    score = start[tags[:, 0]] + em[:, 0].gather(1, tags[:, :1]).squeeze(1)
    alpha = start + em[:, 0]
    for t in range(1, T):
        m = mask[:, t]
        step = trans[tags[:, t - 1], tags[:, t]] + em[:, t].gather(1, tags[:, t:t + 1]).squeeze(1)
        score = score + step * m
        nxt = torch.logsumexp(alpha.unsqueeze(2) + trans + em[:, t].unsqueeze(1), dim=1)
        alpha = torch.where(m.unsqueeze(1).bool(), nxt, alpha)
    last = tags.gather(1, (mask.sum(1).long() - 1).unsqueeze(1)).squeeze(1)
    score = score + end[last]
    logz = torch.logsumexp(alpha + end, dim=1)
    return (logz - score).mean()


def viterbi(em, trans, start, end):
    score = start + em[0]
    back = []
    for t in range(1, em.shape[0]):
        s, idx = (score.unsqueeze(1) + trans).max(dim=0)
        score = s + em[t]
        back.append(idx)
    best = [int((score + end).argmax())]
    for idx in reversed(back):
        best.append(int(idx[best[-1]]))
    return best[::-1], float((score + end).max())


def run():
    r = {}
    K = 4
    lstm = init_params(nn.LSTM(3, 5, batch_first=True, bidirectional=True), seed=1, scale=0.3)
    proj = init_params(nn.Linear(10, K), seed=2)
    trans = nn.Parameter(torch.tensor(randn(K, K, seed=3)) * 0.5)
    start = nn.Parameter(torch.tensor(randn(K, seed=4)) * 0.5)
    end = nn.Parameter(torch.tensor(randn(K, seed=5)) * 0.5)
    x = torch.tensor(randn(2, 6, 3, seed=6))
    tags = torch.tensor(randint(0, K, (2, 6), seed=7))
    mask = torch.tensor([[1.0] * 6, [1.0] * 4 + [0.0] * 2])
    em = proj(lstm(x)[0])
    loss = crf_nll(em, tags, mask, trans, start, end)
    r["nll"] = loss
    loss.backward()
    r["g_trans"], r["g_start"], r["g_end"] = trans.grad, start.grad, end.grad
    r["g_proj"] = proj.weight.grad
    with torch.no_grad():
        r["viterbi0"] = viterbi(em[0], trans, start, end)
        r["viterbi1"] = viterbi(em[1, :4], trans, start, end)
    return r
