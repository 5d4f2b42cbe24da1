"""Kim-style text CNN: Embedding(padding_idx) -> permute -> Conv1d with several kernel sizes
-> max over time (amax / max_pool1d with kernel=len) -> cat -> Dropout(eval) -> Linear;
CrossEntropyLoss with class weights; Adagrad step; embedding gradient rows for padding."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randint

RTOL = 1e-4
ATOL = 1e-5


class TextCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 6, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(6, 4, k) for k in (2, 3, 4)])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(12, 3)

    def forward(self, tok):
        e = self.emb(tok).permute(0, 2, 1)
        feats = [F.relu(c(e)) for c in self.convs]
        pooled = [feats[0].amax(dim=2)] + [F.max_pool1d(f, f.size(2)).squeeze(2) for f in feats[1:]]
        return self.fc(self.drop(torch.cat(pooled, dim=1)))


def run():
    r = {}
    m = init_params(TextCNN(), seed=1)
    with torch.no_grad():
        m.emb.weight[0].zero_()
    tok = torch.tensor(randint(1, 20, (4, 9), seed=2))
    tok[1, 6:] = 0
    tok[3, 4:] = 0
    y = torch.tensor([0, 2, 1, 2])
    opt = torch.optim.Adagrad(m.parameters(), lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)
    crit = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5]))
    m.eval()
    r["eval_logits"] = m(tok)
    m.train()
    m.drop.p = 0.0
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = crit(m(tok), y)
        loss.backward()
        if not losses:
            r["pad_row_grad"] = m.emb.weight.grad[0]
            r["emb_grad_rows"] = m.emb.weight.grad.abs().sum(1) > 0
        opt.step()
        losses.append(loss.item())
    r["losses"] = losses
    r["fc_w"] = m.fc.weight
    r["pred"] = m(tok).argmax(1)
    r["sum_state"] = opt.state[m.fc.weight]["sum"]
    return r
