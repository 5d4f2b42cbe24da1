"""word_language_model example: RNNModel (Embedding encoder, LSTM 2 layers with dropout 0,
Linear decoder with tied weights, init_weights uniform_/zeros_), init_hidden via weight.new_zeros,
batchify (narrow + view + t().contiguous()), get_batch with bptt, repackage_hidden recursion over
tuples with detach, clip_grad_norm_(0.25), manual SGD p.data.add_(p.grad, alpha=-lr),
evaluate with log-softmax NLL * len, perplexity math.exp."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randint


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, tie_weights=True):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(0.0)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=0.0)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.nhid, self.nlayers = nhid, nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def run():
    r = {}
    ntokens = 20
    model = RNNModel(ntokens, 8, 8, 2)
    r["tied"] = model.decoder.weight is model.encoder.weight
    r["n_params"] = len(list(model.parameters()))
    init_params(model, seed=1, scale=0.3)
    corpus = torch.tensor(randint(0, ntokens, (83,), seed=2))
    train_data = batchify(corpus, 4)
    r["batchified"] = train_data.shape
    criterion = nn.NLLLoss()
    bptt, lr = 5, 2.0
    model.train()
    hidden = model.init_hidden(4)
    total = 0.0
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i, bptt)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total += loss.item()
        r["loss_%d" % batch] = loss.item()
    r["hidden_grad_fn"] = hidden[0].grad_fn is not None
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(4)
    with torch.no_grad():
        for i in range(0, train_data.size(0) - 1, bptt):
            data, targets = get_batch(train_data, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    val = total_loss / (len(train_data) - 1)
    r["val_loss"] = val
    r["ppl"] = math.exp(val)
    r["enc_w"] = model.encoder.weight[:2]
    return r
