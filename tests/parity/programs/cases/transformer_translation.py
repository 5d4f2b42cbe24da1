"""Language translation with nn.Transformer tutorial: TokenEmbedding (* sqrt(emb)),
PositionalEncoding with register_buffer, Seq2SeqTransformer (nn.Transformer with batch_first=False,
dropout 0), generate_square_subsequent_mask via triu + masked_fill, create_mask with
src/tgt padding masks (bool), memory_key_padding_mask, CrossEntropyLoss(ignore_index=PAD),
xavier_uniform_ init checked then overwritten, greedy_decode using encode/decode and
torch.max(prob, dim=1), torch.cat with torch.ones(1,1).type_as(src.data).fill_(next_word)."""
import math
import torch
import torch.nn as nn
from torch import Tensor
from casekit import init_params, randint

PAD_IDX, BOS_IDX, EOS_IDX = 1, 2, 3


class PositionalEncoding(nn.Module):
    def __init__(self, emb_size, dropout, maxlen=50):
        super().__init__()
        den = torch.exp(- torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(-2)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer('pos_embedding', pos_embedding)

    def forward(self, token_embedding: Tensor):
        return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])


class TokenEmbedding(nn.Module):
    def __init__(self, vocab_size, emb_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_size)
        self.emb_size = emb_size

    def forward(self, tokens: Tensor):
        return self.embedding(tokens.long()) * math.sqrt(self.emb_size)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, n_enc, n_dec, emb_size, nhead, src_vocab, tgt_vocab, dim_ff):
        super().__init__()
        self.transformer = nn.Transformer(d_model=emb_size, nhead=nhead, num_encoder_layers=n_enc,
                                          num_decoder_layers=n_dec, dim_feedforward=dim_ff, dropout=0.0)
        self.generator = nn.Linear(emb_size, tgt_vocab)
        self.src_tok_emb = TokenEmbedding(src_vocab, emb_size)
        self.tgt_tok_emb = TokenEmbedding(tgt_vocab, emb_size)
        self.positional_encoding = PositionalEncoding(emb_size, dropout=0.0)

    def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, memory_key_padding_mask):
        src_emb = self.positional_encoding(self.src_tok_emb(src))
        tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
        outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                src_padding_mask, tgt_padding_mask, memory_key_padding_mask)
        return self.generator(outs)

    def encode(self, src, src_mask):
        return self.transformer.encoder(self.positional_encoding(self.src_tok_emb(src)), src_mask)

    def decode(self, tgt, memory, tgt_mask):
        return self.transformer.decoder(self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask)


def generate_square_subsequent_mask(sz):
    mask = (torch.triu(torch.ones((sz, sz))) == 1).transpose(0, 1)
    return mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))


def create_mask(src, tgt):
    src_seq_len, tgt_seq_len = src.shape[0], tgt.shape[0]
    tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
    src_mask = torch.zeros((src_seq_len, src_seq_len)).type(torch.bool)
    src_padding_mask = (src == PAD_IDX).transpose(0, 1)
    tgt_padding_mask = (tgt == PAD_IDX).transpose(0, 1)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


def run():
    r = {}
    model = Seq2SeqTransformer(2, 2, 8, 2, 12, 11, 16)
    for p in model.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    init_params(model, seed=1, scale=0.3)
    src = torch.tensor(randint(4, 12, (6, 3), seed=2))
    src[4:, 1] = PAD_IDX
    tgt = torch.tensor(randint(4, 11, (5, 3), seed=3))
    tgt[0] = BOS_IDX
    tgt[3:, 2] = PAD_IDX
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.98), eps=1e-9)
    model.train()
    for step in range(2):
        tgt_input = tgt[:-1, :]
        src_mask, tgt_mask, src_pm, tgt_pm = create_mask(src, tgt_input)
        logits = model(src, tgt_input, src_mask, tgt_mask, src_pm, tgt_pm, src_pm)
        opt.zero_grad()
        tgt_out = tgt[1:, :]
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()
        opt.step()
        r["loss_%d" % step] = loss
    r["mask"] = generate_square_subsequent_mask(3)
    model.eval()
    s = src[:, :1]
    num_tokens = s.shape[0]
    src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
    memory = model.encode(s, src_mask)
    ys = torch.ones(1, 1).fill_(BOS_IDX).type(torch.long)
    for i in range(5):
        tgt_mask = (generate_square_subsequent_mask(ys.size(0)).type(torch.bool))
        out = model.decode(ys, memory, tgt_mask)
        out = out.transpose(0, 1)
        prob = model.generator(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.item()
        ys = torch.cat([ys, torch.ones(1, 1).type_as(s.data).fill_(next_word)], dim=0)
        if next_word == EOS_IDX:
            break
    r["decoded"] = ys.flatten()
    r["memory"] = memory[:, 0, :3]
    return r
