"""word_language_model TransformerModel: PositionalEncoding buffer (arange, exp(-log(10000)/d),
sin/cos on strided slices, unsqueeze(0).transpose(0,1), register_buffer), TransformerEncoderLayer
+ TransformerEncoder(num_layers=2, enable_nested_tensor=False), generate_square_subsequent_mask,
emb * math.sqrt(ninp), dropout 0, training steps with clip_grad_norm_ and StepLR, generation loop
with multinomial replaced by argmax and torch.cat of input tokens."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randint


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.0, max_len=50):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)


class TransformerModel(nn.Module):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers):
        super().__init__()
        self.pos_encoder = PositionalEncoding(ninp)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout=0.0)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)

    def forward(self, src, has_mask=True):
        mask = nn.Transformer.generate_square_subsequent_mask(len(src)) if has_mask else None
        src = self.encoder(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, mask)
        return F.log_softmax(self.decoder(output), dim=-1)


def run():
    r = {}
    model = init_params(TransformerModel(16, 8, 2, 16, 2), seed=1, scale=0.3)
    r["pe"] = model.pos_encoder.pe[:3, 0]
    r["buffers"] = [n for n, _ in model.named_buffers()]
    r["mask"] = nn.Transformer.generate_square_subsequent_mask(4)
    data = torch.tensor(randint(0, 16, (7, 3), seed=2))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.95)
    crit = nn.NLLLoss()
    model.train()
    for step in range(3):
        inp, tgt = data[:-1], data[1:].reshape(-1)
        out = model(inp)
        loss = crit(out.view(-1, 16), tgt)
        opt.zero_grad()
        loss.backward()
        r["gnorm_%d" % step] = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
        sched.step()
        r["loss_%d" % step] = loss
    r["lr"] = sched.get_last_lr()
    model.eval()
    input = torch.tensor([[3]], dtype=torch.long)
    words = []
    with torch.no_grad():
        for i in range(5):
            output = model(input, False)
            word_weights = output[-1].squeeze().div(1.0).exp().cpu()
            word_idx = torch.argmax(word_weights).item()
            word_tensor = torch.Tensor([[word_idx]]).long()
            input = torch.cat([input, word_tensor], 0)
            words.append(word_idx)
    r["generated"] = words
    r["final_logp"] = output[-1]
    return r
