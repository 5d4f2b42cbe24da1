"""Seq2seq translation tutorial: EncoderRNN (Embedding + GRU batch_first, Dropout), AttnDecoderRNN
with BahdanauAttention (Wa, Ua, Va; scores.squeeze(2).unsqueeze(1), softmax, bmm), teacher
forcing with target_tensor[:, i].unsqueeze(1), topk(1) greedy decoding with detach,
decoder_outputs cat + log_softmax, NLLLoss on view(-1), two Adam optimizers, EOS truncation."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from casekit import init_params, randint

SOS, EOS, MAXLEN = 0, 1, 6


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        return self.gru(embedded)


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS)
        decoder_hidden = encoder_hidden
        decoder_outputs, attentions = [], []
        for i in range(MAXLEN):
            embedded = self.dropout(self.embedding(decoder_input))
            query = decoder_hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            output, decoder_hidden = self.gru(torch.cat((embedded, context), dim=2), decoder_hidden)
            decoder_output = self.out(output)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = F.log_softmax(torch.cat(decoder_outputs, dim=1), dim=-1)
        return decoder_outputs, decoder_hidden, torch.cat(attentions, dim=1)


def run():
    r = {}
    enc = init_params(EncoderRNN(10, 8), seed=1, scale=0.4)
    dec = init_params(AttnDecoderRNN(8, 9), seed=2, scale=0.4)
    src = torch.tensor(randint(2, 10, (3, 5), seed=3))
    tgt = torch.tensor(randint(2, 9, (3, MAXLEN), seed=4))
    tgt[:, -1] = EOS
    eo = optim.Adam(enc.parameters(), lr=0.01)
    do = optim.Adam(dec.parameters(), lr=0.01)
    crit = nn.NLLLoss()
    enc.train(); dec.train()
    enc.dropout.p = 0.0
    dec.dropout.p = 0.0
    for step in range(3):
        eo.zero_grad(); do.zero_grad()
        e_out, e_hid = enc(src)
        d_out, _, _ = dec(e_out, e_hid, tgt)
        loss = crit(d_out.view(-1, d_out.size(-1)), tgt.view(-1))
        loss.backward()
        eo.step(); do.step()
        r["loss_%d" % step] = loss.item()
    enc.eval(); dec.eval()
    with torch.no_grad():
        e_out, e_hid = enc(src)
        d_out, d_hid, attn = dec(e_out, e_hid)
        _, topi = d_out.topk(1)
        ids = topi.squeeze()
    r["attn"] = attn
    r["ids"] = ids
    words = []
    for row in ids:
        w = []
        for idx in row:
            if idx.item() == EOS:
                w.append("<EOS>")
                break
            w.append(str(idx.item()))
        words.append(" ".join(w))
    r["words"] = words
    r["d_hid"] = d_hid
    return r
