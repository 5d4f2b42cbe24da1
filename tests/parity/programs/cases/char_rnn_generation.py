"""Char-RNN name generation tutorial: RNN module with category one-hot + input + hidden
(i2h, i2o via torch.cat, o2o, Dropout(0.1), LogSoftmax(dim=1)), initHidden zeros, targets via
LongTensor of letter indexes + EOS, loss accumulated over the sequence with NLLLoss, manual
p.data.add_(p.grad.data, alpha=-lr), sampling with topv, topi = output.topk(1) under no_grad."""
import string
import torch
import torch.nn as nn
from casekit import init_params

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1
categories = ["Irish", "Italian"]


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(len(categories) + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(len(categories) + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        return self.softmax(output), hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def categoryTensor(category):
    tensor = torch.zeros(1, len(categories))
    tensor[0][categories.index(category)] = 1
    return tensor


def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        tensor[li][0][all_letters.find(line[li])] = 1
    return tensor


def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)
    return torch.LongTensor(letter_indexes)


def run():
    r = {}
    rnn = init_params(RNN(n_letters, 16, n_letters), seed=1, scale=0.2)
    rnn.eval()  # dropout off for comparable numbers
    criterion = nn.NLLLoss()
    lr = 0.005
    for i, (cat, name) in enumerate([("Irish", "Kelly"), ("Italian", "Rossi"), ("Irish", "O'Neal")]):
        ct, it, tt = categoryTensor(cat), inputTensor(name), targetTensor(name)
        tt.unsqueeze_(-1)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        loss = torch.Tensor([0])
        for k in range(it.size(0)):
            output, hidden = rnn(ct, it[k], hidden)
            l = criterion(output, tt[k])
            loss += l
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-lr)
        r["loss_%d" % i] = loss.item() / it.size(0)
        r["target_%d" % i] = tt.view(-1)
    r["loss_type"] = (loss.dtype, loss.shape)
    samples = []
    with torch.no_grad():
        for cat, start in [("Irish", "K"), ("Italian", "R")]:
            ct = categoryTensor(cat)
            input = inputTensor(start)
            hidden = rnn.initHidden()
            output_name = start
            for i in range(6):
                output, hidden = rnn(ct, input[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters - 1:
                    break
                letter = all_letters[topi]
                output_name += letter
                input = inputTensor(letter)
            samples.append(output_name)
    r["samples"] = samples
    return r
