"""Sequence models tutorial: LSTM basics (step-by-step loop over inputs with hidden tuple vs whole
sequence at once via torch.cat(inputs).view(len(inputs), 1, -1)), LSTMTagger (Embedding, LSTM,
hidden2tag, log_softmax over view(len(sentence), -1)), prepare_sequence, NLLLoss + SGD(0.1)
training epochs, tag scores before/after, argmax tags."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, randn


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return F.log_softmax(tag_space, dim=1)


def run():
    r = {}
    lstm = init_params(nn.LSTM(3, 3), seed=1)
    inputs = [torch.tensor(randn(1, 3, seed=10 + i)) for i in range(5)]
    hidden = (torch.tensor(randn(1, 1, 3, seed=20)), torch.tensor(randn(1, 1, 3, seed=21)))
    h = hidden
    for i in inputs:
        out, h = lstm(i.view(1, 1, -1), h)
    r["step_out"] = out
    seq = torch.cat(inputs).view(len(inputs), 1, -1)
    out_all, h_all = lstm(seq, hidden)
    r["seq_out"] = out_all
    r["same_last"] = bool(torch.allclose(out_all[-1], out[0], atol=1e-6))
    training_data = [("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
                     ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])]
    word_to_ix = {}
    for sent, tags in training_data:
        for word in sent:
            if word not in word_to_ix:
                word_to_ix[word] = len(word_to_ix)
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}
    model = init_params(LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix)), seed=2)
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with torch.no_grad():
        r["before"] = model(prepare_sequence(training_data[0][0], word_to_ix))
    for epoch in range(20):
        for sentence, tags in training_data:
            model.zero_grad()
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = prepare_sequence(tags, tag_to_ix)
            tag_scores = model(sentence_in)
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
        if epoch % 5 == 0:
            r["loss_%d" % epoch] = loss
    with torch.no_grad():
        scores = model(prepare_sequence(training_data[0][0], word_to_ix))
        r["after"] = scores
        r["tags"] = scores.argmax(1)
    return r
