"""Char-RNN name classification: letterToIndex via string.ascii_letters, lineToTensor one-hot
(line_length x 1 x n_letters), nn.RNN(n_letters, n_hidden) + Linear + LogSoftmax(dim=1),
NLLLoss, manual SGD via p.data.add_(p.grad.data, alpha=-lr) / then optim with clip_grad_norm_,
categoryFromOutput via topk(1), and evaluation over a few names."""
import string
import torch
import torch.nn as nn
from casekit import init_params

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
categories = ["English", "French", "German"]


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        return self.softmax(output)


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return categories[category_i], category_i


def run():
    r = {}
    r["n_letters"] = n_letters
    r["J"] = lineToTensor("J").nonzero()
    r["jones_size"] = lineToTensor("Jones").size()
    rnn = init_params(CharRNN(n_letters, 16, len(categories)), seed=1, scale=0.3)
    criterion = nn.NLLLoss()
    data = [("Smith", 0), ("Dubois", 1), ("Muller", 2), ("O'Neil", 0), ("Lefevre", 1)]
    lr = 0.05
    for i, (name, cat) in enumerate(data):
        rnn.zero_grad()
        output = rnn(lineToTensor(name))
        loss = criterion(output, torch.tensor([cat], dtype=torch.long))
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-lr)
        r["loss_%d" % i] = loss.item()
    opt = torch.optim.SGD(rnn.parameters(), lr=lr)
    for epoch in range(2):
        batch_loss = 0
        for name, cat in data:
            output = rnn(lineToTensor(name))
            batch_loss = batch_loss + criterion(output, torch.tensor([cat]))
        batch_loss.backward()
        nn.utils.clip_grad_norm_(rnn.parameters(), 3)
        opt.step()
        opt.zero_grad()
        r["batch_loss_%d" % epoch] = batch_loss / len(data)
    with torch.no_grad():
        preds = []
        for name in ["Satoshi", "Jackson", "Schmidt"]:
            out = rnn(lineToTensor(name))
            preds.append(categoryFromOutput(out))
            r["out_" + name] = out
        r["preds"] = preds
    return r
